// sim/compute_models.hpp and sim/worker_slowdown.hpp: the per-step draws and the per-worker
// factors have the moments their formulas state. Fixed seeds, so every check is deterministic;
// the tolerance is 5 standard errors, derived from the distribution's own variance and fourth
// central moment (Var of the sample mean = σ²/n, of the sample variance ≈ (μ₄ − σ⁴)/n).
#include "sim/compute_models.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "sim/worker_slowdown.hpp"

using namespace localsgd;

namespace {

struct Moments {
  double mean;
  double variance;
  double fourth_central;  // μ₄ = E(X − mean)⁴
};

struct Sample {
  double mean = 0;
  double variance = 0;
  double minimum = INFINITY;
};

Sample sample_of(const ComputeModel& model, int draws, std::uint64_t seed) {
  Rng rng = make_stream(seed, StreamPurpose::compute_time, 0);
  // Welford's update: no cancellation in the variance.
  Sample s;
  double m2 = 0;
  for (int n = 1; n <= draws; ++n) {
    const double x = model.step_seconds(0, rng);
    s.minimum = std::min(s.minimum, x);
    const double delta = x - s.mean;
    s.mean += delta / n;
    m2 += delta * (x - s.mean);
  }
  s.variance = m2 / (draws - 1);
  return s;
}

void check_moments(const ComputeModel& model, const Moments& expected, int draws = 400000) {
  const Sample s = sample_of(model, draws, 17);
  const double n = draws;
  const double mean_error = std::sqrt(expected.variance / n);
  const double variance_error =
      std::sqrt((expected.fourth_central - expected.variance * expected.variance) / n);
  INFO("sample mean " << s.mean << " vs " << expected.mean << " (standard error " << mean_error << ")");
  CHECK(std::abs(s.mean - expected.mean) < 5 * mean_error);
  INFO("sample variance " << s.variance << " vs " << expected.variance << " (standard error " << variance_error << ")");
  CHECK(std::abs(s.variance - expected.variance) < 5 * variance_error);
}

}  // namespace

TEST_CASE("constant compute: every draw is the constant, and draws nothing from the stream") {
  const ConstantCompute model(0.0225);
  Rng rng = make_stream(1, StreamPurpose::compute_time, 0);
  const Rng before = rng;
  for (int i = 0; i < 10; ++i) CHECK(model.step_seconds(i % 3, rng) == 0.0225);
  CHECK(rng == before);
}

TEST_CASE("exponential: mean m, variance m^2") {
  const double m = 0.02;
  check_moments(ExponentialCompute(m), {m, m * m, 9 * std::pow(m, 4)});
}

TEST_CASE("shifted exponential: mean shift + m, variance m^2, never below the shift") {
  const double shift = 0.02, m = 0.005;
  const ShiftedExponentialCompute model(shift, m);
  check_moments(model, {shift + m, m * m, 9 * std::pow(m, 4)});
  CHECK(sample_of(model, 10000, 3).minimum >= shift);
}

TEST_CASE("lognormal: mean m whatever sigma, variance m^2 (exp(sigma^2) - 1)") {
  for (const double sigma : {0.25, 0.5}) {
    INFO("sigma " << sigma);
    const double m = 0.0225;
    const double w = std::exp(sigma * sigma);
    // Excess kurtosis of the log-normal: w⁴ + 2w³ + 3w² − 6.
    const double variance = m * m * (w - 1);
    const double fourth = variance * variance * (w * w * w * w + 2 * w * w * w + 3 * w * w - 3);
    check_moments(LognormalCompute(m, sigma), {m, variance, fourth});
  }
}

TEST_CASE("pareto: mean alpha x_m / (alpha - 1), variance alpha x_m^2 / ((alpha - 1)^2 (alpha - 2))") {
  // α = 10 keeps the fourth moment finite, so the standard error of the variance exists.
  const double xm = 0.01, a = 10;
  const double variance = a * xm * xm / ((a - 1) * (a - 1) * (a - 2));
  const double excess_kurtosis = 6 * (a * a * a + a * a - 6 * a - 2) / (a * (a - 3) * (a - 4));
  const ParetoCompute model(xm, a);
  check_moments(model, {a * xm / (a - 1), variance, variance * variance * (excess_kurtosis + 3)});
  CHECK(sample_of(model, 10000, 3).minimum >= xm);
}

TEST_CASE("pareto with a heavy tail (alpha = 1.5): half the draws fall below the median x_m 2^(1/alpha)") {
  // Infinite variance: no standard error; the median is x_m 2^(1/α) and must match closely.
  const double xm = 0.01, a = 1.5;
  const ParetoCompute model(xm, a);
  Rng rng = make_stream(5, StreamPurpose::compute_time, 0);
  const int draws = 100001;
  int below_median = 0;
  const double median = xm * std::pow(2.0, 1.0 / a);
  for (int i = 0; i < draws; ++i) below_median += model.step_seconds(0, rng) < median ? 1 : 0;
  // Binomial(n, 1/2): standard error sqrt(n)/2.
  CHECK(std::abs(below_median - draws / 2.0) < 5 * std::sqrt(draws) / 2);
}

TEST_CASE("bernoulli straggler: mean s(1 + q(k - 1)), variance s^2 (k - 1)^2 q (1 - q)") {
  const double s = 0.0225, q = 0.1, k = 8;
  const double scale = s * (k - 1);
  const Moments moments{s * (1 + q * (k - 1)), scale * scale * q * (1 - q),
                        std::pow(scale, 4) * q * (1 - q) * (1 - 3 * q + 3 * q * q)};
  const BernoulliStragglerCompute model(s, q, k);
  check_moments(model, moments);
  // Only the two values s and k s occur.
  Rng rng = make_stream(2, StreamPurpose::compute_time, 0);
  for (int i = 0; i < 1000; ++i) {
    const double x = model.step_seconds(0, rng);
    REQUIRE((x == s || x == k * s));
  }
  CHECK(BernoulliStragglerCompute(s, 0.0, k).step_seconds(0, rng) == s);
  CHECK(BernoulliStragglerCompute(s, 1.0, k).step_seconds(0, rng) == k * s);
}

TEST_CASE("scaled compute: slowdown_i * (draw + batch seconds), with the base model's own draws") {
  // Dyadic numbers: the products and sums are exact.
  const ScaledCompute scaled(std::make_unique<ConstantCompute>(0.25), 0.125, {1.0, 4.0, 0.5});
  Rng rng = make_stream(0, StreamPurpose::compute_time, 0);
  CHECK(scaled.step_seconds(0, rng) == 0.375);
  CHECK(scaled.step_seconds(1, rng) == 1.5);
  CHECK(scaled.step_seconds(2, rng) == 0.1875);

  // A random base model draws exactly as it would alone.
  const ScaledCompute noisy(std::make_unique<ExponentialCompute>(0.5), 0.0, {2.0});
  const ExponentialCompute alone(0.5);
  Rng a = make_stream(9, StreamPurpose::compute_time, 0);
  Rng b = a;
  for (int i = 0; i < 100; ++i) REQUIRE(noisy.step_seconds(0, a) == 2.0 * alone.step_seconds(0, b));
}

TEST_CASE("worker slowdowns: fixed lists, and draws with their stated moments, one stream per worker") {
  CHECK(no_slowdown(3).factors == std::vector<double>{1, 1, 1});
  CHECK(one_slow_worker(4, 2, 3.0).factors == std::vector<double>{1, 1, 3, 1});

  const int workers = 100000;
  auto check = [&](const WorkerSlowdowns& w, double mean, double variance, double fourth) {
    REQUIRE(w.factors.size() == static_cast<std::size_t>(workers));
    double sum = 0, sum_sq = 0;
    for (double f : w.factors) sum += f;
    const double sample_mean = sum / workers;
    for (double f : w.factors) sum_sq += (f - sample_mean) * (f - sample_mean);
    CHECK(std::abs(sample_mean - mean) < 5 * std::sqrt(variance / workers));
    CHECK(std::abs(sum_sq / (workers - 1) - variance) < 5 * std::sqrt((fourth - variance * variance) / workers));
  };
  // Uniform on [1, 3): variance (b − a)²/12, μ₄ = (b − a)⁴/80.
  check(uniform_slowdowns(workers, 1.0, 3.0, 4), 2.0, 4.0 / 12, 16.0 / 80);
  // exp(σZ − σ²/2): mean 1, variance w − 1, μ₄ = (w − 1)²(w⁴ + 2w³ + 3w² − 3).
  const double sigma = 0.3, w = std::exp(sigma * sigma);
  check(lognormal_slowdowns(workers, sigma, 4), 1.0, w - 1, (w - 1) * (w - 1) * (w * w * w * w + 2 * w * w * w + 3 * w * w - 3));

  // Worker i's factor depends on (seed, i) only: the first workers of a bigger cluster keep theirs.
  const auto small = uniform_slowdowns(3, 1.0, 2.0, 7).factors;
  const auto large = uniform_slowdowns(5, 1.0, 2.0, 7).factors;
  CHECK(std::equal(small.begin(), small.end(), large.begin()));
  CHECK(uniform_slowdowns(3, 1.0, 2.0, 8).factors != small);
}

TEST_CASE("fixed step seconds: constant and scaled-constant models declare exactly their step time, random ones none") {
  Rng rng = make_stream(0, StreamPurpose::compute_time, 0);
  const ConstantCompute constant(0.3);
  REQUIRE(constant.fixed_step_seconds(0).has_value());
  CHECK(*constant.fixed_step_seconds(0) == constant.step_seconds(0, rng));
  const ScaledCompute scaled(std::make_unique<ConstantCompute>(0.1), 0.07, {1.0, 3.3});
  for (int i = 0; i < 2; ++i) {
    REQUIRE(scaled.fixed_step_seconds(i).has_value());
    CHECK(*scaled.fixed_step_seconds(i) == scaled.step_seconds(i, rng));
  }
  CHECK_FALSE(ExponentialCompute(0.5).fixed_step_seconds(0).has_value());
  CHECK_FALSE(LognormalCompute(0.5, 0.2).fixed_step_seconds(0).has_value());
  CHECK_FALSE(BernoulliStragglerCompute(0.5, 0.1, 3.0).fixed_step_seconds(0).has_value());
  CHECK_FALSE(ScaledCompute(std::make_unique<ExponentialCompute>(0.5), 0.1, {1.0}).fixed_step_seconds(0).has_value());
}
