#pragma once
// The small spec the round-pipeline spec tests build on, and the error a spec raises.
#include <string>

#include "experiments/language/spec_error.hpp"
#include "experiments/spec/spec.hpp"

namespace localsgd::test {

// p = 4 workers, d = 5, 200 steps, τ = 10; `keys` added or replaced at the top level.
inline Json base_spec(const Json& keys = Json::object()) {
  Json spec = Json::parse(R"({
    "problem": {"type": "least_squares", "samples": 400, "dim": 5},
    "workers": 4, "steps": 200,
    "schedule": {"type": "fixed", "period": 10},
    "step_size": {"type": "constant", "value": 0.01}
  })");
  for (const auto& [key, value] : keys.items()) spec[key] = value;
  return spec;
}

// The message of the SpecError a spec raises ("" if it is valid).
inline std::string error_of(const Json& spec) {
  try {
    parse_spec(spec, "t");
  } catch (const SpecError& e) {
    return e.what();
  }
  return "";
}

}  // namespace localsgd::test
