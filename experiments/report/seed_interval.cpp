#include "experiments/report/seed_interval.hpp"

#include <cmath>
#include <limits>

namespace localsgd {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Continued fraction of the regularised incomplete beta function (modified Lentz; Numerical
// Recipes 3rd ed., 6.4), converging for x < (a + 1) / (a + b + 2).
double beta_continued_fraction(double a, double b, double x) {
  constexpr double tiny = 1e-300;
  double c = 1.0;
  double d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::abs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 10000; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
    d = 1.0 + aa * d;
    if (std::abs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
    d = 1.0 + aa * d;
    if (std::abs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double step = d * c;
    h *= step;
    if (std::abs(step - 1.0) < 1e-15) break;
  }
  return h;
}

// I_x(a, b), the regularised incomplete beta function.
double incomplete_beta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double front =
      std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_continued_fraction(a, b, x) / a;
  return 1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b;
}

// P(T_dof <= t).
double student_t_cdf(double t, double dof) {
  const double tail = 0.5 * incomplete_beta(dof / 2.0, 0.5, dof / (dof + t * t));
  return t >= 0 ? 1.0 - tail : tail;
}

}  // namespace

double student_t_quantile(double probability, double dof) {
  if (!(probability > 0 && probability < 1) || !(dof >= 1)) return kNaN;
  if (probability < 0.5) return -student_t_quantile(1.0 - probability, dof);
  // The CDF is increasing: bisect on [0, hi] after doubling hi until it brackets the quantile.
  double lo = 0, hi = 1;
  while (student_t_cdf(hi, dof) < probability) hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (student_t_cdf(mid, dof) < probability ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

SeedInterval t_interval(const std::vector<double>& per_seed, double confidence) {
  const std::size_t n = per_seed.size();
  double mean = 0;
  for (double v : per_seed) mean += v / static_cast<double>(n);
  if (n == 0 || !std::isfinite(mean)) return {kNaN, kNaN, kNaN, n};
  if (n < 2) return {mean, kNaN, kNaN, n};
  double squares = 0;
  for (double v : per_seed) squares += (v - mean) * (v - mean);
  const double standard_error = std::sqrt(squares / static_cast<double>(n - 1) / static_cast<double>(n));
  const double t = student_t_quantile(0.5 + confidence / 2.0, static_cast<double>(n - 1));
  return {mean, mean - t * standard_error, mean + t * standard_error, n};
}

}  // namespace localsgd
