#pragma once
// Which runs a plot keeps ("where") and how it splits them into panels ("facet"): by the values
// of a swept path, the variant, or the number of workers, as metrics.csv and summary.json name them.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "experiments/language/params.hpp"
#include "experiments/store/csv.hpp"

namespace localsgd {

// Per run id (metrics.csv's run column): "variant", every swept path, and "workers" (swept, or
// from the run's config in summary.json) -> the value as metrics.csv writes it.
using RunAttributes = std::map<std::string, std::map<std::string, std::string>>;

// The swept paths are the columns of metrics.csv between seed and step. `summary` may be null.
RunAttributes read_run_attributes(const CsvTable& metrics, const Json* summary);

// Whether a run with these attributes matches every filter of `where` (key -> list of values; a
// number matches the same number however written, 4 and 4.0).
bool kept_by(const Json& where, const std::map<std::string, std::string>& attributes);

// One panel of a figure: its title ("workers=4"; empty for a figure of one panel) and its runs.
struct Panel {
  std::string title;
  std::set<std::string> runs;
};

// The runs `where` keeps, in one panel, or one panel per value of `facet` (numbers ascending,
// other values in order of appearance). No panel when no run is kept.
std::vector<Panel> panels_of(const RunAttributes& runs, const Json& where, const std::string& facet);

}  // namespace localsgd
