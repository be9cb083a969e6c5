#include "experiments/store/record_number.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace localsgd {

nlohmann::json record_number(double value) {
  if (std::isnan(value)) return std::signbit(value) ? "-nan" : "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

double record_number_from(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (text == "-nan") return -std::numeric_limits<double>::quiet_NaN();
    if (text == "inf") return HUGE_VAL;
    if (text == "-inf") return -HUGE_VAL;
  }
  throw std::runtime_error("run record: not a number: " + value.dump());
}

}  // namespace localsgd
