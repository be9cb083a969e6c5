#include "experiments/report/plot_data.hpp"

#include <algorithm>
#include <cmath>

#include "experiments/report/seed_interval.hpp"

namespace localsgd {

double student_t95(std::size_t dof) {
  static const double table[] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                 2.201, 2.179,  2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080,
                                 2.074, 2.069,  2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (dof == 0) return 0;
  if (dof < sizeof(table) / sizeof(table[0])) return table[dof];
  return student_t_quantile(0.975, static_cast<double>(dof));  // more than 31 seeds: rare, computed
}

namespace {

Summary arithmetic_summary(const std::vector<double>& values) {
  Summary s;
  s.n = values.size();
  if (s.n == 0) return s;
  const auto n = static_cast<double>(s.n);
  for (double v : values) s.mean += v / n;
  double variance = 0;
  for (double v : values) variance += (v - s.mean) * (v - s.mean);
  const double half_width = s.n > 1 ? student_t95(s.n - 1) * std::sqrt(variance / (n - 1) / n) : 0.0;
  s.lower = s.mean - half_width;
  s.upper = s.mean + half_width;
  return s;
}

}  // namespace

Summary summarize(const std::vector<double>& values, PlotMean mean) {
  if (mean == PlotMean::arithmetic) return arithmetic_summary(values);
  // A seed at or below 0 (a gap rounded to 0 at convergence) has no logarithm: that point falls
  // back to the arithmetic mean rather than vanishing from the curve.
  if (std::any_of(values.begin(), values.end(), [](double v) { return !(v > 0); })) return arithmetic_summary(values);
  std::vector<double> logs(values.size());
  std::transform(values.begin(), values.end(), logs.begin(), [](double v) { return std::log(v); });
  const Summary in_logs = arithmetic_summary(logs);
  return Summary{std::exp(in_logs.mean), std::exp(in_logs.lower), std::exp(in_logs.upper), in_logs.n};
}

template <class Point>
std::vector<Point> thin_points(const std::vector<Point>& points, std::size_t limit, bool log_x) {
  if (points.size() <= limit || limit < 2) return points;
  // On a log axis the grid is in log x from the first positive x (points at x <= 0, which the
  // axis cannot show, are passed over); otherwise in x, or by index if x does not increase.
  const auto first_positive = std::find_if(points.begin(), points.end(), [](const Point& p) { return p.first > 0; });
  const double last = points.back().first;
  const bool by_log = log_x && first_positive != points.end() && last > first_positive->first;
  const bool by_x = !by_log && last > points.front().first;
  const auto coordinate = [&](std::size_t i) {
    if (by_log) return points[i].first > 0 ? std::log(points[i].first) : -HUGE_VAL;
    return by_x ? points[i].first : static_cast<double>(i);
  };
  const double lo = by_log ? std::log(first_positive->first) : coordinate(0);
  const double hi = coordinate(points.size() - 1);
  std::vector<Point> out;
  out.reserve(limit);
  out.push_back(points.front());
  std::size_t next = 1;  // the first point not yet taken
  for (std::size_t k = by_log && points.front().first <= 0 ? 0 : 1; k + 1 < limit && out.size() + 1 < limit; ++k) {
    const double target = lo + (hi - lo) * static_cast<double>(k) / static_cast<double>(limit - 1);
    // The first point at or beyond the grid value (x is non-decreasing along a curve).
    while (next + 1 < points.size() && coordinate(next) < target) ++next;
    if (next + 1 >= points.size()) break;
    out.push_back(points[next]);
    ++next;
  }
  out.push_back(points.back());
  return out;
}

template std::vector<std::pair<double, Summary>> thin_points(const std::vector<std::pair<double, Summary>>&,
                                                             std::size_t, bool);

void Span::add(double value, bool log_axis) {
  if (!std::isfinite(value) || (log_axis && value <= 0)) return;
  low = empty ? value : std::min(low, value);
  high = empty ? value : std::max(high, value);
  empty = false;
}

void Span::add(const Span& other) {
  if (other.empty) return;
  add(other.low, false);
  add(other.high, false);
}

}  // namespace localsgd
