#pragma once
// `--set PATH=VALUE` (docs/experiments.md): a change to the spec's JSON before the spec is read,
// so that the spec reader checks the result like any spec and its errors name the JSON path.
#include <stdexcept>
#include <string>
#include <vector>

#include "experiments/language/params.hpp"  // Json

namespace localsgd {

struct SpecOverride {
  std::string text;     // as given, e.g. "variants.1.schedule.period=5"
  std::string path;     // "variants.1.schedule.period"
  Json value;           // 5
  std::string pointer;  // "/variants/1/schedule/period", once applied
};

// A `--set` that cannot be read or applied; the message names the rule broken.
class SpecOverrideError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Splits "PATH=VALUE" at the first '='. VALUE is read as JSON; when it is not JSON it is taken as
// a string (`--set name=demo` needs no quotes). Throws SpecOverrideError.
SpecOverride parse_override(const std::string& text);

// Sets the override's value at its dotted path in `spec` and records its JSON pointer. Numeric
// parts index lists ("variants.1"); objects on the way that do not exist are created. A dotted key
// that exists as one key (a sweep path such as "sweep.schedule.period") is matched whole, and
// below "sweep" (and its "zip" groups) the rest of the path is one key. Throws SpecOverrideError.
void apply_override(Json& spec, SpecOverride& override_);

// " (the value at /steps came from --set steps=-5)" for the overrides whose pointer is the error's
// pointer or inside it or contains it; empty if none.
std::string override_note(const std::vector<SpecOverride>& overrides, const std::string& error_pointer);

}  // namespace localsgd
