#include "algorithms/compression/error_feedback.hpp"

#include <stdexcept>
#include <string>

namespace localsgd::compression {

namespace {

std::span<const double> view(const Vector& x) { return {x.data(), static_cast<std::size_t>(x.size())}; }

void check_input(const char* who, std::size_t size, Index dimension) {
  if (size != static_cast<std::size_t>(dimension)) {
    throw std::invalid_argument(std::string(who) + ": the state has d = " + std::to_string(dimension) +
                                ", the input has size " + std::to_string(size));
  }
}

}  // namespace

std::string_view feedback_name(Feedback feedback) {
  switch (feedback) {
    case Feedback::none: return "none";
    case Feedback::ef: return "ef";
    case Feedback::ef21: return "ef21";
  }
  return "none";
}

ErrorFeedback::ErrorFeedback(Compressor& compressor)
    : compressor_(compressor),
      error_(Vector::Zero(compressor.dimension())),
      corrected_(Vector::Zero(compressor.dimension())) {}

void ErrorFeedback::step(std::span<const double> v, std::span<double> sent, Rng& rng) {
  const Index d = compressor_.dimension();
  check_input("error feedback", v.size(), d);
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
  check_input("EF21", v.size(), d);
  for (Index j = 0; j < d; ++j) difference_[j] = v[static_cast<std::size_t>(j)] - estimate_[j];
  compressor_.compress(view(difference_), sent, rng);
  for (Index j = 0; j < d; ++j) estimate_[j] += sent[static_cast<std::size_t>(j)];
}

}  // namespace localsgd::compression
