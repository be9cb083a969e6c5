#pragma once
// What `localsgd list` prints, as data: every registry a spec chooses a type from, under the key
// that chooses it, with each type's parameters, and the target parameters. The command line prints
// catalog_text(catalog_listing()); the Python module returns catalog_listing() itself, so both
// show the same list by construction.
#include <string>

#include <nlohmann/json.hpp>

namespace localsgd {

// {"registries": [{"key": "problem.type", "family", "help", "types": [{"name", "help", "params":
// [PARAM...]}]}...], "targets": [PARAM...]}, where PARAM is {"name", "rule", "default" (null if
// none), "optional" (may be absent without a default), "condition" ("" if always), "help"}.
nlohmann::json catalog_listing();

// The text of `localsgd list`.
std::string catalog_text(const nlohmann::json& listing);

}  // namespace localsgd
