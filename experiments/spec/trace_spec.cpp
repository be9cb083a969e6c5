#include "experiments/spec/trace_spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace localsgd {

namespace {

std::vector<int> read_workers(const Json& node, const Location& at, int workers) {
  std::vector<int> ids;
  if (node.is_string()) {
    if (node.get<std::string>() != "all") at.fail("must be \"all\" or a list of worker ids, got " + describe_value(node));
    ids.resize(static_cast<std::size_t>(workers));
    for (int i = 0; i < workers; ++i) ids[static_cast<std::size_t>(i)] = i;
    return ids;
  }
  if (!node.is_array() || node.empty()) {
    at.fail("must be \"all\" or a non-empty list of worker ids, got " + describe_value(node));
  }
  for (std::size_t k = 0; k < node.size(); ++k) {
    const Json& id = node[k];
    const bool integer = id.is_number_integer() || (id.is_number_float() && std::floor(id.get<double>()) == id.get<double>());
    if (!integer || id.get<double>() < 0 || id.get<double>() >= workers) {
      at.child(k).fail(fmt::format("must be a worker id from 0 to {} (the run has {} workers), got {}", workers - 1,
                                   workers, describe_value(id)));
    }
    const int value = static_cast<int>(id.get<double>());
    if (std::find(ids.begin(), ids.end(), value) != ids.end()) {
      at.child(k).fail(fmt::format("worker {} is listed twice", value));
    }
    ids.push_back(value);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

double TraceSpec::memory_bytes() const {
  const double numbers = most_rows * static_cast<double>(coordinates + 2);  // coordinates, loss, distance
  // Each number's text is at most 24 characters with its comma; each row also has its ids.
  return numbers * (sizeof(double) + 24.0) + most_rows * (3 * sizeof(long) + 40.0);
}

std::optional<TraceSpec> read_trace(const Json& run, const Location& root, int workers, long steps, long most_syncs,
                                    long dim) {
  if (!run.contains("trace")) return std::nullopt;
  const Location where = root.child("trace");
  const Json& node = run.at("trace");
  require_object(node, where, "trace");
  const std::vector<std::string> allowed = {"workers", "every", "coordinates"};
  reject_unknown_keys(node, where, allowed, "trace");
  TraceSpec trace;
  if (!node.contains("workers")) where.fail("missing required key \"workers\" (\"all\" or a list of worker ids)");
  trace.all_workers = node.at("workers").is_string() && node.at("workers").get<std::string>() == "all";
  trace.workers = read_workers(node.at("workers"), where.child("workers"), workers);
  trace.every = read_param(node, where,
                           ParamSpec::integer("every", "record the models every k steps").at_least(1).defaults_to(1))
                    .get<long>();
  const long default_coordinates = std::min(dim, kMaxTraceCoordinates);
  trace.coordinates =
      read_param(node, where,
                 ParamSpec::integer("coordinates", "the first n coordinates of each traced model")
                     .at_least(1)
                     .at_most(static_cast<double>(default_coordinates))
                     .defaults_to(default_coordinates))
          .get<long>();
  const double rows = static_cast<double>(trace.workers.size()) *
                     (static_cast<double>(steps / trace.every) + 1 + 2 * static_cast<double>(most_syncs));
  if (rows > kMaxTraceRows) {
    where.fail(fmt::format("may record {:.3g} rows (traced workers x (steps / every + 1 + 2 x {} syncs{})); at most "
                           "{:.0e} are allowed: trace fewer workers or raise \"every\"",
                           rows, most_syncs, most_syncs == steps ? ", at most" : "", kMaxTraceRows));
  }
  trace.most_rows = rows;
  return trace;
}

Json trace_json(const TraceSpec& trace) {
  const Json workers = trace.all_workers ? Json("all") : Json(trace.workers);
  return {{"workers", workers}, {"every", trace.every}, {"coordinates", trace.coordinates}};
}

}  // namespace localsgd
