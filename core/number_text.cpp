#include "core/number_text.hpp"

#include <charconv>
#include <cmath>
#include <limits>

namespace localsgd {

namespace {

bool is_subnormal(double value) { return value != 0 && std::fpclassify(value) == FP_SUBNORMAL; }

// True if the mantissa of a decimal literal (the part before any exponent) has a nonzero digit.
bool has_nonzero_digit(std::string_view text) {
  for (char c : text) {
    if (c == 'e' || c == 'E') return false;
    if (c >= '1' && c <= '9') return true;
  }
  return false;
}

// For a literal out of a double's range: too small if its decimal exponent is negative. Long
// double (range 1e±4932) decides the common cases; beyond it, the sign of the written exponent.
NumberTextError out_of_range(std::string_view text) {
  long double wide = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), wide);
  if (error == std::errc() && end == text.data() + text.size()) {
    return std::fabs(wide) < 1 ? NumberTextError::too_small : NumberTextError::too_large;
  }
  const std::size_t exponent = text.find_first_of("eE");
  if (exponent != std::string_view::npos && exponent + 1 < text.size() && text[exponent + 1] == '-') {
    return NumberTextError::too_small;
  }
  // No negative exponent: too small only if every digit before the first nonzero one is a 0 after
  // the point, i.e. the integer part is 0.
  const std::size_t point = text.find('.');
  const std::string_view integer_part = text.substr(0, point);
  return has_nonzero_digit(integer_part) || point == std::string_view::npos ? NumberTextError::too_large
                                                                              : NumberTextError::too_small;
}

}  // namespace

NumberText parse_number_text(std::string_view text) {
  NumberText out;
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);  // strtod's convention
  if (digits.empty() || digits.front() == '+') {
    out.error = NumberTextError::malformed;
    return out;
  }
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), out.value,
                                            std::chars_format::general);
  if (end != digits.data() + digits.size() && error == std::errc()) {
    out.error = NumberTextError::malformed;
  } else if (error == std::errc::result_out_of_range) {
    out.error = out_of_range(digits);
  } else if (error != std::errc()) {
    out.error = NumberTextError::malformed;
  } else if (!std::isfinite(out.value)) {
    out.error = NumberTextError::not_finite;  // "inf", "nan"
  } else {
    out.error = check_parsed_number(out.value, digits);
  }
  if (out.error != NumberTextError::none) out.value = 0;
  return out;
}

NumberTextError check_parsed_number(double value, std::string_view text) {
  if (!std::isfinite(value)) return NumberTextError::not_finite;
  if (is_subnormal(value) || (value == 0 && has_nonzero_digit(text))) return NumberTextError::too_small;
  return NumberTextError::none;
}

std::string describe_number_error(NumberTextError error) {
  switch (error) {
    case NumberTextError::none: return "";
    case NumberTextError::malformed: return "is not a number";
    case NumberTextError::not_finite: return "is not a finite number";
    case NumberTextError::too_large: return "is too large for a double (magnitude above 1.7976931348623157e308)";
    case NumberTextError::too_small:
      return "is too small for a double (a nonzero magnitude below 2.2250738585072014e-308 would be rounded to a "
             "subnormal number or to 0); write 0 or a larger number";
  }
  return "";
}

}  // namespace localsgd
