#include "experiments/report/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>

#include "experiments/report/seed_interval.hpp"
#include "experiments/store/record_number.hpp"

namespace localsgd {

namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kFinalMetrics[] = {"gap", "loss", "grad_norm_sq", "consensus"};

bool is_final_metric(const std::string& metric) {
  return std::find(std::begin(kFinalMetrics), std::end(kFinalMetrics), metric) != std::end(kFinalMetrics);
}

Json read_summary(const fs::path& dir) {
  const fs::path file = dir / "summary.json";
  std::ifstream in(file);
  if (!in) throw CompareError(fmt::format("{}: cannot read (is {} a results folder of `localsgd run`?)", file.string(), dir.string()));
  try {
    Json summary = Json::parse(in);
    if (!summary.is_object() || !summary.contains("runs") || !summary.at("runs").is_array()) {
      throw CompareError(fmt::format("{}: has no \"runs\" list", file.string()));
    }
    return summary;
  } catch (const Json::exception& e) {
    throw CompareError(fmt::format("{}: not a summary written by localsgd: {}", file.string(), e.what()));
  }
}

// One metric of one run; NaN when the run did not complete (diverged, clock overflow: its last
// values are not those of a finished run) or has no evaluation.
double metric_of(const Json& run, const std::string& metric, const fs::path& file) {
  try {
    if (run.value("termination", std::string("completed")) != "completed") return std::numeric_limits<double>::quiet_NaN();
    if (is_final_metric(metric)) {
      const Json& final_metrics = run.at("final");
      return final_metrics.is_null() ? std::numeric_limits<double>::quiet_NaN()
                                     : record_number_from(final_metrics.at(metric));
    }
    return record_number_from(run.at(metric));
  } catch (const std::exception& e) {
    throw CompareError(fmt::format("{}: run {}: cannot read \"{}\": {}", file.string(), run.value("run", Json()).dump(),
                                   metric, e.what()));
  }
}

struct Group {
  std::string variant;
  Json point;
  std::vector<const Json*> a, b;  // runs (one per seed) in each folder
};

Json side_json(const std::vector<const Json*>& runs, const std::string& metric, double confidence, const fs::path& file,
               double& mean, double& variance_of_mean) {
  if (runs.empty()) return nullptr;
  std::vector<double> values;
  std::size_t not_finite = 0;
  for (const Json* run : runs) {
    const double v = metric_of(*run, metric, file);
    if (std::isfinite(v)) {
      values.push_back(v);
    } else {
      ++not_finite;
    }
  }
  mean = std::numeric_limits<double>::quiet_NaN();
  variance_of_mean = std::numeric_limits<double>::quiet_NaN();
  Json side = {{"n", values.size()}, {"not_finite", not_finite}};
  if (!values.empty()) {
    const SeedInterval interval = t_interval(values, confidence);
    mean = interval.estimate;
    if (values.size() >= 2) {
      double squares = 0;
      for (const double v : values) squares += (v - mean) * (v - mean);
      variance_of_mean = squares / static_cast<double>(values.size() - 1) / static_cast<double>(values.size());
    }
    side["low"] = record_number(interval.low);
    side["high"] = record_number(interval.high);
  } else {
    side["low"] = record_number(mean);
    side["high"] = record_number(mean);
  }
  side["mean"] = record_number(mean);
  return side;
}

std::string number_text(const Json& value) {
  const double v = record_number_from(value);
  return std::isfinite(v) ? fmt::format("{:.4e}", v) : fmt::format("{}", v);
}

std::string side_text(const Json& side) {
  if (side.is_null()) return "(not in this folder)";
  std::string text = fmt::format("n={} {}", side.at("n").get<int>(), number_text(side.at("mean")));
  if (std::isfinite(record_number_from(side.at("low")))) {
    text += fmt::format(" [{}, {}]", number_text(side.at("low")), number_text(side.at("high")));
  }
  if (side.at("not_finite").get<int>() > 0) text += fmt::format(" ({} not finite)", side.at("not_finite").get<int>());
  return text;
}

}  // namespace

const std::vector<std::string>& comparable_metrics() {
  static const std::vector<std::string> names = {"gap",           "loss",           "grad_norm_sq",
                                                 "consensus",     "rounds",         "virtual_time",
                                                 "compute_time_mean", "communication_time", "idle_time_mean"};
  return names;
}

Json compare_folders(const fs::path& a, const fs::path& b, const std::vector<std::string>& metrics, double confidence) {
  for (const std::string& metric : metrics) {
    const auto& valid = comparable_metrics();
    if (std::find(valid.begin(), valid.end(), metric) == valid.end()) {
      std::string names;
      for (const auto& name : valid) names += (names.empty() ? "" : ", ") + name;
      throw CompareError(fmt::format("unknown metric \"{}\" (valid: {})", metric, names));
    }
  }
  const Json summary_a = read_summary(a);
  const Json summary_b = read_summary(b);
  // Groups in order of first appearance: A's, then those only in B.
  std::vector<Group> groups;
  auto add = [&](const Json& summary, bool in_a, const fs::path& dir) {
    for (const Json& run : summary.at("runs")) {
      if (!run.is_object() || !run.contains("variant") || !run.at("variant").is_string()) {
        throw CompareError(fmt::format("{}: a run without a variant", (dir / "summary.json").string()));
      }
      const std::string variant = run.at("variant").get<std::string>();
      const Json point = run.value("swept", Json::object());
      auto it = std::find_if(groups.begin(), groups.end(),
                             [&](const Group& g) { return g.variant == variant && g.point == point; });
      if (it == groups.end()) {
        groups.push_back({variant, point, {}, {}});
        it = groups.end() - 1;
      }
      (in_a ? it->a : it->b).push_back(&run);
    }
  };
  add(summary_a, true, a);
  add(summary_b, false, b);

  Json out_groups = Json::array();
  for (const Group& g : groups) {
    Json per_metric = Json::object();
    for (const std::string& metric : metrics) {
      double mean_a = 0, var_a = 0, mean_b = 0, var_b = 0;
      Json side_a = side_json(g.a, metric, confidence, a / "summary.json", mean_a, var_a);
      Json side_b = side_json(g.b, metric, confidence, b / "summary.json", mean_b, var_b);
      Json entry = {{"a", side_a}, {"b", side_b}, {"ratio", nullptr}, {"z", nullptr},
                    {"dof", nullptr}, {"critical", nullptr}, {"differs", nullptr}};
      if (!side_a.is_null() && !side_b.is_null()) {
        const int not_finite = side_a.at("not_finite").get<int>() + side_b.at("not_finite").get<int>();
        if (not_finite > 0) {
          // The finite seeds alone would compare survivors: a side that diverged on most seeds
          // could look better. No ratio or z then.
          entry["note"] = fmt::format("{} run{} did not complete or has no value: no ratio or z", not_finite,
                                      not_finite == 1 ? "" : "s");
        } else {
          entry["ratio"] = record_number(mean_b / mean_a);
          const double n_a = side_a.at("n").get<double>(), n_b = side_b.at("n").get<double>();
          const double spread = std::sqrt(var_a + var_b);  // NaN with fewer than two seeds on a side
          double z = (mean_b - mean_a) / spread;
          if (spread == 0) {
            // Every seed equal on both sides: z is 0 for equal means and infinite otherwise.
            z = mean_a == mean_b ? 0.0 : std::copysign(std::numeric_limits<double>::infinity(), mean_b - mean_a);
            entry["differs"] = mean_a != mean_b;
          } else if (std::isfinite(spread)) {
            // Welch-Satterthwaite degrees of freedom: z follows Student's t with dof degrees under
            // equal means, so the threshold is the t quantile, not 2 (with 3 seeds a side, |z| > 2
            // happens by chance 12-18% of the time).
            const double dof = (var_a + var_b) * (var_a + var_b) /
                               (var_a * var_a / (n_a - 1) + var_b * var_b / (n_b - 1));
            const double critical = student_t_quantile((1 + confidence) / 2, dof);
            entry["dof"] = record_number(dof);
            entry["critical"] = record_number(critical);
            entry["differs"] = std::abs(z) > critical;
          }
          entry["z"] = record_number(z);
        }
      }
      per_metric[metric] = entry;
    }
    out_groups.push_back({{"variant", g.variant}, {"point", g.point}, {"metrics", per_metric}});
  }
  return {{"a", a.string()}, {"b", b.string()}, {"confidence", confidence}, {"groups", out_groups}};
}

std::string compare_text(const Json& comparison) {
  std::string out = fmt::format("A = {}\nB = {}\nper variant and sweep point: mean over seeds [{:g}% t-interval], "
                                "B/A, z = (B - A) / sqrt(sA^2/nA + sB^2/nB)\n",
                                comparison.at("a").get<std::string>(), comparison.at("b").get<std::string>(),
                                100 * comparison.at("confidence").get<double>());
  for (const Json& group : comparison.at("groups")) {
    std::string name = group.at("variant").get<std::string>();
    for (const auto& [path, value] : group.at("point").items()) {
      if (!value.is_null()) name += fmt::format(" {}={}", path, value.is_string() ? value.get<std::string>() : value.dump());
    }
    out += name + "\n";
    for (const auto& [metric, entry] : group.at("metrics").items()) {
      out += fmt::format("  {:<18} A: {}\n  {:<18} B: {}\n", metric, side_text(entry.at("a")), "", side_text(entry.at("b")));
      if (entry.contains("note")) out += fmt::format("  {:<18} {}\n", "", entry.at("note").get<std::string>());
      if (!entry.at("z").is_null()) {
        const double z = record_number_from(entry.at("z"));
        std::string verdict;
        if (!entry.at("critical").is_null()) {
          verdict = fmt::format(" (Welch dof {:.1f}; |z| > {:.2f}: {})", record_number_from(entry.at("dof")),
                                record_number_from(entry.at("critical")),
                                entry.at("differs").get<bool>() ? "differs by more than seed noise" : "within seed noise");
        } else if (!entry.at("differs").is_null()) {
          verdict = entry.at("differs").get<bool>() ? " (every seed equal on each side; the means differ)" : "";
        } else {
          verdict = " (fewer than two seeds on a side: no test)";
        }
        out += fmt::format("  {:<18} B/A = {:.4g}, z = {:.2f}{}\n", "", record_number_from(entry.at("ratio")), z, verdict);
      }
    }
  }
  return out;
}

}  // namespace localsgd
