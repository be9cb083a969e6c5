#include "experiments/report/plot_styles.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace localsgd {

namespace {

constexpr const char* kPalette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#000000", "#F0E442"};
constexpr std::size_t kColours = sizeof(kPalette) / sizeof(kPalette[0]);
// Filled circle, filled square, filled triangle up and down, filled diamond, plus, cross: 7 is
// prime to the 8 colours, so (colour, point) repeats only after 56 curves.
constexpr int kPoints[] = {7, 5, 9, 11, 13, 1, 2};
constexpr std::size_t kPointTypes = sizeof(kPoints) / sizeof(kPoints[0]);
// Solid, dashed, dotted, dash-dot, dash-dot-dot.
constexpr std::size_t kDashTypes = 5;

// The tics at mantissa × 10^k within [low, high].
std::vector<double> tics_at(const std::vector<double>& mantissas, double low, double high) {
  std::vector<double> tics;
  const int first = static_cast<int>(std::floor(std::log10(low)));
  const int last = static_cast<int>(std::ceil(std::log10(high)));
  for (int k = first; k <= last; ++k) {
    for (double m : mantissas) {
      // Rounded so that a tic is the decimal it is labelled with.
      const double value = std::stod(fmt::format("{:.6g}", m * std::pow(10.0, k)));
      if (value >= low * (1 - 1e-12) && value <= high * (1 + 1e-12)) tics.push_back(value);
    }
  }
  return tics;
}

}  // namespace

std::string CurveStyle::gnuplot() const { return fmt::format("lc rgb '{}' dt {} pt {}", colour, dash, point); }

CurveStyle curve_style(std::size_t i) {
  return CurveStyle{kPalette[i % kColours], static_cast<int>(1 + (i / kColours) % kDashTypes),
                    kPoints[i % kPointTypes]};
}

const char* curve_colour(std::size_t i) { return kPalette[i % kColours]; }

std::string gnuplot_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string log_axis_tics(const std::string& axis, const Span& span) {
  if (span.empty || !(span.low > 0)) return "";
  const double low = span.low, high = span.high;
  if (tics_at({1}, low, high).size() >= 2) return "";  // gnuplot labels the powers of ten
  std::vector<double> tics = tics_at({1, 2, 5}, low, high);
  if (tics.size() < 3) tics = tics_at({1, 2, 3, 4, 5, 6, 7, 8, 9}, low, high);
  if (tics.size() < 3) {
    // Within one mantissa step (or a single value): five log-spaced values, with enough
    // significant digits to tell them apart.
    tics.clear();
    const double ratio = high > low ? high / low : 1.0;
    const int digits = ratio > 1 ? std::clamp(static_cast<int>(std::ceil(-std::log10(ratio - 1))) + 2, 3, 15) : 3;
    for (int k = 0; k < 5; ++k) {
      const double value = std::stod(fmt::format("{:.{}g}", low * std::pow(ratio, k / 4.0), digits));
      if (tics.empty() || value != tics.back()) tics.push_back(value);
    }
  }
  std::string items;
  for (double t : tics) items += fmt::format("{}\"{}\" {}", items.empty() ? "" : ", ", t, t);
  return fmt::format("set {}tics ({})\n", axis, items);
}

}  // namespace localsgd
