#pragma once
// `localsgd compare DIR_A DIR_B`: two results folders side by side. For every (variant, swept
// point) of either folder and every chosen metric: the mean over seeds with its Student-t
// confidence interval in each folder, the ratio of the means (B / A) and the z of the difference,
//   z = (mean_B − mean_A) / sqrt(s_A²/n_A + s_B²/n_B)     (Welch's statistic; s the sample SD),
// compared with the Student-t quantile at the Welch-Satterthwaite degrees of freedom
//   dof = (v_A + v_B)² / (v_A²/(n_A − 1) + v_B²/(n_B − 1)),   v = s²/n,
// so "differs" says the folders differ by more than seed noise at the chosen confidence. With a
// run whose metric is not finite (diverged) on either side there is no ratio or z (the finite
// seeds alone would compare survivors). Read from each folder's summary.json.
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace localsgd {

// Unreadable folder or unknown metric: the message names the file or the valid names.
class CompareError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The metrics compare can read: a run's final evaluation (gap, loss, grad_norm_sq, consensus) and
// its totals (rounds, virtual_time, compute_time_mean, communication_time, idle_time_mean).
const std::vector<std::string>& comparable_metrics();

// The comparison as JSON: {"a": DIR_A, "b": DIR_B, "confidence", "groups": [{"variant", "point",
// "metrics": {NAME: {"a": SIDE, "b": SIDE, "ratio", "z", "dof", "critical", "differs", ["note"]}}}]},
// SIDE = {"n", "mean", "low", "high",
// "not_finite"} or null when the group is not in that folder. Non-finite numbers as record_number
// spells them ("nan", "inf").
nlohmann::json compare_folders(const std::filesystem::path& a, const std::filesystem::path& b,
                               const std::vector<std::string>& metrics, double confidence = 0.95);

// The comparison as a table, one line per group and metric.
std::string compare_text(const nlohmann::json& comparison);

}  // namespace localsgd
