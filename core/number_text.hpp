#pragma once
// The one rule for numbers read from text, shared by the spec reader (JSON) and the LIBSVM
// reader, so that a value accepted in one is accepted in the other:
//
//   a number is 0 or a finite double of magnitude at least 2.2250738585072014e-308 (the smallest
//   normal double) and at most 1.7976931348623157e308.
//
// Larger values overflow to infinity. Smaller nonzero values are refused rather than rounded:
// they would become 0 (1e-400) or a subnormal double (1e-320) that keeps only a few significant
// digits and that every later computation with it (a step size, an eigenvalue, a compute time)
// turns into 0, inf or a silently imprecise number. "0", "0.0" and "-0e5" are 0 and accepted.
#include <optional>
#include <string>
#include <string_view>

namespace localsgd {

enum class NumberTextError { none, malformed, not_finite, too_large, too_small };

struct NumberText {
  double value = 0;
  NumberTextError error = NumberTextError::none;
  explicit operator bool() const { return error == NumberTextError::none; }
};

// Parses the whole of `text` as a decimal number (an optional sign, digits, an optional
// fraction and exponent; "inf" and "nan" are not_finite) and applies the rule above.
NumberText parse_number_text(std::string_view text);

// Applies the rule to a value already parsed from `text` (e.g. by a JSON parser): too_small if
// `value` is subnormal, or 0 while `text` has a nonzero digit before its exponent.
NumberTextError check_parsed_number(double value, std::string_view text);

// The rule broken, for messages: "is too large for a double (magnitude above 1.7976931348623157e308)",
// "is too small for a double (a nonzero magnitude below 2.2250738585072014e-308 would be rounded to a
// subnormal number or to 0); write 0 or a larger number", "is not a finite number", "is not a number".
std::string describe_number_error(NumberTextError error);

}  // namespace localsgd
