// experiments/catalog/catalog_problems.cpp: the problem types as a spec sees them: conditional
// parameters, data files resolved against the spec's folder, data-dependent errors reported at
// their JSON path during validation, starting points, and problems shared between runs.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "experiments/spec/spec.hpp"
#include "experiments/language/spec_error.hpp"
#include "problems/quadratic.hpp"

using namespace localsgd;

namespace {

const std::filesystem::path kData = std::filesystem::path(LOCALSGD_SOURCE_DIR) / "data";

Json spec_with(const Json& problem) {
  Json s = Json::parse(R"({
    "name": "t", "workers": 3, "steps": 20,
    "step_size": {"type": "constant", "value": 0.01},
    "schedule": {"type": "fixed", "period": 5}
  })");
  s["problem"] = problem;
  return s;
}

std::pair<std::string, std::string> error_of(const Json& problem, const std::filesystem::path& base = {}) {
  try {
    parse_spec(spec_with(problem), "t", base);
  } catch (const SpecError& e) {
    return {e.pointer(), e.rule()};
  }
  FAIL("no SpecError for " << problem.dump());
  return {};
}

}  // namespace

TEST_CASE("conditional parameters: defaults only where they apply, errors where they do not") {
  const ExperimentSpec spec = parse_spec(spec_with({{"type", "logistic"}}), "t");
  const Json& resolved = spec.runs[0].config.at("problem");
  CHECK(resolved.at("data") == "two_gaussians");
  CHECK(resolved.at("samples") == 2000);
  CHECK(resolved.at("margin") == 2.0);
  CHECK(resolved.at("init") == "zero");
  for (const char* absent : {"file", "signal", "alpha", "distance", "point"}) CHECK_FALSE(resolved.contains(absent));

  const auto [pointer, rule] = error_of({{"type", "logistic"}, {"alpha", 0.5}});
  CHECK(pointer == "/problem/alpha");
  CHECK(rule == "\"alpha\" applies only when partition is \"dirichlet\" (here partition is \"iid\")");
  CHECK(error_of({{"type", "logistic"}, {"data", "libsvm"}, {"samples", 10}, {"file", "x"}}).first == "/problem/samples");
  CHECK(error_of({{"type", "quadratic"}, {"init", "distance"}}) ==
        std::pair<std::string, std::string>{"/problem", "missing required key \"distance\" (number >= 0: |x_0 - x*| for init \"distance\")"});
  CHECK(error_of({{"type", "quadratic"}, {"spectrum", "explicit"}, {"dim", 3}, {"eigenvalues", {1}}}).first ==
        "/problem/dim");
}

TEST_CASE("problem rules point at the offending parameter") {
  using Case = std::tuple<const char*, const char*, const char*, const char*>;
  const auto [what, problem, pointer, rule] = GENERATE(
      Case{"mu > L", R"({"type": "quadratic", "mu": 2, "L": 1})", "/problem/mu", "must be <= L (1), got 2"},
      Case{"all zero", R"({"type": "quadratic", "dim": 3, "zero_eigenvalues": 3})", "/problem/zero_eigenvalues",
           "must be < dim (3)"},
      Case{"no positive eigenvalue", R"({"type": "quadratic", "spectrum": "explicit", "eigenvalues": [0, 0]})",
           "/problem/eigenvalues", "needs at least one eigenvalue > 0"},
      Case{"point of wrong length", R"({"type": "quadratic", "dim": 4, "init": "point", "point": [1, 2]})",
           "/problem/point", "must have 4 entries (the problem's dimension), got 2"},
      Case{"too many singular values", R"({"type": "least_squares", "samples": 10, "dim": 2, "design": "singular_values", "singular_values": [1, 1, 1]})",
           "/problem/singular_values", "at most min(samples, dim) = 2 entries"},
      Case{"interpolation with noise", R"({"type": "least_squares", "constants": "interpolation"})",
           "/problem/constants", "needs noiseless targets (noise = 0), got noise 0.1"},
      Case{"interpolation with chosen singular values", R"({"type": "least_squares", "noise": 0, "constants": "interpolation", "design": "singular_values", "singular_values": [1, 2]})",
           "/problem/constants", "needs design \"gaussian\""},
      Case{"separable without l2", R"({"type": "logistic", "samples": 40, "dim": 2, "margin": 20, "l2": 0})",
           "/problem/l2", "linearly separable"},
      Case{"empty Dirichlet worker", R"({"type": "logistic", "samples": 6, "dim": 2, "partition": "dirichlet", "alpha": 0.001})",
           "/problem/alpha", "without rows"},
      Case{"fewer rows than workers", R"({"type": "logistic", "samples": 2, "partition": "by_label"})",
           "/problem/samples", "must be >= workers (3)"},
      Case{"fewer rows than workers, least squares", R"({"type": "least_squares", "samples": 2, "dim": 2})",
           "/problem/samples", "must be >= workers (3) so that every worker's shard holds at least one sample, got 2"});
  INFO(what);
  const auto [where, message] = error_of(Json::parse(problem));
  CHECK(where == pointer);
  CHECK_THAT(message, Catch::Contains(rule));
}

TEST_CASE("data files resolve against the spec's folder; missing and malformed files are validation errors") {
  const Json heart = {{"type", "logistic"}, {"data", "libsvm"}, {"file", "heart_scale"}};
  const ExperimentSpec spec = parse_spec(spec_with(heart), "t", kData);
  const auto problem = spec.runs[0].build_problem();
  CHECK(problem->dim() == 13);
  CHECK_FALSE(spec.runs[0].config.at("problem").contains("dim"));

  const auto [missing_at, missing] = error_of(heart, kData / "elsewhere");
  CHECK(missing_at == "/problem/file");
  CHECK_THAT(missing, Catch::Contains("cannot open") && Catch::Contains("elsewhere/heart_scale"));

  const auto dir = std::filesystem::temp_directory_path() / "localsgd_catalog_problems_test";
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir / "bad.txt");
    out << "+1 1:1\n-1 2:1\n+1 2:x\n";
  }
  const auto [bad_at, bad] = error_of({{"type", "logistic"}, {"data", "libsvm"}, {"file", "bad.txt"}}, dir);
  CHECK(bad_at == "/problem/file");
  CHECK_THAT(bad, Catch::EndsWith("bad.txt:3: feature 2 has no finite numeric value: \"x\""));
  // A file's rows are known once it is read: the same rule as for `samples`, said of the file.
  {
    std::ofstream out(dir / "two_rows.txt");
    out << "1 1:1\n-1 2:1\n";  // labels that are targets and classes alike
  }
  for (const Json& on_file : {Json{{"type", "least_squares"}, {"design", "libsvm"}, {"file", "two_rows.txt"}},
                              Json{{"type", "logistic"}, {"data", "libsvm"}, {"file", "two_rows.txt"}}}) {
    const auto [rows_at, rows_rule] = error_of(on_file, dir);
    CHECK(rows_at == "/problem/file");
    CHECK_THAT(rows_rule, Catch::StartsWith("has 2 rows, fewer than the 3 workers"));
  }
  Json shared = {{"type", "least_squares"}, {"design", "libsvm"}, {"file", "two_rows.txt"}, {"partition", "shared"}};
  CHECK(parse_spec(spec_with(shared), "t", dir).runs.size() == 1);
  const auto [dim_at, dim_rule] =
      error_of({{"type", "logistic"}, {"data", "libsvm"}, {"file", "heart_scale"}, {"dim", 5}}, kData);
  CHECK(dim_at == "/problem/file");
  CHECK_THAT(dim_rule, Catch::Contains("heart_scale:1: feature index 6 exceeds the dimension 5"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("one problem per configuration, shared by every seed and variant; the start follows init") {
  Json s = spec_with({{"type", "quadratic"}, {"dim", 4}, {"init", "distance"}, {"distance", 2.0}, {"data_seed", 9}});
  s["seeds"] = 2;
  s["variants"] = Json::parse(R"([{"label": "a"}, {"label": "b", "schedule": {"type": "sync"}}])");
  const ExperimentSpec spec = parse_spec(s, "t");
  REQUIRE(spec.runs.size() == 4);
  const auto first = spec.runs[0].build_problem();
  for (const RunSpec& r : spec.runs) CHECK(r.build_problem() == first);
  const Vector x0 = starting_point(spec.runs[3].problem, *first);
  CHECK((x0 - first->constants().optimum).norm() == Approx(2.0).epsilon(1e-15));

  // A different number of workers is a different problem (the heterogeneity draws depend on it).
  s["sweep"] = Json::parse(R"({"workers": [2, 3]})");
  const ExperimentSpec swept = parse_spec(s, "t");
  CHECK(swept.runs[0].build_problem() != swept.runs[2].build_problem());
}

TEST_CASE("sweeping the partition switches its conditional parameters") {
  Json s = spec_with({{"type", "logistic"}, {"samples", 60}, {"dim", 3}});
  s["sweep"] = Json::parse(R"({"problem.partition": ["iid", "shared", "by_label", "dirichlet"]})");
  const ExperimentSpec spec = parse_spec(s, "t");
  REQUIRE(spec.runs.size() == 4);
  CHECK(spec.runs[3].config.at("problem").at("alpha") == 1.0);
  CHECK_FALSE(spec.runs[0].config.at("problem").contains("alpha"));
  CHECK(spec.runs[1].build_problem()->constants().heterogeneity < 1e-25);
}
