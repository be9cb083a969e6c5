// algorithms/compression/: each operator's definition, its moments against their formulas
// (5 standard errors), its message size, and the error-feedback identities.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>
#include <vector>

#include "algorithms/compression/compressor.hpp"
#include "algorithms/compression/error_feedback.hpp"
#include "algorithms/compression/qsgd.hpp"
#include "algorithms/compression/scaled_sign.hpp"
#include "support/allocations.hpp"

using namespace localsgd;
using namespace localsgd::compression;

namespace {

std::unique_ptr<Compressor> make(CompressorKind kind, Index d, Index k = 0, int levels = 0, int bytes = 8) {
  CompressorOptions options;
  options.kind = kind;
  options.k = k;
  options.levels = levels;
  options.bytes_per_value = bytes;
  return make_compressor(options, d);
}

double squared_norm(const std::vector<double>& v) {
  return std::inner_product(v.begin(), v.end(), v.begin(), 0.0);
}

double squared_distance(const std::vector<double>& a, const std::vector<double>& b) {
  double total = 0;
  for (std::size_t j = 0; j < a.size(); ++j) total += (a[j] - b[j]) * (a[j] - b[j]);
  return total;
}

std::vector<double> normal_vector(Index d, std::uint64_t seed) {
  std::vector<double> v(static_cast<std::size_t>(d));
  Rng rng = make_stream(seed, StreamPurpose::init);
  fill_standard_normals(rng, v.data(), d);
  return v;
}

// Running mean and standard error of a sample.
struct Moments {
  double sum = 0;
  double squares = 0;
  long count = 0;
  void add(double x) {
    sum += x;
    squares += x * x;
    ++count;
  }
  double mean() const { return sum / static_cast<double>(count); }
  double standard_error() const {
    const double n = static_cast<double>(count);
    const double variance = (squares - sum * sum / n) / (n - 1);
    return std::sqrt(std::max(variance, 0.0) / n);
  }
};

// N draws of C(v) at (seed, compression, 0, t): per-coordinate moments of C(v) and of ‖C(v) − v‖².
struct DrawMoments {
  std::vector<Moments> coordinate;
  Moments error;
};

DrawMoments draw_moments(Compressor& c, const std::vector<double>& v, long draws) {
  DrawMoments m;
  m.coordinate.resize(v.size());
  std::vector<double> out(v.size());
  for (long t = 0; t < draws; ++t) {
    Rng rng(7, StreamPurpose::compression, 0, static_cast<std::uint64_t>(t));
    c.compress(v, out, rng);
    for (std::size_t j = 0; j < v.size(); ++j) m.coordinate[j].add(out[j]);
    m.error.add(squared_distance(out, v));
  }
  return m;
}

}  // namespace

TEST_CASE("compression: identity is v bit for bit, unbiased with omega 0, d values") {
  const auto v = normal_vector(37, 1);
  auto c = make(CompressorKind::identity, 37);
  std::vector<double> out(37, -1.0);
  Rng rng(1, StreamPurpose::compression, 0, 0);
  const Rng untouched = rng;
  c->compress(v, out, rng);
  CHECK(out == v);
  CHECK(rng == untouched);
  CHECK(c->unbiased());
  CHECK(c->constant() == 0.0);
  CHECK(c->message_bits() == 37 * 64);
}

TEST_CASE("compression: top-k keeps exactly the k largest |v_j|, ties by lowest index") {
  const std::vector<double> v = {1, -3, 3, 2, -2, 0.5, 3};
  std::vector<double> out(v.size());
  Rng rng(1, StreamPurpose::compression, 0, 0);
  auto top3 = make(CompressorKind::top_k, 7, 3);
  top3->compress(v, out, rng);
  CHECK(out == std::vector<double>{0, -3, 3, 0, 0, 0, 3});
  auto top4 = make(CompressorKind::top_k, 7, 4);
  top4->compress(v, out, rng);
  CHECK(out == std::vector<double>{0, -3, 3, 2, 0, 0, 3});  // 2 at index 3 before −2 at index 4
  auto top2 = make(CompressorKind::top_k, 7, 2);
  top2->compress(v, out, rng);
  CHECK(out == std::vector<double>{0, -3, 3, 0, 0, 0, 0});

  // Against a stable sort on vectors with many ties (integers in −3..3), and the contraction.
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const Index d = 50;
    Rng values = make_stream(seed, StreamPurpose::init);
    std::vector<double> w(d);
    for (auto& x : w) x = static_cast<double>(uniform_index(values, 7)) - 3.0;
    for (Index k : {Index{1}, Index{7}, Index{25}, Index{50}}) {
      std::vector<Index> order(d);
      std::iota(order.begin(), order.end(), Index{0});
      std::stable_sort(order.begin(), order.end(),
                       [&w](Index a, Index b) { return std::abs(w[a]) > std::abs(w[b]); });
      std::vector<double> expected(d, 0.0);
      for (Index m = 0; m < k; ++m) expected[order[m]] = w[order[m]];
      auto c = make(CompressorKind::top_k, d, k);
      std::vector<double> got(d);
      c->compress(w, got, rng);
      CHECK(got == expected);
      CHECK(c->constant() == static_cast<double>(k) / static_cast<double>(d));
      CHECK(squared_distance(got, w) <= (1.0 - c->constant()) * squared_norm(w) * (1 + 1e-15));
    }
  }
  const auto g = normal_vector(100, 3);
  for (Index k : {Index{1}, Index{10}, Index{99}}) {
    auto c = make(CompressorKind::top_k, 100, k);
    std::vector<double> got(100);
    c->compress(g, got, rng);
    CHECK(squared_distance(got, g) <= (1.0 - c->constant()) * squared_norm(g));
  }
}

TEST_CASE("compression: unbiased random-k has mean v and E||C(v) - v||^2 = (d/k - 1)||v||^2 (5 SE)") {
  const Index d = 10;
  const Index k = 3;
  const auto v = normal_vector(d, 5);
  auto c = make(CompressorKind::random_k, d, k);
  CHECK(c->unbiased());
  CHECK(c->constant() == Approx(10.0 / 3.0 - 1.0));
  const auto m = draw_moments(*c, v, 40000);
  for (Index j = 0; j < d; ++j) {
    CHECK(std::abs(m.coordinate[j].mean() - v[j]) <= 5 * m.coordinate[j].standard_error());
  }
  const double expected = (10.0 / 3.0 - 1.0) * squared_norm(v);
  CHECK(std::abs(m.error.mean() - expected) <= 5 * m.error.standard_error());

  // Exactly k coordinates, each (d/k) v_j; the same address gives the same subset.
  std::vector<double> a(d), b(d);
  Rng r1(3, StreamPurpose::compression, 2, 9), r2(3, StreamPurpose::compression, 2, 9);
  c->compress(v, a, r1);
  c->compress(v, b, r2);
  CHECK(a == b);
  long kept = 0;
  for (Index j = 0; j < d; ++j) {
    if (a[j] != 0) {
      ++kept;
      CHECK(a[j] == (10.0 / 3.0) * v[j]);
    }
  }
  CHECK(kept == k);
}

TEST_CASE("compression: biased random-k has mean (k/d) v and E||C(v) - v||^2 = (1 - k/d)||v||^2 (5 SE)") {
  const Index d = 12;
  const Index k = 4;
  const auto v = normal_vector(d, 6);
  auto c = make(CompressorKind::random_k_biased, d, k);
  CHECK_FALSE(c->unbiased());
  CHECK(c->constant() == Approx(4.0 / 12.0));
  const auto m = draw_moments(*c, v, 40000);
  for (Index j = 0; j < d; ++j) {
    CHECK(std::abs(m.coordinate[j].mean() - v[j] * 4.0 / 12.0) <= 5 * m.coordinate[j].standard_error());
  }
  const double expected = (1.0 - 4.0 / 12.0) * squared_norm(v);
  CHECK(std::abs(m.error.mean() - expected) <= 5 * m.error.standard_error());
}

TEST_CASE("compression: QSGD is unbiased, on its grid, and its variance is the exact formula within its bound") {
  const Index d = 16;
  const auto v = normal_vector(d, 8);
  const double norm = std::sqrt(squared_norm(v));
  for (int s : {1, 2, 4}) {
    auto c = make(CompressorKind::qsgd, d, 0, s);
    CHECK(c->unbiased());
    const double omega = std::min(16.0 / (s * s), 4.0 / s);
    CHECK(c->constant() == Approx(omega));
    double exact = 0;
    for (Index j = 0; j < d; ++j) {
      const double r = std::abs(v[j]) * s / norm;
      const double theta = r - std::floor(r);
      exact += norm * norm / (s * s) * theta * (1 - theta);
    }
    CHECK(exact <= omega * norm * norm);
    const auto m = draw_moments(*c, v, 40000);
    for (Index j = 0; j < d; ++j) {
      CHECK(std::abs(m.coordinate[j].mean() - v[j]) <= 5 * m.coordinate[j].standard_error());
    }
    CHECK(std::abs(m.error.mean() - exact) <= 5 * m.error.standard_error());
    // Every output is ‖v‖ sign(v_j) l/s with l ∈ {⌊r_j⌋, ⌊r_j⌋ + 1}.
    std::vector<double> out(d);
    Rng rng(2, StreamPurpose::compression, 0, 1);
    c->compress(v, out, rng);
    for (Index j = 0; j < d; ++j) {
      const double level = std::abs(out[j]) / norm * s;
      const double floor_r = std::floor(std::abs(v[j]) * s / norm);
      CHECK((std::abs(level - floor_r) < 1e-12 || std::abs(level - floor_r - 1) < 1e-12));
      CHECK((out[j] == 0 || std::signbit(out[j]) == std::signbit(v[j])));
    }
  }
  // The zero vector maps to zero.
  auto c = make(CompressorKind::qsgd, 3, 0, 2);
  std::vector<double> zero(3, 0.0), out(3, 1.0);
  Rng rng(2, StreamPurpose::compression, 0, 1);
  c->compress(zero, out, rng);
  CHECK(out == zero);
}

TEST_CASE("compression: scaled sign is (||v||_1/d) sign(v), with ||C(v) - v||^2 = ||v||^2 - ||v||_1^2/d") {
  const std::vector<double> v = {3, -1, 0, 2};
  auto c = make(CompressorKind::scaled_sign, 4);
  std::vector<double> out(4);
  Rng rng(1, StreamPurpose::compression, 0, 0);
  c->compress(v, out, rng);
  CHECK(out == std::vector<double>{1.5, -1.5, 1.5, 1.5});  // ‖v‖₁/d = 6/4; sign(0) = +1
  CHECK_FALSE(c->unbiased());
  CHECK(c->constant() == 0.25);
  CHECK(scaled_sign_contraction(v) == Approx(36.0 / (4 * 14.0)));
  CHECK(scaled_sign_contraction(std::vector<double>{0, 5, 0, 0}) == 0.25);  // the worst case, 1/d
  CHECK(scaled_sign_contraction(std::vector<double>{-2, 2, 2, -2}) == 1.0);
  const auto g = normal_vector(200, 11);
  std::vector<double> got(200);
  auto big = make(CompressorKind::scaled_sign, 200);
  big->compress(g, got, rng);
  double l1 = 0;
  for (double x : g) l1 += std::abs(x);
  CHECK(squared_distance(got, g) == Approx(squared_norm(g) - l1 * l1 / 200).epsilon(1e-12));
  CHECK(squared_distance(got, g) == Approx((1 - scaled_sign_contraction(g)) * squared_norm(g)).epsilon(1e-12));
}

TEST_CASE("compression: message sizes for d = 1000") {
  CHECK(make(CompressorKind::identity, 1000)->message_bits() == 64000);
  CHECK(make(CompressorKind::identity, 1000, 0, 0, 4)->message_bytes() == 4000);
  CHECK(make(CompressorKind::top_k, 1000, 10)->message_bits() == 10 * (64 + 32));
  CHECK(make(CompressorKind::top_k, 1000, 10, 0, 4)->message_bits() == 10 * (32 + 32));
  CHECK(make(CompressorKind::random_k, 1000, 10)->message_bits() == 10 * 64 + 64);
  CHECK(make(CompressorKind::random_k_biased, 1000, 10)->message_bits() == 10 * 64 + 64);
  CHECK(make(CompressorKind::qsgd, 1000, 0, 1)->message_bits() == 64 + 1000 * 2);    // 1 level bit
  CHECK(make(CompressorKind::qsgd, 1000, 0, 4)->message_bits() == 64 + 1000 * 4);    // ⌈log2 5⌉ = 3
  CHECK(make(CompressorKind::qsgd, 1000, 0, 255)->message_bits() == 64 + 1000 * 9);  // 8 level bits
  CHECK(make(CompressorKind::qsgd, 1000, 0, 256)->message_bits() == 64 + 1000 * 10);
  CHECK(make(CompressorKind::scaled_sign, 1000)->message_bits() == 64 + 1000);
  CHECK(make(CompressorKind::scaled_sign, 1001)->message_bytes() == (64 + 1001 + 7) / 8);
}

TEST_CASE("compression: options name the rule they break; k from a ratio") {
  CompressorOptions options;
  options.kind = CompressorKind::top_k;
  CHECK_THROWS_WITH(make_compressor(options, 100), Catch::Contains("top_k needs 1 <= k <= d or 0 < ratio <= 1"));
  options.k = 101;
  CHECK_THROWS_WITH(make_compressor(options, 100), Catch::Contains("k = 101, d = 100"));
  options.k = 0;
  options.ratio = 0.01;
  CHECK(kept_coordinates(options, 1000) == 10);
  CHECK(kept_coordinates(options, 10) == 1);  // at least one coordinate
  options.ratio = 1.5;
  CHECK_THROWS_WITH(make_compressor(options, 100), Catch::Contains("ratio = 1.5"));
  options = {};
  options.kind = CompressorKind::qsgd;
  CHECK_THROWS_WITH(make_compressor(options, 100), Catch::Contains("qsgd needs levels s >= 1"));
  options.levels = 2;
  options.bytes_per_value = 0;
  CHECK_THROWS_WITH(make_compressor(options, 100), Catch::Contains("bytes_per_value"));
  // Vectors of the wrong size are refused before anything is read or written.
  auto c = make(CompressorKind::top_k, 4, 2);
  std::vector<double> short_v(3, 1.0), out(4);
  Rng rng(1, StreamPurpose::compression, 0, 0);
  CHECK_THROWS_WITH(c->compress(short_v, out, rng), Catch::Contains("built for d = 4 got v of size 3"));
  ErrorFeedback ef(*c);
  CHECK_THROWS_WITH(ef.step(short_v, out, rng), Catch::Contains("the input has size 3"));
}

TEST_CASE("compression: no operator or error-feedback step allocates per call") {
  const Index d = 64;
  const auto v = normal_vector(d, 12);
  std::vector<double> out(d);
  std::vector<std::unique_ptr<Compressor>> all;
  all.push_back(make(CompressorKind::identity, d));
  all.push_back(make(CompressorKind::top_k, d, 5));
  all.push_back(make(CompressorKind::random_k, d, 5));
  all.push_back(make(CompressorKind::random_k_biased, d, 5));
  all.push_back(make(CompressorKind::qsgd, d, 0, 4));
  all.push_back(make(CompressorKind::scaled_sign, d));
  std::vector<std::unique_ptr<ErrorFeedback>> ef;
  std::vector<std::unique_ptr<Ef21>> ef21;
  for (auto& c : all) {
    ef.push_back(std::make_unique<ErrorFeedback>(*c));
    ef21.push_back(std::make_unique<Ef21>(*c));
  }
  test::CountAllocations counting;
  for (std::uint64_t t = 0; t < 3; ++t) {
    for (std::size_t m = 0; m < all.size(); ++m) {
      Rng rng(1, StreamPurpose::compression, 0, t);
      all[m]->compress(v, out, rng);
      ef[m]->step(v, out, rng);
      ef21[m]->step(v, out, rng);
    }
  }
  CHECK(counting.count() == 0);
}

TEST_CASE("error feedback: with the identity, EF sends v and its error stays 0") {
  const Index d = 20;
  auto identity = make(CompressorKind::identity, d);
  ErrorFeedback ef(*identity);
  std::vector<double> sent(d);
  for (std::uint64_t t = 0; t < 5; ++t) {
    const auto v = normal_vector(d, 100 + t);
    Rng rng(1, StreamPurpose::compression, 0, t);
    ef.step(v, sent, rng);
    CHECK(sent == v);
    CHECK(ef.error().isZero(0.0));
  }
}

TEST_CASE("error feedback: with top-k, what was sent plus the final error is the sum of the inputs") {
  const Index d = 50;
  auto top = make(CompressorKind::top_k, d, 3);
  ErrorFeedback ef(*top);
  std::vector<double> sent(d), sent_total(d, 0.0), input_total(d, 0.0);
  for (std::uint64_t t = 0; t < 40; ++t) {
    const auto v = normal_vector(d, 200 + t);
    Rng rng(1, StreamPurpose::compression, 0, t);
    ef.step(v, sent, rng);
    for (Index j = 0; j < d; ++j) {
      sent_total[j] += sent[j];
      input_total[j] += v[j];
    }
  }
  double difference = 0;
  for (Index j = 0; j < d; ++j) difference += std::pow(sent_total[j] + ef.error()[j] - input_total[j], 2);
  CHECK(std::sqrt(difference) <= 1e-12 * std::sqrt(squared_norm(input_total)));
  CHECK(ef.error().squaredNorm() > 0);  // top-3 of 50 leaves an error behind
}

TEST_CASE("EF21: the estimate is the sum of what was sent; top-k learns a constant vector in ceil(d/k) steps") {
  const Index d = 10;
  const auto v = normal_vector(d, 300);  // no zero coordinates
  auto top = make(CompressorKind::top_k, d, 3);
  Ef21 ef21(*top);
  std::vector<double> sent(d), sent_total(d, 0.0);
  for (std::uint64_t t = 0; t < 4; ++t) {  // ⌈10/3⌉ = 4
    Rng rng(1, StreamPurpose::compression, 0, t);
    CHECK(ef21.estimate() != Eigen::Map<const Vector>(v.data(), d));
    ef21.step(v, sent, rng);
    for (Index j = 0; j < d; ++j) sent_total[j] += sent[j];
  }
  CHECK(ef21.estimate() == Eigen::Map<const Vector>(v.data(), d));
  CHECK(ef21.estimate() == Eigen::Map<const Vector>(sent_total.data(), d));
  // With the identity, the first message is v and the next ones are 0.
  auto identity = make(CompressorKind::identity, d);
  Ef21 exact(*identity);
  Rng rng(1, StreamPurpose::compression, 0, 0);
  exact.step(v, sent, rng);
  CHECK(sent == v);
  exact.step(v, sent, rng);
  CHECK(std::all_of(sent.begin(), sent.end(), [](double x) { return x == 0.0; }));
}
