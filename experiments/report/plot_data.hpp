#pragma once
// The numbers a plot draws: the summary of one point over seeds (arithmetic or geometric mean with
// a 95% Student-t interval), the thinning of long curves, and the range the points span.
#include <cstddef>
#include <utility>
#include <vector>

#include "experiments/spec/plot_spec.hpp"

namespace localsgd {

// Two-sided 95% Student-t quantile for `dof` degrees of freedom.
double student_t95(std::size_t dof);

// A point over seeds: its centre and 95% interval [lower, upper] from n values.
struct Summary {
  double mean = 0, lower = 0, upper = 0;
  std::size_t n = 0;
};

// arithmetic: the mean m and m ± t_{n-1} s/√n (s the sample standard deviation).
// geometric: the same on the logs, mapped back: exp(m_log) and exp(m_log ± t_{n-1} s_log/√n);
// the interval is then a factor either side, never below zero. A value <= 0 has no log: the
// summary's mean is 0 (a point a log axis cannot show), and counted as such by the caller.
Summary summarize(const std::vector<double>& values, PlotMean mean = PlotMean::arithmetic);

// At most `limit` of the points (x, summary), in order, always the first and the last: on a log x
// axis those nearest to `limit` log-spaced x values, otherwise to evenly spaced ones (so a curve
// of 10^6 evaluations is drawn from a few thousand points). Fewer than `limit` points: all of them.
template <class Point>
std::vector<Point> thin_points(const std::vector<Point>& points, std::size_t limit, bool log_x);

// The smallest and largest finite value seen (positive values only, for a log axis).
struct Span {
  double low = 0, high = 0;
  bool empty = true;
  void add(double value, bool log_axis);
  void add(const Span& other);
};

// At most this many points per curve in a .dat file.
inline constexpr std::size_t kMaxCurvePoints = 2000;

}  // namespace localsgd
