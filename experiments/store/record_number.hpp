#pragma once
// How a run record spells a double in JSON. JSON has no inf or nan (nlohmann would write null,
// which reads back as no number at all), so every number of a record goes through these two.
#include <nlohmann/json.hpp>

namespace localsgd {

// Finite values as JSON numbers (shortest round trip, so the same bits read back, subnormals and
// -0.0 included), the others as "nan", "-nan", "inf", "-inf".
nlohmann::json record_number(double value);
// Reads what record_number writes; throws std::runtime_error for anything else (null, text).
double record_number_from(const nlohmann::json& value);

}  // namespace localsgd
