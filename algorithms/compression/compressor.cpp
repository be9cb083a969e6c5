#include "algorithms/compression/compressor.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>

#include "algorithms/compression/identity.hpp"
#include "algorithms/compression/qsgd.hpp"
#include "algorithms/compression/random_k.hpp"
#include "algorithms/compression/scaled_sign.hpp"
#include "algorithms/compression/top_k.hpp"

namespace localsgd::compression {

namespace {

// Shortest text that reads back as the same double.
std::string shortest(double x) {
  std::array<char, 32> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), x);
  return {buffer.data(), result.ptr};
}

[[noreturn]] void refuse(const std::string& what) {
  throw std::invalid_argument("compression options: " + what);
}

}  // namespace

std::string_view compressor_name(CompressorKind kind) {
  switch (kind) {
    case CompressorKind::identity: return "identity";
    case CompressorKind::top_k: return "top_k";
    case CompressorKind::random_k: return "random_k";
    case CompressorKind::random_k_biased: return "random_k_biased";
    case CompressorKind::qsgd: return "qsgd";
    case CompressorKind::scaled_sign: return "scaled_sign";
  }
  return "unknown";
}

void Compressor::check_sizes(std::size_t input, std::size_t output) const {
  const auto d = static_cast<std::size_t>(dimension_);
  if (input != d || output != d) {
    throw std::invalid_argument("compression: an operator built for d = " + std::to_string(d) + " got v of size " +
                                std::to_string(input) + " and an output of size " + std::to_string(output));
  }
}

Index kept_coordinates(const CompressorOptions& options, Index dimension) {
  const std::string name(compressor_name(options.kind));
  if (options.k != 0) {
    if (options.k < 1 || options.k > dimension) {
      refuse(name + " needs 1 <= k <= d (k = " + std::to_string(options.k) + ", d = " + std::to_string(dimension) + ")");
    }
    return options.k;
  }
  if (!(options.ratio > 0 && options.ratio <= 1)) {
    refuse(name + " needs 1 <= k <= d or 0 < ratio <= 1 (k = 0, ratio = " + shortest(options.ratio) + ")");
  }
  const auto k = static_cast<Index>(std::llround(options.ratio * static_cast<double>(dimension)));
  return std::max<Index>(1, std::min(k, dimension));
}

std::unique_ptr<Compressor> make_compressor(const CompressorOptions& options, Index dimension) {
  if (dimension < 1) refuse("dimension must be >= 1 (d = " + std::to_string(dimension) + ")");
  if (options.bytes_per_value < 1) {
    refuse("bytes_per_value must be >= 1 (got " + std::to_string(options.bytes_per_value) + ")");
  }
  const int bytes = options.bytes_per_value;
  switch (options.kind) {
    case CompressorKind::identity: return std::make_unique<IdentityCompressor>(dimension, bytes);
    case CompressorKind::top_k:
      return std::make_unique<TopKCompressor>(dimension, kept_coordinates(options, dimension), bytes);
    case CompressorKind::random_k:
    case CompressorKind::random_k_biased:
      return std::make_unique<RandomKCompressor>(dimension, kept_coordinates(options, dimension),
                                                 options.kind == CompressorKind::random_k, bytes);
    case CompressorKind::qsgd:
      if (options.levels < 1) refuse("qsgd needs levels s >= 1 (levels = " + std::to_string(options.levels) + ")");
      return std::make_unique<QsgdCompressor>(dimension, options.levels, bytes);
    case CompressorKind::scaled_sign: return std::make_unique<ScaledSignCompressor>(dimension, bytes);
  }
  refuse("unknown kind");
}

}  // namespace localsgd::compression
