// experiments/store/run_record.hpp, run_summary.hpp: every value a record holds reads back with the
// same bits (extreme and non-finite doubles, hostile strings), records with nulls are refused, and
// the summary of a run that overflowed the clock or ended far above its start says so.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "experiments/report/expectations.hpp"
#include "experiments/store/run_record.hpp"
#include "experiments/run/outcome_record.hpp"
#include "experiments/spec/spec.hpp"

using namespace localsgd;

namespace {

std::uint64_t bits(double x) {
  std::uint64_t b = 0;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

// Same bits; NaNs only keep their sign (JSON has no payloads, and no computation makes one).
bool same(double a, double b) {
  if (std::isnan(a)) return std::isnan(b) && std::signbit(a) == std::signbit(b);
  return bits(a) == bits(b);
}

const std::vector<double> kExtremes = {0.0,
                                       -0.0,
                                       1e-320,
                                       4.9e-324,
                                       -4.9e-324,
                                       std::numeric_limits<double>::denorm_min(),
                                       std::numeric_limits<double>::min(),
                                       std::nextafter(std::numeric_limits<double>::min(), 0.0),
                                       1.7976931348623157e308,
                                       -1.7976931348623157e308,
                                       0.1,
                                       1.0 / 3.0,
                                       9007199254740993.0,
                                       HUGE_VAL,
                                       -HUGE_VAL,
                                       std::numeric_limits<double>::quiet_NaN(),
                                       -std::numeric_limits<double>::quiet_NaN()};

// Every ASCII control character, quotes, backslashes, commas, non-ASCII text.
std::string hostile_string() {
  std::string s;
  for (int c = 0; c < 32; ++c) s += static_cast<char>(c);
  s += "\x7f\"'\\,;\r\n\t\\u0000 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 {}[]null nan inf";
  return s;
}

RunRecord record_with(const std::vector<double>& values) {
  RunRecord record;
  long step = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    Evaluation e;
    e.step = step++;
    e.round = static_cast<int>(i);
    e.samples = 3 * e.step;
    e.time = values[i];
    e.loss = values[(i + 1) % values.size()];
    e.gap = values[(i + 2) % values.size()];
    e.grad_norm_sq = values[(i + 3) % values.size()];
    e.consensus = values[(i + 4) % values.size()];
    record.rows.push_back(e);
  }
  RunSummary& s = record.summary;
  s.termination = RunTermination::completed;
  s.steps = step;
  s.rounds = 2;
  s.virtual_time = values.front();
  s.compute_time_mean = values.back();
  s.compute_time_max = values.back();
  s.communication_time = -0.0;
  s.idle_time_mean = 4.9e-324;
  s.idle_time_max = HUGE_VAL;
  s.per_worker = {values, values, values};
  s.wall_seconds = 1e-320;
  s.warning = hostile_string();
  s.constants.how = hostile_string();
  s.constants.L = 1.7976931348623157e308;
  s.constants.mu = values.front();
  s.constants.sigma2 = values.back();
  s.constants.x_star = values;
  s.final_metrics = FinalMetrics{step, values.front(), values.back(), -0.0, HUGE_VAL};
  return record;
}

// The JSON pointers of the nulls in a record, but for a constant that is unknown (sigma2). (Not
// through flatten(), which turns empty objects and arrays into nulls.)
void collect_nulls(const Json& json, const std::string& pointer, std::vector<std::string>& out) {
  if (json.is_null() && !pointer.ends_with("/constants/sigma2")) out.push_back(pointer);
  if (json.is_object()) {
    for (const auto& [key, value] : json.items()) collect_nulls(value, pointer + "/" + key, out);
  } else if (json.is_array()) {
    for (std::size_t i = 0; i < json.size(); ++i) collect_nulls(json[i], pointer + "/" + std::to_string(i), out);
  }
}

std::vector<std::string> nulls_in(const Json& json) {
  std::vector<std::string> out;
  collect_nulls(json, "", out);
  return out;
}

// record -> JSON -> text (as runs/*.json and summary.json write it) -> JSON -> record.
RunRecord through_text(const RunRecord& record, int indent) {
  const std::string text = record_to_json(record).dump(indent);
  return record_from_json(Json::parse(text));
}

void check_same(const RunRecord& a, const RunRecord& b) {
  REQUIRE(a.rows.size() == b.rows.size());
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    const Evaluation &x = a.rows[i], &y = b.rows[i];
    INFO("row " << i << ": " << x.time << " " << x.loss << " " << x.gap << " " << x.grad_norm_sq << " " << x.consensus);
    CHECK(x.step == y.step);
    CHECK(x.round == y.round);
    CHECK(x.samples == y.samples);
    CHECK(same(x.time, y.time));
    CHECK(same(x.loss, y.loss));
    CHECK(same(x.gap, y.gap));
    CHECK(same(x.grad_norm_sq, y.grad_norm_sq));
    CHECK(same(x.consensus, y.consensus));
  }
  // Summaries hold numbers as record_number writes them: equal JSON means equal bits (a double
  // compares equal to itself except NaN, which is written as text).
  CHECK(to_json(a.summary) == to_json(b.summary));
  const auto fields = [](const RunSummary& s) {
    return std::vector<double>{s.virtual_time, s.compute_time_mean, s.idle_time_mean, s.idle_time_max,
                               s.communication_time, s.wall_seconds, s.constants.L, s.constants.mu,
                               s.final_metrics->grad_norm_sq};
  };
  const std::vector<double> x = fields(a.summary), y = fields(b.summary);
  for (std::size_t i = 0; i < x.size(); ++i) {
    INFO("summary field " << i);
    CHECK(same(x[i], y[i]));
  }
}

}  // namespace

TEST_CASE("extreme doubles and hostile strings round-trip through a record's text with the same bits") {
  const RunRecord record = record_with(kExtremes);
  for (const int indent : {-1, 2}) {
    INFO("indent " << indent);
    const RunRecord back = through_text(record, indent);
    check_same(record, back);
    CHECK(back.summary.warning == hostile_string());
    CHECK(back.summary.constants.how == hostile_string());
  }
  // No null where a number was: JSON cannot hold inf or nan, nlohmann would write null.
  CHECK(nulls_in(Json::parse(record_to_json(record).dump())) == std::vector<std::string>{});
}

TEST_CASE("random bit patterns round-trip through a record's text with the same bits") {
  std::mt19937_64 rng(20261202);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<double> values;
    for (int i = 0; i < 20; ++i) {
      const std::uint64_t b = rng();
      double x = 0;
      std::memcpy(&x, &b, sizeof x);
      values.push_back(x);
    }
    // Also subnormals with random mantissas, which random bit patterns rarely give.
    for (int i = 0; i < 5; ++i) {
      const std::uint64_t b = rng() & ((std::uint64_t{1} << 52) - 1);
      double x = 0;
      std::memcpy(&x, &b, sizeof x);
      values.push_back(x);
    }
    const RunRecord record = record_with(values);
    check_same(record, through_text(record, -1));
  }
}

TEST_CASE("record_number writes non-finite doubles as text and reads every spelling it writes") {
  CHECK(record_number(HUGE_VAL) == "inf");
  CHECK(record_number(-HUGE_VAL) == "-inf");
  CHECK(record_number(std::numeric_limits<double>::quiet_NaN()) == "nan");
  CHECK(record_number(-std::numeric_limits<double>::quiet_NaN()) == "-nan");
  CHECK(record_number(1e-320).is_number_float());
  CHECK(std::isinf(record_number_from("inf")));
  CHECK(record_number_from("-inf") < 0);
  CHECK(std::signbit(record_number_from("-nan")));
  CHECK(std::isnan(record_number_from("nan")));
  // nlohmann's parser reads subnormals and the largest double (no ERANGE failure).
  CHECK(record_number_from(Json::parse("4.9e-324")) == 4.9e-324);
  CHECK(record_number_from(Json::parse("1e-320")) == 1e-320);
  CHECK(record_number_from(Json::parse("1.7976931348623157e308")) == std::numeric_limits<double>::max());
  CHECK(std::signbit(record_number_from(Json::parse("-0.0"))));
  CHECK_THROWS_WITH(record_number_from(Json(nullptr)), Catch::Contains("not a number: null"));
  CHECK_THROWS(record_number_from("Infinity"));
  CHECK_THROWS(record_number_from(Json::array()));
}

TEST_CASE("a stored record with a null where a number belongs is refused, so the run is computed again") {
  // What records looked like when virtual time overflowed: nlohmann writes inf as null.
  Json stored = record_to_json(record_with({1.0, 2.0}));
  for (const char* key : {"virtual_time", "compute_time_mean", "idle_time_max", "wall_seconds"}) {
    INFO(key);
    Json broken = stored;
    broken["summary"][key] = nullptr;
    CHECK_THROWS_WITH(record_from_json(broken), Catch::Contains("not a number"));
  }
  Json broken_row = stored;
  broken_row["rows"][0][3] = nullptr;
  CHECK_THROWS(record_from_json(broken_row));
  Json broken_worker = stored;
  broken_worker["summary"]["per_worker"]["idle_time"][0] = nullptr;
  CHECK_THROWS(record_from_json(broken_worker));
  Json unknown = stored;
  unknown["summary"]["termination"] = "exploded";
  CHECK_THROWS_WITH(record_from_json(unknown), Catch::Contains("unknown termination"));
  CHECK_NOTHROW(record_from_json(stored));
}

namespace {

RunOutcome outcome_of(const RunSpec& spec, double initial_gap, double final_gap) {
  RunOutcome o;
  o.spec = &spec;
  Evaluation first, last;
  first.gap = initial_gap;
  last.step = 100;
  last.gap = final_gap;
  o.rows = {first, last};
  o.report.steps_done = 100;
  o.report.rounds = 10;
  o.report.virtual_time = 5;
  o.report.busy_seconds = {4, 4};
  o.report.idle_seconds = {0.5, 0.5};
  o.slowdown = {1, 1};
  o.constants.smoothness = 2;
  o.constants.pl = 1;
  o.initial_gap = initial_gap;
  o.eta0 = 1.025;  // 2.05 / L
  o.eta_last = 1.025;
  return o;
}

}  // namespace

TEST_CASE("a completed run that ends more than 10x above its starting gap carries a warning with the eta hint") {
  const RunSpec spec;
  const RunRecord far = record_of(outcome_of(spec, 2.0, 2.0e4));
  REQUIRE(far.summary.warning.has_value());
  const std::string warning = *far.summary.warning;
  CHECK_THAT(warning, Catch::Contains("final gap 2e+04 = 1e+04 x the starting gap 2"));
  CHECK_THAT(warning, Catch::Contains("eta_0 = 1.025 vs 1/L = 0.5"));
  CHECK(to_json(far.summary).at("termination") == "completed");
  CHECK(completed(far));
  // Up to 10x: no warning; a run started at the optimum (gap 0) is watching the noise floor.
  CHECK_FALSE(record_of(outcome_of(spec, 2.0, 20.0)).summary.warning.has_value());
  CHECK_FALSE(record_of(outcome_of(spec, 2.0, 1e-3)).summary.warning.has_value());
  CHECK_FALSE(record_of(outcome_of(spec, 0.0, 1e-3)).summary.warning.has_value());
  // A diverged run has its own hint, not this warning.
  RunOutcome diverging = outcome_of(spec, 2.0, 2.0e7);
  diverging.report.termination = Termination::diverged;
  const RunRecord diverged_record = record_of(diverging);
  CHECK_FALSE(diverged_record.summary.warning.has_value());
  CHECK(diverged(diverged_record));
}

TEST_CASE("a run that overflowed the clock is recorded as such, with no null, and reads back") {
  const RunSpec spec;
  RunOutcome o = outcome_of(spec, 2.0, 1.0);
  o.report.termination = Termination::clock_overflow;
  o.report.steps_done = 42;
  o.report.clock_overflow_worker = 1;
  o.report.virtual_time = HUGE_VAL;
  o.report.busy_seconds = {1.5e308, HUGE_VAL};
  o.report.idle_seconds = {1e308, 1e308};  // their sum overflows; their mean does not
  const RunRecord record = record_of(o);
  const Json summary = to_json(record.summary);
  CHECK(summary.at("termination") == "clock_overflow");
  CHECK_FALSE(completed(record));
  CHECK_FALSE(diverged(record));
  CHECK(summary.at("clock_overflow_at_step") == 42);
  CHECK_THAT(summary.at("clock_overflow_message").get<std::string>(),
             Catch::Contains("worker 1's step 42 took it past the largest double"));
  CHECK(summary.at("virtual_time") == "inf");
  CHECK(summary.at("compute_time_max") == "inf");
  CHECK(summary.at("idle_time_mean") == 1e308);
  CHECK(summary.at("per_worker").at("compute_time") == Json::array({1.5e308, "inf"}));
  CHECK_THAT(ended_early_text(record), Catch::StartsWith("CLOCK OVERFLOW at step 42"));
  const std::string text = record_to_json(record).dump();
  CHECK(nulls_in(Json::parse(text)) == std::vector<std::string>{});
  check_same(record, record_from_json(Json::parse(text)));
}

TEST_CASE("time to a target: the first declared target with that metric and value decides, else the rows") {
  RunRecord record = record_with({1.0, 2.0, 3.0});
  record.rows[0].gap = 5;
  record.rows[1].gap = 0.5;
  record.rows[2].gap = 0.05;
  Json summary = to_json(record.summary);
  summary["targets"] = Json::parse(R"([
    {"metric": "gap", "value": 0.1, "check": "syncs", "reached": false, "step": null, "round": null,
     "samples": null, "time": null, "metric_value": null, "at_sync": null},
    {"metric": "gap", "value": 0.1, "check": "syncs_and_evaluations", "reached": true, "step": 2, "round": 2,
     "samples": 6, "time": 3.0, "metric_value": 0.05, "at_sync": false},
    {"metric": "gap", "value": 1.0, "check": "syncs", "reached": true, "step": 7, "round": 1,
     "samples": 21, "time": 2.5, "metric_value": 0.9, "at_sync": true}])");
  record.summary = summary_from_json(summary);
  // Declared twice: the first entry (never reached) decides, not the second.
  CHECK(declared_target_index(record.summary, Metric::gap, 0.1) == std::optional<std::size_t>(0));
  CHECK_FALSE(first_reached(record, Metric::gap, 0.1, Axis::time).has_value());
  // Declared once: its hit, not the first evaluation point (step 1) where gap <= 1.
  CHECK(first_reached(record, Metric::gap, 1.0, Axis::time) == std::optional<double>(2.5));
  CHECK(first_reached(record, Metric::gap, 1.0, Axis::step) == std::optional<double>(7.0));
  // Not declared: the evaluation points.
  CHECK(first_reached(record, Metric::gap, 0.6, Axis::step) == std::optional<double>(1.0));
  CHECK_FALSE(first_reached(record, Metric::gap, 0.01, Axis::step).has_value());
  CHECK(declared_target_hit(record.summary, 2, Axis::round) == std::optional<double>(1.0));
  CHECK_FALSE(declared_target_hit(record.summary, 3, Axis::round).has_value());
  // The summary writes back what it read.
  CHECK(to_json(record.summary) == summary);
}

TEST_CASE("expect's time_to_target slope counts a target met before a run diverged, as time_to_target.csv does") {
  const ExperimentSpec spec = parse_spec(Json::parse(R"({
    "problem": {"type": "least_squares", "samples": 100, "dim": 3}, "workers": 2, "steps": 50,
    "step_size": {"type": "constant", "value": 0.01}, "schedule": {"type": "fixed", "period": 5},
    "sweep": {"workers": [1, 2]},
    "targets": [{"metric": "gap", "value": 0.5}],
    "expect": [{"type": "slope", "metric": "time_to_target", "against": "workers", "min": -1.01, "max": -0.99}]
  })"), "t");
  REQUIRE(spec.runs.size() == 2);
  std::vector<RunRecord> records;
  for (const double time : {10.0, 5.0}) {
    RunRecord r = record_with({1.0, 0.25});
    r.summary.targets = {{Target{TargetMetric::gap, 0.5, TargetCheck::syncs}, TargetHit{5, 1, 10, time, 0.25, true}}};
    records.push_back(r);
  }
  // The second run diverged after meeting the target: it was met, at time 5.
  records[1].summary.termination = RunTermination::diverged;
  records[1].summary.ended_at_step = 40;
  const auto results = evaluate(spec.expectations.at(0), spec, records);
  REQUIRE(results.size() == 1);
  CHECK(results[0].passed);
  CHECK(results[0].measured.get<double>() == Approx(-1.0));
  // A run that never met it: not measured, and the note says why.
  records[1].summary.targets[0].hit.reset();
  const auto never = evaluate(spec.expectations.at(0), spec, records);
  CHECK_FALSE(never[0].passed);
  CHECK_THAT(never[0].note, Catch::Contains("never reached its target"));
}

TEST_CASE("a summary writes the keys of its case only: nulls where JSON has them, absent where it has none") {
  const RunSpec spec;
  RunOutcome o = outcome_of(spec, 2.0, 1.0);
  const Json completed = to_json(record_of(o).summary);
  CHECK(completed.at("constants").at("sigma2").is_null());  // finite sums have no global bound
  CHECK(completed.at("final").at("gap") == 1.0);
  for (const char* key : {"diverged_at_step", "divergence_hint", "clock_overflow_at_step", "clock_overflow_message",
                          "warning"}) {
    INFO(key);
    CHECK_FALSE(completed.contains(key));
  }
  o.rows.clear();
  o.report.termination = Termination::diverged;
  o.report.steps_done = 7;
  const Json diverged = to_json(record_of(o).summary);
  CHECK(diverged.at("final").is_null());
  CHECK(diverged.at("termination") == "diverged");
  CHECK(diverged.at("diverged_at_step") == 7);
  CHECK(diverged.contains("divergence_hint"));
  CHECK_FALSE(diverged.contains("clock_overflow_at_step"));
  // Read back and written again: the same JSON, key for key.
  CHECK(to_json(summary_from_json(completed)) == completed);
  CHECK(to_json(summary_from_json(diverged)) == diverged);
}
