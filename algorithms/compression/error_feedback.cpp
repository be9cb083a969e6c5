#include "algorithms/compression/error_feedback.hpp"

namespace localsgd::compression {

namespace {

std::span<const double> view(const Vector& x) { return {x.data(), static_cast<std::size_t>(x.size())}; }

}  // namespace

ErrorFeedback::ErrorFeedback(Compressor& compressor)
    : compressor_(compressor),
      error_(Vector::Zero(compressor.dimension())),
      corrected_(Vector::Zero(compressor.dimension())) {}

void ErrorFeedback::step(std::span<const double> v, std::span<double> sent, Rng& rng) {
  const Index d = compressor_.dimension();
  for (Index j = 0; j < d; ++j) corrected_[j] = v[static_cast<std::size_t>(j)] + error_[j];
  compressor_.compress(view(corrected_), sent, rng);
  for (Index j = 0; j < d; ++j) error_[j] = corrected_[j] - sent[static_cast<std::size_t>(j)];
}

Ef21::Ef21(Compressor& compressor)
    : compressor_(compressor),
      estimate_(Vector::Zero(compressor.dimension())),
      difference_(Vector::Zero(compressor.dimension())) {}

void Ef21::step(std::span<const double> v, std::span<double> sent, Rng& rng) {
  const Index d = compressor_.dimension();
  for (Index j = 0; j < d; ++j) difference_[j] = v[static_cast<std::size_t>(j)] - estimate_[j];
  compressor_.compress(view(difference_), sent, rng);
  for (Index j = 0; j < d; ++j) estimate_[j] += sent[static_cast<std::size_t>(j)];
}

}  // namespace localsgd::compression
