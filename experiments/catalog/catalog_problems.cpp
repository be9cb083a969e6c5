// Problem types a spec can choose (`problem.type`). docs/problems.md explains every parameter,
// constant and generator. Each type is one section: a config struct whose `fields` bind every
// parameter (name, type, default, bounds, condition, help: the single source of truth), its
// cross-checks against the run, its builder, and its memory before anything is built.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "experiments/catalog/catalog.hpp"
#include "experiments/catalog/data_files.hpp"
#include "problems/hessian_scales.hpp"
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

// --- shared by every type --------------------------------------------------------------------

// Parameters every problem type has, declared after its own: the data seed and the starting point.
struct StartConfig {
  std::int64_t data_seed{};
  InitKind init{};
  double distance{};
  std::vector<double> point;

  static void fields(auto& f) {
    f.integer("data_seed", &StartConfig::data_seed)
        .at_least(0)
        .defaults_to(0)
        .doc("seed of the problem's random draws (data, rotation, optimum, shard assignment, start direction); the "
             "run seed drives sampling only, so all seeds share one problem");
    f.choice("init", &StartConfig::init,
             {{"zero", InitKind::zero}, {"optimum", InitKind::optimum}, {"distance", InitKind::distance},
              {"point", InitKind::point}})
        .defaults_to("zero")
        .doc("starting point x_0 of every worker: 0, x*, x* + distance * (seeded random unit vector), or an explicit "
             "point");
    f.number("distance", &StartConfig::distance).at_least(0).when("init", {"distance"}).doc("|x_0 - x*| for init \"distance\"");
    f.number_list("point", &StartConfig::point).when("init", {"point"}).doc("x_0 for init \"point\" (dim entries)");
  }
  std::uint64_t seed() const { return static_cast<std::uint64_t>(data_seed); }
};

// Quadratic and non-convex PL: an analytic oracle noise and the workers' spread.
struct OracleNoiseConfig {
  double sigma2{};
  double c1{};
  double heterogeneity{};

  static void fields(auto& f) {
    f.number("sigma2", &OracleNoiseConfig::sigma2)
        .at_least(0)
        .defaults_to(1.0)
        .doc("sigma^2: additive noise variance E|noise|^2 of one oracle call (divided by B for a mini-batch)");
    f.number("c1", &OracleNoiseConfig::c1)
        .at_least(0)
        .defaults_to(0.0)
        .doc("C_1: multiplicative noise, adds C_1 |grad F_i(x)|^2 to the variance of one call");
    f.number("heterogeneity", &OracleNoiseConfig::heterogeneity)
        .at_least(0)
        .defaults_to(0.0)
        .doc("zeta: spread of the workers' objectives (0: every worker sees F)");
  }
  OracleNoise noise() const { return {sigma2, c1}; }
};

// Least squares and logistic: rows from a generator or a LIBSVM file, spread over the workers.
enum class RowSource { synthetic, libsvm };
enum class Partition { iid, shared, by_label, dirichlet };
const std::vector<std::string> kSyntheticClassification = {"two_gaussians", "epsilon_like"};
const std::vector<std::string> kSyntheticRegression = {"gaussian", "singular_values"};

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

// Every worker's shard needs a row (unless every worker samples all rows). Checked before
// building when the rows are the `samples` parameter, after loading when they come from a file.
void require_a_row_per_worker(Index rows, Partition partition, RowSource source, int workers) {
  if (partition == Partition::shared || rows >= workers) return;
  if (source == RowSource::libsvm) {
    throw ParamRuleError("file", fmt::format("has {} rows, fewer than the {} workers: every worker's shard needs at "
                                             "least one row; use fewer workers, or \"partition\": \"shared\"",
                                             rows, workers));
  }
  throw ParamRuleError("samples", fmt::format("must be >= workers ({}) so that every worker's shard holds at least "
                                              "one sample, got {}",
                                              workers, rows));
}

std::vector<Shard> partition_rows(Partition partition, std::span<const double> labels, double alpha,
                                  std::uint64_t seed, int workers) {
  const auto rows = static_cast<Index>(labels.size());
  switch (partition) {
    case Partition::shared: return for_param("partition", [&] { return shared_partition(rows, workers); });
    case Partition::by_label: return for_param("partition", [&] { return by_label_partition(labels, workers); });
    case Partition::dirichlet: return for_param("alpha", [&] { return dirichlet_partition(labels, workers, alpha, seed); });
    case Partition::iid: break;
  }
  return for_param("partition", [&] { return iid_partition(rows, workers, seed); });
}

// A LIBSVM file named by `file` (relative to the spec's folder), with `dim` features if given.
template <class Load>
auto load_data_file(const std::string& file, std::optional<Index> dim, const BuildContext& context, const Load& load) {
  return for_param("file", [&] { return load(resolve_data_path(file, context.base_folder), dim); });
}

// --- memory, before anything is built (experiments/catalog/memory.hpp) -------------------------
//
// Bytes of 8-byte numbers; transient copies made while building (decompositions, the Gram
// matrix, Newton's Hessian) are counted, since they are allocated at the same time as the data.

// At least what one run over a problem of dimension d costs (Engine::estimate_bytes with B = 1, no
// optimizer state, no rows drawn ahead, no compute-time streams, one thread), on one of `ranks`
// ranks if split.
double run_lower_bound(int workers, double dim, int ranks) {
  EngineShape shape;
  shape.ranks = ranks;
  shape.workers = workers;
  shape.dim = static_cast<Index>(dim);
  shape.finite_sum = false;
  shape.draws_compute_times = false;
  shape.threads = 1;
  return Engine::estimate_bytes(shape);
}

// Where a problem reserves its memory while a spec is checked: the spec's budget, under the
// problem's cache key (each distinct problem counts once).
struct MemoryReservation {
  MemoryBudget& budget;
  std::string key;
  const BuildContext& context;

  void operator()(const std::string& suffix, double data, double dim, const std::string& what,
                  bool part_of_earlier = false) const {
    try {
      budget.reserve_problem(key + suffix, data, run_lower_bound(context.workers, dim, budget.split_ranks()), what, part_of_earlier);
    } catch (const std::length_error& e) {
      throw ParamRuleError("", e.what());
    }
  }
};

// A LIBSVM file: about 6 bytes per stored number in the file (index, colon, value, space) and
// 28 bytes per number while parsing (a triplet, then compressed storage); the file's own
// dimension is known only once it is read, so the file is loaded (once per process, see
// data_files.hpp) and its data returned.
template <class Load>
auto reserve_data_file(const std::string& file, std::optional<Index> dim, const MemoryReservation& reserve,
                       const Load& load) {
  const auto path = resolve_data_path(file, reserve.context.base_folder);
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  const double file_bytes = error ? 0.0 : static_cast<double>(size);
  reserve("", 6 * file_bytes, dim ? static_cast<double>(*dim) : 1.0,
          fmt::format("LIBSVM file {} of {}", path.string(), format_bytes(file_bytes)));
  return load_data_file(file, dim, reserve.context, load);
}

// --- quadratic -------------------------------------------------------------------------------

enum class Spacing { linear, geometric, explicit_list };

struct QuadraticConfig : StartConfig, OracleNoiseConfig {
  Spacing spectrum{};
  std::int64_t dim{};
  double mu{};
  double L{};
  std::int64_t zero_eigenvalues{};
  std::vector<double> eigenvalues;
  double f_star{};
  std::optional<double> hessian_heterogeneity;  // optional so that specs without it resolve as before

  static void fields(auto& f) {
    const std::vector<std::string> spaced = {"linear", "geometric"};
    f.choice("spectrum", &QuadraticConfig::spectrum,
             {{"linear", Spacing::linear}, {"geometric", Spacing::geometric}, {"explicit", Spacing::explicit_list}})
        .defaults_to("linear")
        .doc("eigenvalues of H: evenly spaced (linear) or with equal ratios (geometric) from mu to L, or an explicit "
             "list");
    f.integer("dim", &QuadraticConfig::dim).at_least(1).at_most(5000).defaults_to(20).when("spectrum", spaced).doc("dimension d");
    f.number("mu", &QuadraticConfig::mu)
        .greater_than(0)
        .defaults_to(0.1)
        .when("spectrum", spaced)
        .doc("smallest non-zero eigenvalue (the PL constant)");
    f.number("L", &QuadraticConfig::L)
        .greater_than(0)
        .defaults_to(1.0)
        .when("spectrum", spaced)
        .doc("largest eigenvalue (the smoothness constant)");
    f.integer("zero_eigenvalues", &QuadraticConfig::zero_eigenvalues)
        .at_least(0)
        .defaults_to(0)
        .when("spectrum", spaced)
        .doc("k eigenvalues equal to 0 (PL but not strongly convex)");
    f.number_list("eigenvalues", &QuadraticConfig::eigenvalues)
        .at_least(0)
        .when("spectrum", {"explicit"})
        .doc("the eigenvalues of H (>= 0; d = their number)");
    f.number("f_star", &QuadraticConfig::f_star).defaults_to(0.0).doc("the optimal value F*");
    f.number("hessian_heterogeneity", &QuadraticConfig::hessian_heterogeneity)
        .at_least(0)
        .at_most(kMaxHessianHeterogeneity)
        .optional()
        .doc("omega (default 0): per-worker Hessians H_i = Q diag(eigenvalues * s_i) Q^T with log-normal scales s_i (log-spread "
             "omega, mean 1 over the workers, so mean H_i = H); 0: one shared Hessian, on which local SGD's "
             "average does not depend on tau");
    OracleNoiseConfig::fields(f);
    StartConfig::fields(f);
  }
  double dimension() const { return static_cast<double>(spectrum == Spacing::explicit_list ? eigenvalues.size() : dim); }
};

void check_quadratic(const QuadraticConfig& o, const BuildContext&) {
  if (o.spectrum == Spacing::explicit_list) {
    if (std::none_of(o.eigenvalues.begin(), o.eigenvalues.end(), [](double v) { return v > 0; })) {
      throw ParamRuleError("eigenvalues", "needs at least one eigenvalue > 0");
    }
    return;
  }
  if (o.mu > o.L) throw ParamRuleError("mu", fmt::format("must be <= L ({}), got {}", o.L, o.mu));
  // The spectrum is built from mu and L / mu (linear: from L - mu); both must be finite.
  if (!std::isfinite(o.L / o.mu) || !std::isfinite(o.L - o.mu)) {
    throw ParamRuleError("L", fmt::format("L / mu = {:g} / {:g} overflows double precision, so the spectrum cannot "
                                          "be computed; use a ratio L / mu below 1e308",
                                          o.L, o.mu));
  }
  if (o.zero_eigenvalues >= o.dim) {
    throw ParamRuleError("zero_eigenvalues", fmt::format("must be < dim ({}) so that some eigenvalue is positive, got {}",
                                                         o.dim, o.zero_eigenvalues));
  }
  if (o.dim - o.zero_eigenvalues == 1 && o.mu != o.L) {
    throw ParamRuleError("mu", "must equal L when there is a single non-zero eigenvalue");
  }
}

std::shared_ptr<Problem> build_quadratic(const QuadraticConfig& o, const BuildContext& context) {
  QuadraticOptions options;
  switch (o.spectrum) {
    case Spacing::explicit_list: options.eigenvalues = o.eigenvalues; break;
    case Spacing::geometric: options.eigenvalues = geometric_spectrum(o.dim, o.mu, o.L, o.zero_eigenvalues); break;
    case Spacing::linear: options.eigenvalues = linear_spectrum(o.dim, o.mu, o.L, o.zero_eigenvalues); break;
  }
  options.optimal_value = o.f_star;
  options.noise = o.noise();
  options.heterogeneity = o.heterogeneity;
  options.hessian_heterogeneity = o.hessian_heterogeneity.value_or(0.0);
  return std::make_shared<Quadratic>(options, context.workers, o.seed());
}

void reserve_quadratic(const QuadraticConfig& o, const MemoryReservation& reserve) {
  const double d = o.dimension();
  const bool per_worker_hessians = o.hessian_heterogeneity.value_or(0.0) > 0 && reserve.context.workers > 1;
  reserve("", Quadratic::estimate_bytes(static_cast<Index>(d), reserve.context.workers, per_worker_hessians), d,
          fmt::format("quadratic with d = {} and {} workers{}", d, reserve.context.workers,
                      per_worker_hessians ? " (a d x d Hessian per worker)" : ""));
}

// --- nonconvex_pl ----------------------------------------------------------------------------

struct NonconvexPlConfig : StartConfig, OracleNoiseConfig {
  std::int64_t dim{};
  double f_star{};

  static void fields(auto& f) {
    f.integer("dim", &NonconvexPlConfig::dim).at_least(1).at_most(5000).defaults_to(20).doc("dimension d");
    f.number("f_star", &NonconvexPlConfig::f_star).defaults_to(0.0).doc("the optimal value F*");
    OracleNoiseConfig::fields(f);
    StartConfig::fields(f);
  }
};

std::shared_ptr<Problem> build_nonconvex_pl(const NonconvexPlConfig& o, const BuildContext& context) {
  NonconvexPlOptions options;
  options.dim = o.dim;
  options.optimal_value = o.f_star;
  options.noise = o.noise();
  options.heterogeneity = o.heterogeneity;
  return std::make_shared<NonconvexPl>(options, context.workers, o.seed());
}

void reserve_nonconvex_pl(const NonconvexPlConfig& o, const MemoryReservation& reserve) {
  const auto d = static_cast<double>(o.dim);
  reserve("", NonconvexPl::estimate_bytes(static_cast<Index>(d), reserve.context.workers), d,
          fmt::format("nonconvex_pl with d = {} and {} workers", d, reserve.context.workers));
}

// --- least_squares ---------------------------------------------------------------------------

enum class Design { gaussian, singular_values, libsvm };

struct LeastSquaresConfig : StartConfig {
  Design design{};
  std::int64_t samples{};
  std::optional<Index> dim;  // a default for synthetic data; optional for a file
  double noise{};
  std::vector<double> singular_values;
  std::string file;
  Partition partition{};
  LeastSquaresConstants constants{};

  static void fields(auto& f) {
    f.choice("design", &LeastSquaresConfig::design,
             {{"gaussian", Design::gaussian}, {"singular_values", Design::singular_values}, {"libsvm", Design::libsvm}})
        .defaults_to("gaussian")
        .doc("rows of A: i.i.d. N(0, I), A = sqrt(n) U diag(singular_values) V^T, or a LIBSVM file whose labels are "
             "the targets");
    f.integer("samples", &LeastSquaresConfig::samples)
        .at_least(1)
        .at_most(1e9)
        .defaults_to(4000)
        .when("design", kSyntheticRegression)
        .doc("number of rows n of A");
    f.integer("dim", &LeastSquaresConfig::dim)
        .at_least(1)
        .at_most(1e6)
        .defaults_to(20)
        .when("design", kSyntheticRegression)
        .doc("dimension d of x");
    f.number("noise", &LeastSquaresConfig::noise)
        .at_least(0)
        .defaults_to(0.1)
        .when("design", kSyntheticRegression)
        .doc("standard deviation of the label noise");
    f.number_list("singular_values", &LeastSquaresConfig::singular_values)
        .at_least(0)
        .when("design", {"singular_values"})
        .doc("singular values of A / sqrt(n): H has eigenvalues s^2 (at most min(n, d) values; fewer, or zeros, make "
             "H singular)");
    f.text("file", &LeastSquaresConfig::file)
        .when("design", {"libsvm"})
        .doc("LIBSVM file with real-valued labels as targets (relative paths start at the spec file's folder)");
    f.integer("dim", &LeastSquaresConfig::dim)
        .at_least(1)
        .optional()
        .when("design", {"libsvm"})
        .doc("number of features d (default: the largest index in the file)");
    f.choice("partition", &LeastSquaresConfig::partition, {{"iid", Partition::iid}, {"shared", Partition::shared}})
        .defaults_to("iid")
        .doc("how rows are assigned to workers: i.i.d. shards, or every worker samples all rows");
    f.choice("constants", &LeastSquaresConfig::constants,
             {{"exact", LeastSquaresConstants::exact}, {"interpolation", LeastSquaresConstants::interpolation}})
        .defaults_to("exact")
        .doc("exact: x*, L, mu by dense factorisations (O(n d^2 + d^3), a d x d matrix; evaluations then cost "
             "O(d^2)); interpolation (noise 0, gaussian design, for large d): F* = 0, x* = the generating point, L "
             "and mu estimated, O(n d), evaluations cost two passes over A");
    StartConfig::fields(f);
  }
  RowSource source() const { return design == Design::libsvm ? RowSource::libsvm : RowSource::synthetic; }
};

void check_least_squares(const LeastSquaresConfig& o, const BuildContext& context) {
  if (o.constants == LeastSquaresConstants::interpolation) {
    if (o.design != Design::gaussian) {
      throw ParamRuleError("constants", "\"interpolation\" needs design \"gaussian\" (its L and mu estimates are "
                                        "those of Gaussian rows)");
    }
    if (o.noise != 0) {
      throw ParamRuleError("constants",
                           fmt::format("\"interpolation\" needs noiseless targets (noise = 0), got noise {}", o.noise));
    }
  }
  if (o.design == Design::libsvm) return;  // the file's rows are checked when it is loaded
  require_a_row_per_worker(o.samples, o.partition, o.source(), context.workers);
  if (o.design == Design::singular_values) {
    const auto limit = std::min(o.samples, static_cast<std::int64_t>(*o.dim));
    if (static_cast<std::int64_t>(o.singular_values.size()) > limit) {
      throw ParamRuleError("singular_values", fmt::format("must have at most min(samples, dim) = {} entries, got {}",
                                                          limit, o.singular_values.size()));
    }
    if (std::none_of(o.singular_values.begin(), o.singular_values.end(), [](double v) { return v > 0; })) {
      throw ParamRuleError("singular_values", "needs at least one value > 0");
    }
  }
}

std::shared_ptr<Problem> build_least_squares(const LeastSquaresConfig& o, const BuildContext& context) {
  std::shared_ptr<const RegressionData> data;
  switch (o.design) {
    case Design::libsvm: data = load_data_file(o.file, o.dim, context, load_libsvm_regression); break;
    case Design::singular_values:
      data = make_regression_with_singular_values(o.samples, *o.dim, o.singular_values, o.noise, o.seed());
      break;
    case Design::gaussian: data = make_synthetic_regression({o.samples, *o.dim, o.noise}, o.seed()); break;
  }
  const Index rows = data->features.rows();
  require_a_row_per_worker(rows, o.partition, o.source(), context.workers);
  // Least squares shards by row index only (its targets are not classes).
  auto shards = o.partition == Partition::shared
                    ? for_param("partition", [&] { return shared_partition(rows, context.workers); })
                    : for_param("partition", [&] { return iid_partition(rows, context.workers, o.seed()); });
  return std::make_shared<LeastSquares>(std::move(data), std::move(shards), o.constants);
}

void reserve_least_squares(const LeastSquaresConfig& o, const MemoryReservation& reserve) {
  const int workers = reserve.context.workers;
  if (o.design == Design::libsvm) {
    const auto d = static_cast<double>(reserve_data_file(o.file, o.dim, reserve, load_libsvm_regression)->features.cols());
    reserve("|dim", LeastSquares::estimate_bytes(0, static_cast<Index>(d), workers), d,
            fmt::format("least_squares on {} features (d x d matrices for H and x*) and {} workers", d, workers));
    return;
  }
  const auto n = static_cast<double>(o.samples);
  const auto d = static_cast<double>(*o.dim);
  double bytes = LeastSquares::estimate_bytes(static_cast<Index>(n), static_cast<Index>(d), workers, o.constants);
  if (o.design == Design::singular_values) {
    const double r = std::min(n, d);
    bytes += 8 * (3 * n * r + 3 * d * r);
  }
  reserve("", bytes, d,
          fmt::format("least_squares with {} samples x {} dims (a dense matrix) and {} workers", n, d, workers));
}

// --- logistic --------------------------------------------------------------------------------

enum class Classes { two_gaussians, epsilon_like, libsvm };

struct LogisticConfig : StartConfig {
  Classes data{};
  std::int64_t samples{};
  std::optional<Index> dim;  // a default for synthetic data; optional for a file
  double margin{};
  double signal{};
  std::string file;
  double l2{};
  Partition partition{};
  double alpha{};

  static void fields(auto& f) {
    f.choice("data", &LogisticConfig::data,
             {{"two_gaussians", Classes::two_gaussians}, {"epsilon_like", Classes::epsilon_like}, {"libsvm", Classes::libsvm}})
        .defaults_to("two_gaussians")
        .doc("two Gaussian classes, epsilon-like unit-norm rows, or a LIBSVM file");
    f.integer("samples", &LogisticConfig::samples)
        .at_least(1)
        .at_most(1e9)
        .defaults_to(2000)
        .when("data", kSyntheticClassification)
        .doc("number of rows n");
    f.integer("dim", &LogisticConfig::dim)
        .at_least(1)
        .at_most(5000)
        .defaults_to(20)
        .when("data", kSyntheticClassification)
        .doc("number of features d");
    f.number("margin", &LogisticConfig::margin)
        .at_least(0)
        .defaults_to(2.0)
        .when("data", {"two_gaussians"})
        .doc("distance between the two class means");
    f.number("signal", &LogisticConfig::signal)
        .at_least(0)
        .defaults_to(2.0)
        .when("data", {"epsilon_like"})
        .doc("P(y = +1) = 1/(1 + exp(-signal sqrt(d) a^T u))");
    f.text("file", &LogisticConfig::file)
        .when("data", {"libsvm"})
        .doc("LIBSVM file (relative paths start at the spec file's folder)");
    f.integer("dim", &LogisticConfig::dim)
        .at_least(1)
        .at_most(1e9)
        .optional()
        .when("data", {"libsvm"})
        .doc("number of features d (default: the largest index in the file)");
    f.number("l2", &LogisticConfig::l2)
        .at_least(0)
        .defaults_to(1e-4)
        .doc("L2 term lambda (the PL constant; 0 allowed on non-separable data)");
    f.choice("partition", &LogisticConfig::partition,
             {{"iid", Partition::iid}, {"shared", Partition::shared}, {"by_label", Partition::by_label},
              {"dirichlet", Partition::dirichlet}})
        .defaults_to("iid")
        .doc("rows per worker: i.i.d. shards, all rows for everyone, sorted by label, or per-class Dirichlet(alpha) "
             "proportions");
    f.number("alpha", &LogisticConfig::alpha)
        .greater_than(0)
        .defaults_to(1.0)
        .when("partition", {"dirichlet"})
        .doc("Dirichlet concentration (small: few classes per worker)");
    StartConfig::fields(f);
  }
  RowSource source() const { return data == Classes::libsvm ? RowSource::libsvm : RowSource::synthetic; }
};

void check_logistic(const LogisticConfig& o, const BuildContext& context) {
  if (o.data != Classes::libsvm) require_a_row_per_worker(o.samples, o.partition, o.source(), context.workers);
}

std::shared_ptr<Problem> build_logistic(const LogisticConfig& o, const BuildContext& context) {
  std::shared_ptr<const ClassificationData> data;
  switch (o.data) {
    case Classes::libsvm: data = load_data_file(o.file, o.dim, context, load_libsvm_classification); break;
    case Classes::epsilon_like: data = make_epsilon_like({o.samples, *o.dim, o.signal}, o.seed()); break;
    case Classes::two_gaussians: data = make_two_gaussians({o.samples, *o.dim, o.margin}, o.seed()); break;
  }
  const std::span<const double> labels(data->labels.data(), data->labels.size());
  require_a_row_per_worker(static_cast<Index>(labels.size()), o.partition, o.source(), context.workers);
  auto shards = partition_rows(o.partition, labels, o.alpha, o.seed(), context.workers);
  return for_param("l2", [&] { return std::make_shared<Logistic>(data, std::move(shards), o.l2); });
}

void reserve_logistic(const LogisticConfig& o, const MemoryReservation& reserve) {
  const int workers = reserve.context.workers;
  if (o.data != Classes::libsvm) {
    const auto n = static_cast<double>(o.samples);
    const auto d = static_cast<double>(*o.dim);
    reserve("", Logistic::estimate_bytes(static_cast<Index>(n), static_cast<Index>(d), workers), d,
            fmt::format("logistic with {} samples x {} dims (a dense matrix) and {} workers", n, d, workers));
    return;
  }
  const auto d = static_cast<double>(reserve_data_file(o.file, o.dim, reserve, load_libsvm_classification)->dim());
  reserve("|dim", Logistic::estimate_bytes(0, static_cast<Index>(d), workers), d,
          fmt::format("logistic on {} features (d x d matrices for L and Newton's method) and {} workers", d, workers),
          true);
}

// --- one entry per type ----------------------------------------------------------------------

// The cache key: the type, every parameter that shapes the problem (not the starting point), the
// number of workers (the shards depend on it) and the folder relative data paths resolve against.
std::string problem_key(const std::string& type, const Params& p, const BuildContext& context) {
  Json shape = p.json();
  for (const char* key : {"init", "distance", "point"}) shape.erase(key);
  return fmt::format("{}|{}|{}|{}", type, shape.dump(), context.workers, context.base_folder.string());
}

void check_constants_finite(const ProblemConstants& c) {
  if (!std::isfinite(c.smoothness) || !std::isfinite(c.optimal_value) || !c.optimum.allFinite()) {
    throw ParamRuleError("", fmt::format("the problem's constants are not finite (L = {}, F* = {}){}: its values "
                                         "overflow double precision; rescale the data or the parameters",
                                         c.smoothness, c.optimal_value, c.optimum.allFinite() ? "" : ", x* not finite"));
  }
}

// Whether the constants are known finite without computing them: least squares and logistic
// regression (l2 > 0) compute theirs on first use, and the magnitudes of their data may bound them.
bool constants_known_finite(const Problem& problem) {
  if (const auto* least_squares = dynamic_cast<const LeastSquares*>(&problem)) {
    return least_squares->constants_certainly_finite();
  }
  const auto* logistic = dynamic_cast<const Logistic*>(&problem);
  return logistic != nullptr && logistic->constants_certainly_finite();
}

// What a built problem must satisfy whatever its type: finite constants, and a starting point of
// its dimension. A spec that is only checked skips computing constants that are known finite
// (nothing else it checks needs them).
void check_built(const Problem& problem, const StartConfig& start, bool check_only) {
  if (!(check_only && constants_known_finite(problem))) check_constants_finite(problem.constants());
  if (start.init == InitKind::point && static_cast<Index>(start.point.size()) != problem.dim()) {
    throw ParamRuleError("point", fmt::format("must have {} entries (the problem's dimension), got {}", problem.dim(),
                                              start.point.size()));
  }
}

// A problem type: built through the spec's cache (one build per distinct configuration). Checking
// it runs the type's own rules, then reserves its memory in the spec's budget, then builds it (the
// runs reuse that build) so that data-dependent errors name the problem's path, then checks the
// built problem.
template <class Config>
TypeEntry<Problem> problem(std::string name, std::string help,
                           std::shared_ptr<Problem> (*build)(const Config&, const BuildContext&),
                           void (*check)(const Config&, const BuildContext&),
                           void (*reserve_memory)(const Config&, const MemoryReservation&)) {
  TypeEntry<Problem> entry{name, std::move(help), fields_of<Config>().specs(), {}, {}, nullptr};
  entry.build = [name, build](const Params& p, const BuildContext& context, const ProblemNeeds::Build& needs) {
    const Config config = fields_of<Config>().read(p);
    return needs.cache.get(problem_key(name, p, context), [&] { return build(config, context); });
  };
  entry.check = [name, build, check, reserve_memory](const Params& p, const BuildContext& context,
                                                      const ProblemNeeds::Check& needs) {
    const Config config = fields_of<Config>().read(p);
    if (check != nullptr) check(config, context);
    const std::string key = problem_key(name, p, context);
    reserve_memory(config, MemoryReservation{needs.memory, key, context});
    // A rule the type's checker did not foresee (e.g. values that overflow while the problem is
    // built) is still invalid input: it names the problem's path, not an internal failure.
    // Constants computed on first use (least squares, logistic regression) may fail the same way.
    const auto built = for_param("", [&] { return needs.cache.get(key, [&] { return build(config, context); }); });
    for_param("", [&] {
      check_built(*built, config, needs.cache.check_only());
      return 0;
    });
  };
  return entry;
}

}  // namespace

Vector starting_point(const Configured<Problem>& problem_spec, const Problem& problem) {
  const StartConfig start = fields_of<StartConfig>().read(problem_spec.params);
  InitialPointOptions options;
  options.kind = start.init;
  options.distance = start.distance;
  if (start.init == InitKind::point) {
    options.point = Eigen::Map<const Vector>(start.point.data(), static_cast<Index>(start.point.size()));
  }
  return initial_point(options, problem.constants().optimum, start.seed());
}

const Registry<Problem>& problem_registry() {
  static const Registry<Problem> registry{
      "problem",
      "the objective F, its oracle, and how its data is spread over the workers",
      {
          problem<QuadraticConfig>(
              "quadratic",
              "F(x) = 1/2 (x - x*)^T H (x - x*) + F*, H = Q diag(spectrum) Q^T with a seeded rotation Q; L, mu, x*, "
              "F*, sigma2 exact; zero eigenvalues give PL without strong convexity; Gaussian oracle noise",
              build_quadratic, check_quadratic, reserve_quadratic),
          problem<NonconvexPlConfig>(
              "nonconvex_pl",
              "F(x) = F* + sum_j phi(u_j^T (x - x*)), phi(z) = z^2 + 3 sin^2 z (Karimi et al. 2016): non-convex, PL "
              "with mu = 0.1755..., L = 8; seeded rotation U; Gaussian oracle noise",
              build_nonconvex_pl, nullptr, reserve_nonconvex_pl),
          problem<LeastSquaresConfig>(
              "least_squares",
              "F(x) = (1/2n)|Ax - y|^2 on synthetic data (rows N(0, I), or chosen singular values) or a LIBSVM file "
              "(sparse stays sparse); x*, F*, L, mu exact; mini-batches sampled with replacement from each worker's "
              "shard",
              build_least_squares, check_least_squares, reserve_least_squares),
          problem<LogisticConfig>(
              "logistic",
              "F(x) = (1/n) sum_j log(1 + exp(-y_j a_j^T x)) + (l2/2)|x|^2 on synthetic data or a LIBSVM file; x*, "
              "F* by Newton's method; L = lambda_max(A^T A)/(4n) + l2, mu = l2",
              build_logistic, check_logistic, reserve_logistic),
      }};
  return registry;
}

}  // namespace localsgd
