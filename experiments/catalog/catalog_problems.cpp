// Problem types a spec can choose (`problem.type`). docs/problems.md explains every parameter,
// constant and generator; the entries below are the single source of truth for the names,
// defaults and ranges.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "experiments/catalog/catalog.hpp"
#include "experiments/catalog/data_files.hpp"
#include "experiments/catalog/memory.hpp"
#include "experiments/catalog/problem_cache.hpp"
#include "problems/initial_point.hpp"
#include "problems/least_squares.hpp"
#include "problems/logistic.hpp"
#include "problems/nonconvex_pl.hpp"
#include "problems/partition.hpp"
#include "problems/quadratic.hpp"
#include "problems/regression_data.hpp"
#include "sim/engine.hpp"

namespace localsgd {

namespace {

const std::vector<std::string> kInitKinds = {"zero", "optimum", "distance", "point"};
const std::vector<std::string> kSyntheticClassification = {"two_gaussians", "epsilon_like"};
const std::vector<std::string> kSyntheticRegression = {"gaussian", "singular_values"};

// Parameters every problem type has: the data seed and the starting point.
std::vector<ParamSpec> with_common(std::vector<ParamSpec> specific) {
  specific.push_back(ParamSpec::integer("data_seed", "seed of the problem's random draws (data, rotation, optimum, "
                                                     "shard assignment, start direction); the run seed drives "
                                                     "sampling only, so all seeds share one problem")
                         .at_least(0)
                         .defaults_to(0));
  specific.push_back(ParamSpec::text("init", "starting point x_0 of every worker: 0, x*, x* + distance * (seeded "
                                             "random unit vector), or an explicit point")
                         .one_of(kInitKinds)
                         .defaults_to("zero"));
  specific.push_back(ParamSpec::number("distance", "|x_0 - x*| for init \"distance\"").at_least(0).when("init", {"distance"}));
  specific.push_back(ParamSpec::number_list("point", "x_0 for init \"point\" (dim entries)").when("init", {"point"}));
  return specific;
}

std::vector<ParamSpec> oracle_noise_params() {
  return {ParamSpec::number("sigma2", "sigma^2: additive noise variance E|noise|^2 of one oracle call (divided by B "
                                      "for a mini-batch)")
              .at_least(0)
              .defaults_to(1.0),
          ParamSpec::number("c1", "C_1: multiplicative noise, adds C_1 |grad F_i(x)|^2 to the variance of one call")
              .at_least(0)
              .defaults_to(0.0),
          ParamSpec::number("heterogeneity", "zeta: spread of the workers' objectives (0: every worker sees F)")
              .at_least(0)
              .defaults_to(0.0)};
}

std::vector<ParamSpec> concat(std::vector<ParamSpec> a, const std::vector<ParamSpec>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::uint64_t data_seed(const Params& p) { return static_cast<std::uint64_t>(p.integer("data_seed")); }

// Runs one construction stage and reports its std::invalid_argument (or a data file's error) as a
// rule broken by `param`, so that the spec reader can point at it.
template <class F>
auto for_param(const std::string& param, F&& stage) {
  try {
    return stage();
  } catch (const ParamRuleError&) {
    throw;
  } catch (const std::invalid_argument& e) {
    throw ParamRuleError(param, e.what());
  } catch (const DataFileError& e) {
    throw ParamRuleError(param, e.what());
  }
}

std::vector<Shard> partition_rows(const Params& p, const Vector& labels, int workers) {
  const std::string kind = p.text("partition");
  const auto rows = static_cast<Index>(labels.size());
  const std::span<const double> label_span(labels.data(), labels.size());
  if (kind == "shared") return for_param("partition", [&] { return shared_partition(rows, workers); });
  if (rows < workers) {
    throw ParamRuleError(p.text("data") == "libsvm" ? "file" : "samples",
                         fmt::format("has {} rows, fewer than the {} workers: every worker's shard needs at least one "
                                     "row; use fewer workers, or \"partition\": \"shared\"",
                                     rows, workers));
  }
  if (kind == "by_label") return for_param("partition", [&] { return by_label_partition(label_span, workers); });
  if (kind == "dirichlet") {
    if (rows < workers) {
      throw ParamRuleError("partition", fmt::format("needs at least as many rows as workers (rows {}, workers {})",
                                                    rows, workers));
    }
    return for_param("alpha", [&] { return dirichlet_partition(label_span, workers, p.number("alpha"), data_seed(p)); });
  }
  return for_param("partition", [&] { return iid_partition(rows, workers, data_seed(p)); });
}

// --- quadratic -------------------------------------------------------------------------------

std::vector<double> quadratic_spectrum(const Params& p) {
  const std::string spacing = p.text("spectrum");
  if (spacing == "explicit") {
    return p.numbers("eigenvalues");
  }
  const Index dim = p.integer("dim");
  const Index zeros = p.integer("zero_eigenvalues");
  return spacing == "geometric" ? geometric_spectrum(dim, p.number("mu"), p.number("L"), zeros)
                                : linear_spectrum(dim, p.number("mu"), p.number("L"), zeros);
}

void check_quadratic(const Params& p, const BuildContext&) {
  if (p.text("spectrum") == "explicit") {
    const auto values = p.numbers("eigenvalues");
    if (std::none_of(values.begin(), values.end(), [](double v) { return v > 0; })) {
      throw ParamRuleError("eigenvalues", "needs at least one eigenvalue > 0");
    }
    return;
  }
  if (p.number("mu") > p.number("L")) {
    throw ParamRuleError("mu", fmt::format("must be <= L ({}), got {}", p.number("L"), p.number("mu")));
  }
  // The spectrum is built from mu and L / mu (linear: from L - mu); both must be finite.
  if (!std::isfinite(p.number("L") / p.number("mu")) || !std::isfinite(p.number("L") - p.number("mu"))) {
    throw ParamRuleError("L", fmt::format("L / mu = {:g} / {:g} overflows double precision, so the spectrum cannot "
                                          "be computed; use a ratio L / mu below 1e308",
                                          p.number("L"), p.number("mu")));
  }
  if (p.integer("zero_eigenvalues") >= p.integer("dim")) {
    throw ParamRuleError("zero_eigenvalues", fmt::format("must be < dim ({}) so that some eigenvalue is positive, got {}",
                                                         p.integer("dim"), p.integer("zero_eigenvalues")));
  }
  if (p.integer("dim") - p.integer("zero_eigenvalues") == 1 && p.number("mu") != p.number("L")) {
    throw ParamRuleError("mu", "must equal L when there is a single non-zero eigenvalue");
  }
}

std::shared_ptr<Problem> build_quadratic(const Params& p, const BuildContext& context) {
  QuadraticOptions options;
  options.eigenvalues = quadratic_spectrum(p);
  options.optimal_value = p.number("f_star");
  options.noise = {p.number("sigma2"), p.number("c1")};
  options.heterogeneity = p.number("heterogeneity");
  return std::make_shared<Quadratic>(options, context.workers, data_seed(p));
}

// --- nonconvex_pl ----------------------------------------------------------------------------

std::shared_ptr<Problem> build_nonconvex_pl(const Params& p, const BuildContext& context) {
  NonconvexPlOptions options;
  options.dim = p.integer("dim");
  options.optimal_value = p.number("f_star");
  options.noise = {p.number("sigma2"), p.number("c1")};
  options.heterogeneity = p.number("heterogeneity");
  return std::make_shared<NonconvexPl>(options, context.workers, data_seed(p));
}

// --- least_squares ---------------------------------------------------------------------------

void check_least_squares(const Params& p, const BuildContext& context) {
  if (p.text("constants") == "interpolation") {
    if (p.text("design") != "gaussian") {
      throw ParamRuleError("constants", "\"interpolation\" needs design \"gaussian\" (its L and mu estimates are "
                                        "those of Gaussian rows)");
    }
    if (p.number("noise") != 0) {
      throw ParamRuleError("constants", fmt::format("\"interpolation\" needs noiseless targets (noise = 0), got noise {}",
                                                    p.number("noise")));
    }
  }
  if (p.text("design") == "libsvm") return;  // the file's rows are checked when it is loaded
  if (p.integer("samples") < context.workers && p.text("partition") != "shared") {
    throw ParamRuleError("samples", fmt::format("must be >= workers ({}) so that every worker's shard "
                                                "holds at least one sample, got {}",
                                                context.workers, p.integer("samples")));
  }
  if (p.text("design") == "singular_values") {
    const auto values = p.numbers("singular_values");
    const auto limit = std::min(p.integer("samples"), p.integer("dim"));
    if (static_cast<std::int64_t>(values.size()) > limit) {
      throw ParamRuleError("singular_values", fmt::format("must have at most min(samples, dim) = {} entries, got {}",
                                                          limit, values.size()));
    }
    if (std::none_of(values.begin(), values.end(), [](double v) { return v > 0; })) {
      throw ParamRuleError("singular_values", "needs at least one value > 0");
    }
  }
}

std::shared_ptr<Problem> build_least_squares(const Params& p, const BuildContext& context) {
  const auto seed = data_seed(p);
  const std::string design = p.text("design");
  std::shared_ptr<const RegressionData> data;
  if (design == "libsvm") {
    data = for_param("file", [&] {
      const std::optional<Index> dim = p.has("dim") ? std::optional<Index>(p.integer("dim")) : std::nullopt;
      return load_libsvm_regression(resolve_data_path(p.text("file"), context.base_folder), dim);
    });
  } else if (design == "singular_values") {
    data = make_regression_with_singular_values(p.integer("samples"), p.integer("dim"), p.numbers("singular_values"),
                                                p.number("noise"), seed);
  } else {
    data = make_synthetic_regression({p.integer("samples"), p.integer("dim"), p.number("noise")}, seed);
  }
  const Index samples = data->features.rows();
  auto shards = p.text("partition") == "shared"
                    ? for_param("partition", [&] { return shared_partition(samples, context.workers); })
                    : for_param("partition", [&] { return iid_partition(samples, context.workers, seed); });
  const auto how =
      p.text("constants") == "interpolation" ? LeastSquaresConstants::interpolation : LeastSquaresConstants::exact;
  return std::make_shared<LeastSquares>(std::move(data), std::move(shards), how);
}

// --- logistic --------------------------------------------------------------------------------

void check_logistic(const Params& p, const BuildContext& context) {
  if (p.text("data") != "libsvm" && p.integer("samples") < context.workers && p.text("partition") != "shared") {
    throw ParamRuleError("samples", fmt::format("must be >= workers ({}) so that every worker's shard holds at "
                                                "least one sample, got {}",
                                                context.workers, p.integer("samples")));
  }
}

std::shared_ptr<Problem> build_logistic(const Params& p, const BuildContext& context) {
  const auto seed = data_seed(p);
  const std::string source = p.text("data");
  std::shared_ptr<const ClassificationData> data;
  if (source == "libsvm") {
    data = for_param("file", [&] {
      const std::optional<Index> dim = p.has("dim") ? std::optional<Index>(p.integer("dim")) : std::nullopt;
      return load_libsvm_classification(resolve_data_path(p.text("file"), context.base_folder), dim);
    });
  } else if (source == "epsilon_like") {
    data = make_epsilon_like({p.integer("samples"), p.integer("dim"), p.number("signal")}, seed);
  } else {
    data = make_two_gaussians({p.integer("samples"), p.integer("dim"), p.number("margin")}, seed);
  }
  auto shards = partition_rows(p, data->labels, context.workers);
  return for_param("l2", [&] { return std::make_shared<Logistic>(data, std::move(shards), p.number("l2")); });
}

// --- memory, before anything is built (experiments/catalog/memory.hpp) ---------------------------------
//
// Bytes of 8-byte numbers; transient copies made while building (decompositions, the Gram
// matrix, Newton's Hessian) are counted, since they are allocated at the same time as the data.

// At least what one run over a problem of dimension d costs (Engine::estimate_bytes with B = 1, no
// optimizer state, no rows drawn ahead, no compute-time streams, one thread).
double run_lower_bound(int workers, double dim) {
  EngineShape shape;
  shape.workers = workers;
  shape.dim = static_cast<Index>(dim);
  shape.finite_sum = false;
  shape.draws_compute_times = false;
  shape.threads = 1;
  return Engine::estimate_bytes(shape);
}

void reserve(const BuildContext& context, const std::string& key, double data, double dim, const std::string& what,
             bool part_of_earlier = false) {
  try {
    context.memory->reserve_problem(key, data, run_lower_bound(context.workers, dim), what, part_of_earlier);
  } catch (const std::length_error& e) {
    throw ParamRuleError("", e.what());
  }
}

using Estimator = void (*)(const Params&, const BuildContext&, const std::string& key);

void estimate_quadratic(const Params& p, const BuildContext& context, const std::string& key) {
  const double d = p.text("spectrum") == "explicit" ? static_cast<double>(p.numbers("eigenvalues").size())
                                                      : static_cast<double>(p.integer("dim"));
  reserve(context, key, Quadratic::estimate_bytes(static_cast<Index>(d), context.workers), d,
          fmt::format("quadratic with d = {} and {} workers", d, context.workers));
}

void estimate_nonconvex_pl(const Params& p, const BuildContext& context, const std::string& key) {
  const auto d = static_cast<double>(p.integer("dim"));
  reserve(context, key, NonconvexPl::estimate_bytes(static_cast<Index>(d), context.workers), d,
          fmt::format("nonconvex_pl with d = {} and {} workers", d, context.workers));
}

// A LIBSVM file: about 6 bytes per stored number in the file (index, colon, value, space) and
// 28 bytes per number while parsing (a triplet, then compressed storage); the file's own
// dimension is known only once it is read, so the file is loaded (once per process) and its
// number of features returned.
template <class Load>
double estimate_libsvm_file(const Params& p, const BuildContext& context, const std::string& key, const Load& load) {
  const auto path = resolve_data_path(p.text("file"), context.base_folder);
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  const double file_bytes = error ? 0.0 : static_cast<double>(size);
  reserve(context, key, 6 * file_bytes, p.has("dim") ? static_cast<double>(p.integer("dim")) : 1.0,
          fmt::format("LIBSVM file {} of {}", path.string(), format_bytes(file_bytes)));
  return for_param("file", [&] {
    const std::optional<Index> dim = p.has("dim") ? std::optional<Index>(p.integer("dim")) : std::nullopt;
    return load(path, dim);
  });
}

void estimate_least_squares(const Params& p, const BuildContext& context, const std::string& key) {
  if (p.text("design") == "libsvm") {
    const double d = estimate_libsvm_file(p, context, key, [](const auto& path, auto dim) {
      return static_cast<double>(load_libsvm_regression(path, dim)->features.cols());
    });
    reserve(context, key + "|dim", LeastSquares::estimate_bytes(0, static_cast<Index>(d), context.workers), d,
            fmt::format("least_squares on {} features (d x d matrices for H and x*) and {} workers", d,
                        context.workers));
    return;
  }
  const auto n = static_cast<double>(p.integer("samples"));
  const auto d = static_cast<double>(p.integer("dim"));
  const auto how =
      p.text("constants") == "interpolation" ? LeastSquaresConstants::interpolation : LeastSquaresConstants::exact;
  double bytes = LeastSquares::estimate_bytes(static_cast<Index>(n), static_cast<Index>(d), context.workers, how);
  if (p.text("design") == "singular_values") {
    const double r = std::min(n, d);
    bytes += 8 * (3 * n * r + 3 * d * r);
  }
  reserve(context, key, bytes, d,
          fmt::format("least_squares with {} samples x {} dims (a dense matrix) and {} workers", n, d,
                      context.workers));
}

void estimate_logistic(const Params& p, const BuildContext& context, const std::string& key) {
  if (p.text("data") != "libsvm") {
    const auto n = static_cast<double>(p.integer("samples"));
    const auto d = static_cast<double>(p.integer("dim"));
    reserve(context, key, Logistic::estimate_bytes(static_cast<Index>(n), static_cast<Index>(d), context.workers), d,
            fmt::format("logistic with {} samples x {} dims (a dense matrix) and {} workers", n, d, context.workers));
    return;
  }
  const double d = estimate_libsvm_file(p, context, key, [](const auto& path, auto dim) {
    return static_cast<double>(load_libsvm_classification(path, dim)->dim());
  });
  reserve(context, key + "|dim", Logistic::estimate_bytes(0, static_cast<Index>(d), context.workers), d,
          fmt::format("logistic on {} features (d x d matrices for L and Newton's method) and {} workers", d,
                      context.workers),
          true);
}

// --- shared by every type --------------------------------------------------------------------

using Builder = std::shared_ptr<Problem> (*)(const Params&, const BuildContext&);
using Checker = void (*)(const Params&, const BuildContext&);

// The cache key: the type, every parameter that shapes the problem (not the starting point), the
// number of workers (the shards depend on it) and the folder relative data paths resolve against.
std::string problem_key(const std::string& type, const Params& p, const BuildContext& context) {
  Json shape = p.json();
  for (const char* key : {"init", "distance", "point"}) shape.erase(key);
  return fmt::format("{}|{}|{}|{}", type, shape.dump(), context.workers, context.base_folder.string());
}

std::function<std::shared_ptr<Problem>(const Params&, const BuildContext&)> cached_builder(std::string type,
                                                                                          Builder build) {
  return [type, build](const Params& p, const BuildContext& context) {
    return cached_problem(problem_key(type, p, context), [&] { return build(p, context); });
  };
}

// The type's own rules, then (while a spec is validated) the memory the problem needs, then a
// build (cached, so the runs reuse it) to catch data-dependent errors, then the starting point
// against the problem's dimension.
std::function<void(const Params&, const BuildContext&)> checked_by_building(std::string type, Builder build,
                                                                            Checker check, Estimator estimate) {
  return [type, build, check, estimate](const Params& p, const BuildContext& context) {
    if (check != nullptr) check(p, context);
    if (context.memory != nullptr) estimate(p, context, problem_key(type, p, context));
    // A rule the type's checker did not foresee (e.g. values that overflow while the problem is
    // built) is still invalid input: it names the problem's path, not an internal failure.
    const auto problem = for_param("", [&] { return cached_builder(type, build)(p, context); });
    const ProblemConstants& c = problem->constants();
    if (!std::isfinite(c.smoothness) || !std::isfinite(c.optimal_value) || !c.optimum.allFinite()) {
      throw ParamRuleError("", fmt::format("the problem's constants are not finite (L = {}, F* = {}){}: its values "
                                           "overflow double precision; rescale the data or the parameters",
                                           c.smoothness, c.optimal_value, c.optimum.allFinite() ? "" : ", x* not finite"));
    }
    if (p.text("init") == "point") {
      const auto point = p.numbers("point");
      if (static_cast<Index>(point.size()) != problem->dim()) {
        throw ParamRuleError("point", fmt::format("must have {} entries (the problem's dimension), got {}",
                                                  problem->dim(), point.size()));
      }
    }
  };
}

TypeEntry<Problem> entry(std::string name, std::string help, std::vector<ParamSpec> params, Builder build,
                         Checker check, Estimator estimate) {
  return {name, std::move(help), with_common(std::move(params)), cached_builder(name, build),
          checked_by_building(name, build, check, estimate)};
}

}  // namespace

Vector starting_point(const Configured<Problem>& problem_spec, const Problem& problem) {
  const Params& p = problem_spec.params;
  InitialPointOptions options;
  const std::string kind = p.text("init");
  if (kind == "optimum") options.kind = InitKind::optimum;
  if (kind == "distance") {
    options.kind = InitKind::distance;
    options.distance = p.number("distance");
  }
  if (kind == "point") {
    options.kind = InitKind::point;
    const auto point = p.numbers("point");
    options.point = Eigen::Map<const Vector>(point.data(), static_cast<Index>(point.size()));
  }
  return initial_point(options, problem.constants().optimum, data_seed(p));
}

const Registry<Problem>& problem_registry() {
  static const Registry<Problem> registry{
      "problem",
      "the objective F, its oracle, and how its data is spread over the workers",
      {
          entry("quadratic",
                "F(x) = 1/2 (x - x*)^T H (x - x*) + F*, H = Q diag(spectrum) Q^T with a seeded rotation Q; L, mu, "
                "x*, F*, sigma2 exact; zero eigenvalues give PL without strong convexity; Gaussian oracle noise",
                concat({ParamSpec::text("spectrum", "eigenvalues of H: evenly spaced (linear) or with equal ratios "
                                                    "(geometric) from mu to L, or an explicit list")
                            .one_of({"linear", "geometric", "explicit"})
                            .defaults_to("linear"),
                        ParamSpec::integer("dim", "dimension d").at_least(1).at_most(5000).defaults_to(20).when(
                            "spectrum", {"linear", "geometric"}),
                        ParamSpec::number("mu", "smallest non-zero eigenvalue (the PL constant)")
                            .above(0)
                            .defaults_to(0.1)
                            .when("spectrum", {"linear", "geometric"}),
                        ParamSpec::number("L", "largest eigenvalue (the smoothness constant)")
                            .above(0)
                            .defaults_to(1.0)
                            .when("spectrum", {"linear", "geometric"}),
                        ParamSpec::integer("zero_eigenvalues", "k eigenvalues equal to 0 (PL but not strongly convex)")
                            .at_least(0)
                            .defaults_to(0)
                            .when("spectrum", {"linear", "geometric"}),
                        ParamSpec::number_list("eigenvalues", "the eigenvalues of H (>= 0; d = their number)")
                            .at_least(0)
                            .when("spectrum", {"explicit"}),
                        ParamSpec::number("f_star", "the optimal value F*").defaults_to(0.0)},
                       oracle_noise_params()),
                build_quadratic, check_quadratic, estimate_quadratic),
          entry("nonconvex_pl",
                "F(x) = F* + sum_j phi(u_j^T (x - x*)), phi(z) = z^2 + 3 sin^2 z (Karimi et al. 2016): non-convex, "
                "PL with mu = 0.1755..., L = 8; seeded rotation U; Gaussian oracle noise",
                concat({ParamSpec::integer("dim", "dimension d").at_least(1).at_most(5000).defaults_to(20),
                        ParamSpec::number("f_star", "the optimal value F*").defaults_to(0.0)},
                       oracle_noise_params()),
                build_nonconvex_pl, nullptr, estimate_nonconvex_pl),
          entry("least_squares",
                "F(x) = (1/2n)|Ax - y|^2 on synthetic data (rows N(0, I), or chosen singular values) or a LIBSVM file "
                "(sparse stays sparse); x*, F*, L, mu exact; mini-batches sampled with replacement from each "
                "worker's shard",
                {ParamSpec::text("design", "rows of A: i.i.d. N(0, I), A = sqrt(n) U diag(singular_values) V^T, or "
                                           "a LIBSVM file whose labels are the targets")
                     .one_of({"gaussian", "singular_values", "libsvm"})
                     .defaults_to("gaussian"),
                 ParamSpec::integer("samples", "number of rows n of A")
                     .at_least(1)
                     .at_most(1e9)
                     .defaults_to(4000)
                     .when("design", kSyntheticRegression),
                 ParamSpec::integer("dim", "dimension d of x")
                     .at_least(1)
                     .at_most(1e6)
                     .defaults_to(20)
                     .when("design", kSyntheticRegression),
                 ParamSpec::number("noise", "standard deviation of the label noise")
                     .at_least(0)
                     .defaults_to(0.1)
                     .when("design", kSyntheticRegression),
                 ParamSpec::number_list("singular_values", "singular values of A / sqrt(n): H has eigenvalues s^2 "
                                                           "(at most min(n, d) values; fewer, or zeros, make H "
                                                           "singular)")
                     .at_least(0)
                     .when("design", {"singular_values"}),
                 ParamSpec::text("file", "LIBSVM file with real-valued labels as targets (relative paths start at "
                                         "the spec file's folder)")
                     .when("design", {"libsvm"}),
                 ParamSpec::integer("dim", "number of features d (default: the largest index in the file)")
                     .at_least(1)
                     .optional()
                     .when("design", {"libsvm"}),
                 ParamSpec::text("partition", "how rows are assigned to workers: i.i.d. shards, or every worker "
                                              "samples all rows")
                     .one_of({"iid", "shared"})
                     .defaults_to("iid"),
                 ParamSpec::text("constants", "exact: x*, L, mu by dense factorisations (O(n d^2 + d^3), a d x d "
                                              "matrix; evaluations then cost O(d^2)); interpolation (noise 0, "
                                              "gaussian design, for large d): F* = 0, x* = the generating point, "
                                              "L and mu estimated, O(n d), evaluations cost two passes over A")
                     .one_of({"exact", "interpolation"})
                     .defaults_to("exact")},
                build_least_squares, check_least_squares, estimate_least_squares),
          entry("logistic",
                "F(x) = (1/n) sum_j log(1 + exp(-y_j a_j^T x)) + (l2/2)|x|^2 on synthetic data or a LIBSVM file; "
                "x*, F* by Newton's method; L = lambda_max(A^T A)/(4n) + l2, mu = l2",
                {ParamSpec::text("data", "two Gaussian classes, epsilon-like unit-norm rows, or a LIBSVM file")
                     .one_of({"two_gaussians", "epsilon_like", "libsvm"})
                     .defaults_to("two_gaussians"),
                 ParamSpec::integer("samples", "number of rows n").at_least(1).at_most(1e9).defaults_to(2000).when(
                     "data", kSyntheticClassification),
                 ParamSpec::integer("dim", "number of features d").at_least(1).at_most(5000).defaults_to(20).when(
                     "data", kSyntheticClassification),
                 ParamSpec::number("margin", "distance between the two class means").at_least(0).defaults_to(2.0).when(
                     "data", {"two_gaussians"}),
                 ParamSpec::number("signal", "P(y = +1) = 1/(1 + exp(-signal sqrt(d) a^T u))")
                     .at_least(0)
                     .defaults_to(2.0)
                     .when("data", {"epsilon_like"}),
                 ParamSpec::text("file", "LIBSVM file (relative paths start at the spec file's folder)")
                     .when("data", {"libsvm"}),
                 ParamSpec::integer("dim", "number of features d (default: the largest index in the file)")
                     .at_least(1)
                     .at_most(1e9)
                     .optional()
                     .when("data", {"libsvm"}),
                 ParamSpec::number("l2", "L2 term lambda (the PL constant; 0 allowed on non-separable data)")
                     .at_least(0)
                     .defaults_to(1e-4),
                 ParamSpec::text("partition", "rows per worker: i.i.d. shards, all rows for everyone, sorted by "
                                              "label, or per-class Dirichlet(alpha) proportions")
                     .one_of({"iid", "shared", "by_label", "dirichlet"})
                     .defaults_to("iid"),
                 ParamSpec::number("alpha", "Dirichlet concentration (small: few classes per worker)")
                     .above(0)
                     .defaults_to(1.0)
                     .when("partition", {"dirichlet"})},
                build_logistic, check_logistic, estimate_logistic),
      }};
  return registry;
}

}  // namespace localsgd
