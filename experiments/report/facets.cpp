#include "experiments/report/facets.hpp"

#include <algorithm>

namespace localsgd {

namespace {

bool value_matches(const Json& wanted, const std::string& text) {
  if (wanted.is_string()) return text == wanted.get<std::string>();
  if (wanted.is_boolean()) return text == (wanted.get<bool>() ? "true" : "false");
  const auto number = parse_double(text);
  return number && *number == wanted.get<double>();
}

}  // namespace

RunAttributes read_run_attributes(const CsvTable& metrics, const Json* summary) {
  const std::size_t run_col = metrics.column("run");
  const std::size_t variant_col = metrics.column("variant");
  const std::size_t seed_col = metrics.column("seed");
  const std::size_t step_col = metrics.column("step");
  RunAttributes out;
  std::string previous;  // rows of one run are consecutive: look each run up once
  for (const auto& row : metrics.rows) {
    if (!out.empty() && row[run_col] == previous) continue;
    previous = row[run_col];
    auto& attributes = out[row[run_col]];
    if (!attributes.empty()) continue;
    attributes["variant"] = row[variant_col];
    for (std::size_t c = seed_col + 1; c < step_col; ++c) attributes[metrics.header[c]] = row[c];
  }
  if (summary != nullptr && summary->contains("runs") && (*summary)["runs"].is_array()) {
    for (const Json& run : (*summary)["runs"]) {
      if (!run.contains("run") || !run.contains("config") || !run["config"].contains("workers")) continue;
      const auto it = out.find(run["run"].dump());
      if (it != out.end()) it->second.try_emplace("workers", run["config"]["workers"].dump());
    }
  }
  return out;
}

bool kept_by(const Json& where, const std::map<std::string, std::string>& attributes) {
  for (const auto& [key, values] : where.items()) {
    const auto it = attributes.find(key);
    if (it == attributes.end()) return false;
    // An empty swept value: the run's variant does not take the key (the sweep rule,
    // docs/experiments.md), so, like a baseline in the checks, it stands for every value.
    if (it->second.empty() && key != "variant") continue;
    if (std::none_of(values.begin(), values.end(), [&](const Json& v) { return value_matches(v, it->second); })) {
      return false;
    }
  }
  return true;
}

std::vector<Panel> panels_of(const RunAttributes& runs, const Json& where, const std::string& facet) {
  std::vector<std::string> values;  // in order of appearance
  std::map<std::string, std::set<std::string>> runs_by_value;
  // Run ids are numbers: ordered as numbers, they are in the order metrics.csv lists them.
  std::vector<std::pair<double, const RunAttributes::value_type*>> ordered;
  for (const auto& entry : runs) ordered.emplace_back(parse_double(entry.first).value_or(0), &entry);
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::set<std::string> in_every_panel;  // runs without the faceted key: drawn in each panel
  for (const auto& [order, entry] : ordered) {
    if (!kept_by(where, entry->second)) continue;
    std::string value;
    if (!facet.empty()) {
      const auto it = entry->second.find(facet);
      value = it == entry->second.end() ? "?" : it->second;
      if (value.empty() && facet != "variant") {
        in_every_panel.insert(entry->first);
        continue;
      }
    }
    if (runs_by_value.find(value) == runs_by_value.end()) values.push_back(value);
    runs_by_value[value].insert(entry->first);
  }
  if (values.empty() && !in_every_panel.empty()) values.push_back("");  // no run takes the key
  for (const auto& value : values) runs_by_value[value].insert(in_every_panel.begin(), in_every_panel.end());
  if (std::all_of(values.begin(), values.end(), [](const std::string& v) { return parse_double(v).has_value(); })) {
    std::stable_sort(values.begin(), values.end(),
                     [](const std::string& a, const std::string& b) { return *parse_double(a) < *parse_double(b); });
  }
  std::vector<Panel> panels;
  for (const auto& value : values) {
    panels.push_back(Panel{facet.empty() ? "" : facet + "=" + value, std::move(runs_by_value[value])});
  }
  return panels;
}

}  // namespace localsgd
