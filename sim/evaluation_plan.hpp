#pragma once
// Which steps the metrics are evaluated at. Always includes step 0 and step T.
#include <vector>

namespace localsgd {

enum class EvalSpacing { log, linear };

// About `points` steps in [0, T], spaced evenly in log(t) (log) or in t (linear); duplicates
// from rounding are dropped, so small T may give fewer points.
std::vector<long> evaluation_steps(long total_steps, int points, EvalSpacing spacing);

// Steps 0, every, 2·every, … and T.
std::vector<long> evaluation_steps_every(long total_steps, long every);

}  // namespace localsgd
