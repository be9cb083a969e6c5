// The compression key in the spec language (experiments/catalog/catalog_compression.cpp,
// experiments/spec/compression_spec.hpp): every type reads into the engine's options; absent, the
// configuration, run key and outputs are as before; every rule's error names its JSON path and the
// rule; sweeps reach its parameters; the outputs carry bytes only when some run compresses; records
// keep bytes and read old records as 0; the bytes axis is refused without compression; explain
// shows the operator.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "algorithms/compression/compressor.hpp"
#include "experiments/language/spec_error.hpp"
#include "experiments/report/explain.hpp"
#include "experiments/spec/spec.hpp"
#include "experiments/store/results.hpp"
#include "experiments/store/run_record.hpp"
#include "experiments/store/run_store.hpp"
#include "experiments/store/runs_table.hpp"
#include "sim/engine.hpp"
#include "support/small_spec.hpp"

using namespace localsgd;
using test::base_spec;
using test::error_of;

namespace {

Json compressed(const Json& compression, const Json& keys = Json::object()) {
  Json spec = base_spec(keys);
  spec["compression"] = compression;
  return spec;
}

round::CompressionOptions options_of(const Json& compression) {
  return parse_spec(compressed(compression), "t").runs.at(0).pipeline().compression;
}

// Two rows per run, with bytes 0 and then `bytes`.
std::vector<RunRecord> records_for(const ExperimentSpec& spec, double bytes) {
  std::vector<RunRecord> records(spec.runs.size());
  for (RunRecord& r : records) {
    Evaluation first;
    Evaluation last;
    last.step = 200;
    last.round = 20;
    last.bytes = bytes;
    r.rows = {first, last};
    r.summary.bytes_sent = bytes;
  }
  return records;
}

}  // namespace

TEST_CASE("compression: every type reads into the engine's options, with its declared defaults") {
  using compression::CompressorKind;
  using compression::Feedback;
  const round::CompressionOptions absent = parse_spec(base_spec(), "t").runs.at(0).pipeline().compression;
  CHECK_FALSE(absent.enabled);

  const auto identity = options_of({{"type", "identity"}});
  CHECK(identity.enabled);
  CHECK(identity.compressor.kind == CompressorKind::identity);
  CHECK(identity.compressor.bytes_per_value == 8);
  CHECK(identity.feedback == Feedback::none);

  const auto top_ratio = options_of({{"type", "top_k"}, {"ratio", 0.4}});
  CHECK(top_ratio.compressor.kind == CompressorKind::top_k);
  CHECK(top_ratio.compressor.ratio == 0.4);
  CHECK(top_ratio.compressor.k == 0);
  const auto top_k = options_of({{"type", "top_k"}, {"k", 2}, {"feedback", "ef"}, {"bytes_per_value", 4}});
  CHECK(top_k.compressor.k == 2);
  CHECK(top_k.compressor.ratio == 0);
  CHECK(top_k.compressor.bytes_per_value == 4);
  CHECK(top_k.feedback == Feedback::ef);

  const auto random_k = options_of({{"type", "random_k"}, {"k", 3}, {"feedback", "ef21"}});
  CHECK(random_k.compressor.kind == CompressorKind::random_k);
  CHECK(random_k.compressor.k == 3);
  CHECK(random_k.feedback == Feedback::ef21);
  CHECK(options_of({{"type", "random_k_biased"}, {"ratio", 0.2}}).compressor.kind == CompressorKind::random_k_biased);

  const auto qsgd = options_of({{"type", "qsgd"}, {"levels", 4}});
  CHECK(qsgd.compressor.kind == CompressorKind::qsgd);
  CHECK(qsgd.compressor.levels == 4);
  CHECK(options_of({{"type", "scaled_sign"}}).compressor.kind == CompressorKind::scaled_sign);

  // The configuration holds every resolved parameter; an optional one not given stays out.
  const RunSpec run = parse_spec(compressed({{"type", "top_k"}, {"ratio", 0.4}}), "t").runs.at(0);
  CHECK(run.config.at("compression") ==
        Json({{"type", "top_k"}, {"ratio", 0.4}, {"bytes_per_value", 8}, {"feedback", "none"}}));
  CHECK(run.round.compressed());
  CHECK_FALSE(run.round.is_default());
}

TEST_CASE("compression: absent, the configuration, run key and resolved spec are as before") {
  const ExperimentSpec plain = parse_spec(base_spec(), "t");
  CHECK_FALSE(plain.runs.at(0).config.contains("compression"));
  CHECK_FALSE(plain.runs.at(0).round.compressed());
  CHECK_FALSE(plain.compressed());
  CHECK(plain.runs.at(0).round.is_default());
  CHECK_FALSE(plain.resolved.dump().find("compression") != std::string::npos);
  // Identity is a compression (gathered messages, bytes counted): a different run.
  const ExperimentSpec identity = parse_spec(compressed({{"type", "identity"}}), "t");
  CHECK(identity.compressed());
  CHECK(run_key(identity.runs.at(0)) != run_key(plain.runs.at(0)));
}

TEST_CASE("compression: each rule's error names the JSON path and the rule") {
  struct Case {
    Json spec;
    std::string message;  // expected at the start of the error
  };
  const Json momentum = {{"type", "momentum"}};
  const std::vector<Case> cases = {
      {compressed({{"type", "top_k"}}), "/compression: needs k (coordinates kept, 1 <= k <= d) or ratio"},
      {compressed({{"type", "top_k"}, {"k", 2}, {"ratio", 0.5}}), "/compression/ratio: give either k or ratio, not both"},
      {compressed({{"type", "random_k"}, {"k", 0}}), "/compression/k: must be integer >= 1"},
      {compressed({{"type", "random_k_biased"}, {"ratio", 0}}), "/compression/ratio: must be number > 0 and <= 1"},
      {compressed({{"type", "top_k"}, {"ratio", 1.5}}), "/compression/ratio: must be number > 0 and <= 1"},
      {compressed({{"type", "top_k"}, {"k", 6}}), "/compression/k: compression options: top_k needs 1 <= k <= d (k = 6, d = 5)"},
      {compressed({{"type", "qsgd"}}), "/compression: missing required key \"levels\""},
      {compressed({{"type", "qsgd"}, {"levels", 0}}), "/compression/levels: must be integer >= 1"},
      {compressed({{"type", "scaled_sign"}, {"k", 2}}), "/compression/k: unknown key \"k\""},
      {compressed({{"type", "identity"}, {"bytes_per_value", 0}}), "/compression/bytes_per_value: must be integer >= 1"},
      {compressed({{"type", "identity"}, {"bytes_per_value", 9}}), "/compression/bytes_per_value: is too large: must be integer >= 1 and <= 8, got 9"},
      {compressed({{"type", "identity"}, {"feedback", "memory"}}), "/compression/feedback: must be one of"},
      {compressed({{"type", "top_5"}}), "/compression/type: unknown compression type \"top_5\""},
      {compressed({{"type", "top_k"}, {"k", 1}}, {{"coordination", {{"type", "fedasync"}}}}),
       "/coordination/type: must be \"barrier\" with compression (\"top_k\"), got \"fedasync\""},
      {compressed({{"type", "top_k"}, {"k", 1}}, {{"correction", {{"type", "scaffold"}}}}),
       "/correction/type: must not be \"scaffold\" with compression (\"top_k\"): SCAFFOLD's control variates would "
       "travel uncompressed"},
      {compressed({{"type", "qsgd"}, {"levels", 2}}, {{"optimizer", momentum}}),
       "/optimizer/state_at_sync: must be \"keep\" or \"reset\" with compression (\"qsgd\"), got \"average\""},
      {compressed({{"type", "qsgd"}, {"levels", 2}}, {{"optimizer", {{"type", "adam"}, {"state_at_sync", "average"}}}}),
       "/optimizer/state_at_sync: must be \"keep\" or \"reset\" with compression (\"qsgd\")"},
  };
  for (const Case& c : cases) {
    INFO(c.spec.dump());
    CHECK_THAT(error_of(c.spec), Catch::StartsWith(c.message));
  }
  // Kept or reset state does not travel; plain SGD has none; fedprox adds no message.
  CHECK(error_of(compressed({{"type", "top_k"}, {"k", 1}}, {{"optimizer", {{"type", "momentum"}, {"state_at_sync", "keep"}}}})) == "");
  CHECK(error_of(compressed({{"type", "top_k"}, {"k", 1}}, {{"optimizer", {{"type", "adam"}, {"state_at_sync", "reset"}}}})) == "");
  CHECK(error_of(compressed({{"type", "top_k"}, {"k", 5}}, {{"correction", {{"type", "fedprox"}, {"mu", 0.1}}}})) == "");
  // In a variant, the path points into it.
  Json spec = base_spec();
  spec["variants"] = Json::parse(R"([{"label": "a"}, {"label": "b", "compression": {"type": "top_k", "k": 9}}])");
  CHECK_THAT(error_of(spec), Catch::StartsWith("/variants/1/compression/k: compression options: top_k needs 1 <= k <= d"));
}

TEST_CASE("compression: a sweep reaches its parameters") {
  Json spec = compressed({{"type", "top_k"}, {"ratio", 0.2}});
  spec["sweep"] = {{"compression.ratio", {0.2, 0.6, 1.0}}, {"compression.feedback", {"none", "ef"}}};
  const ExperimentSpec parsed = parse_spec(spec, "t");
  REQUIRE(parsed.runs.size() == 6);
  std::vector<double> ratios;
  std::vector<compression::Feedback> feedbacks;
  for (const RunSpec& run : parsed.runs) {
    ratios.push_back(run.pipeline().compression.compressor.ratio);
    feedbacks.push_back(run.pipeline().compression.feedback);
  }
  CHECK(std::count(ratios.begin(), ratios.end(), 0.6) == 2);
  CHECK(std::count(feedbacks.begin(), feedbacks.end(), compression::Feedback::ef) == 3);
  spec["sweep"] = {{"compression.ratio", {0.5, 2}}};
  CHECK_THAT(error_of(spec), Catch::StartsWith("/sweep/compression.ratio/1: must be number > 0 and <= 1"));

}

TEST_CASE("compression: metrics.csv, runs.csv and summary.json carry bytes only when some run compresses") {
  const ExperimentSpec plain = parse_spec(base_spec(), "t");
  const auto plain_records = records_for(plain, 0);
  const std::string plain_metrics = metrics_csv(plain, plain_records);
  CHECK(plain_metrics.substr(0, plain_metrics.find('\n')) ==
        "run,variant,seed,step,round,samples,time,loss,gap,grad_norm_sq,consensus");
  CHECK(plain_metrics.find("bytes") == std::string::npos);
  CHECK(runs_csv(plain, plain_records).find("bytes_sent") == std::string::npos);
  CHECK_FALSE(summary_json(plain, plain_records).at("runs").at(0).contains("bytes_sent"));

  Json spec = base_spec();
  spec["variants"] = Json::parse(R"([{"label": "dense"}, {"label": "top", "compression": {"type": "top_k", "k": 1}}])");
  const ExperimentSpec mixed = parse_spec(spec, "t");
  const auto records = records_for(mixed, 1234);
  const std::string metrics = metrics_csv(mixed, records);
  CHECK(metrics.substr(0, metrics.find('\n')) ==
        "run,variant,seed,step,round,samples,time,loss,gap,grad_norm_sq,consensus,bytes");
  CHECK(metrics.find(",0,0,0,0,0\n") != std::string::npos);  // the first row: consensus 0, bytes 0
  CHECK(metrics.find(",0,1234\n") != std::string::npos);     // the last: consensus 0, bytes 1234
  const std::string runs = runs_csv(mixed, records);
  CHECK(runs.substr(0, runs.find('\n')).ends_with(",bytes_sent"));
  CHECK(runs.find(",1234\n") != std::string::npos);
  const Json summary = summary_json(mixed, records);
  CHECK(summary.at("runs").at(0).at("bytes_sent") == 1234.0);  // also the run without compression
  CHECK(summary.at("runs").at(1).at("bytes_sent") == 1234.0);
}

TEST_CASE("compression: run records keep bytes, and records without them read as 0") {
  RunRecord record;
  Evaluation a;
  Evaluation b;
  b.step = 10;
  b.bytes = 4096.5;
  record.rows = {a, b};
  record.summary.bytes_sent = 8192;
  const Json json = record_to_json(record);
  CHECK(json.at("rows").at(0).size() == 8);  // no bytes counted: the row is as before
  CHECK(json.at("rows").at(1).size() == 9);
  const RunRecord back = record_from_json(json);
  CHECK(back.rows.at(0).bytes == 0);
  CHECK(back.rows.at(1).bytes == 4096.5);
  CHECK(back.summary.bytes_sent == 8192);
  // summary.json's own fields do not include it (results.cpp adds it for compressed specs).
  CHECK_FALSE(to_json(back.summary).contains("bytes_sent"));

  Json old = json;
  old.erase("bytes_sent");
  old["rows"][1].erase(8);
  const RunRecord earlier = record_from_json(old);
  CHECK(earlier.rows.at(1).bytes == 0);
  CHECK(earlier.summary.bytes_sent == 0);
  CHECK(record_to_json(earlier) == old);
}

TEST_CASE("compression: the bytes axis is refused without compression, accepted with it") {
  const Json curve = Json::parse(R"([{"x": "bytes", "y": "gap"}])");
  const Json time_to = Json::parse(R"([{"kind": "time_to", "y": "gap", "value": 0.1, "by": "bytes"}])");
  const Json reaches = Json::parse(R"([{"type": "reaches", "value": 0.1, "by": "bytes", "before": 100}])");
  const Json speedup = Json::parse(
      R"([{"type": "speedup", "value": 0.1, "by": "bytes", "variant": "a", "baseline": "b", "at_least": 1}])");
  const Json slope = Json::parse(R"([{"type": "slope", "against": "bytes", "max": 0}])");
  const std::string rule = "\"bytes\" is an axis only when some run sets \"compression\"";
  const Json two_variants = Json::parse(R"([{"label": "a"}, {"label": "b"}])");

  CHECK_THAT(error_of(base_spec({{"plots", curve}})), Catch::StartsWith("/plots/0/x: " + rule));
  CHECK_THAT(error_of(base_spec({{"plots", time_to}})), Catch::StartsWith("/plots/0/by: " + rule));
  CHECK_THAT(error_of(base_spec({{"expect", reaches}})), Catch::StartsWith("/expect/0/by: " + rule));
  CHECK_THAT(error_of(base_spec({{"expect", speedup}, {"variants", two_variants}})),
             Catch::StartsWith("/expect/0/by: " + rule));
  CHECK_THAT(error_of(base_spec({{"expect", slope}})), Catch::StartsWith("/expect/0/against: " + rule));

  const Json top = {{"type", "top_k"}, {"k", 1}};
  CHECK(error_of(compressed(top, {{"plots", curve}})) == "");
  CHECK(error_of(compressed(top, {{"plots", time_to}})) == "");
  CHECK(error_of(compressed(top, {{"expect", reaches}})) == "");
  CHECK(error_of(compressed(top, {{"expect", slope}})) == "");
  CHECK(error_of(compressed(top, {{"expect", speedup}, {"variants", two_variants}})) == "");
  // With compression the list of axes a slope may take names bytes.
  const Json unknown_axis = Json::parse(R"([{"type": "slope", "against": "batch", "max": 0}])");
  CHECK_THAT(error_of(compressed(top, {{"expect", unknown_axis}})),
             Catch::StartsWith("/expect/0/against: must be step, round, samples, time, bytes or a swept path (none is "
                               "swept), got \"batch\""));
}

TEST_CASE("compression: first_reached on the bytes axis reads the evaluation points") {
  RunRecord record;
  Evaluation a;
  a.gap = 1;
  Evaluation b;
  b.step = 10;
  b.gap = 0.05;
  b.bytes = 640;
  record.rows = {a, b};
  CHECK(first_reached(record, Metric::gap, 0.1, Axis::bytes) == 640.0);
  CHECK_FALSE(first_reached(record, Metric::gap, 0.01, Axis::bytes));
}

TEST_CASE("compression: explain shows the operator, its constant, the message size and the feedback") {
  const ExperimentSpec spec = parse_spec(compressed({{"type", "top_k"}, {"ratio", 0.4}, {"feedback", "ef"}}), "t");
  const Json explanation = explain_spec(spec);
  const Json& c = explanation.at("configurations").at(0).at("round").at("compression");
  compression::CompressorOptions options;
  options.kind = compression::CompressorKind::top_k;
  options.ratio = 0.4;
  const auto expected = compression::make_compressor(options, 5);
  CHECK(c.at("type") == "top_k");
  CHECK(c.at("operator") == "top_k");
  CHECK(c.at("unbiased") == false);
  CHECK(c.at("constant") == Json({{"name", "delta"}, {"value", 0.4}}));  // k/d = 2/5
  CHECK(c.at("message_bytes") == expected->message_bytes());
  CHECK(c.at("message_bytes") == 24);  // k = 2 values of 8 bytes and 2 indices of 4
  CHECK(c.at("dense_bytes") == 40);
  CHECK(c.at("feedback") == "ef");
  const std::string text = explain_text(explanation);
  CHECK(text.find("compression top_k (") != std::string::npos);
  CHECK(text.find("operator top_k: biased, delta = 0.4; message ") != std::string::npos);
  CHECK(text.find("vs dense d * 8 = 40 bytes (d = 5") != std::string::npos);
  CHECK(text.find("feedback ef\n") != std::string::npos);

  const Json unbiased = explain_spec(parse_spec(compressed({{"type", "random_k"}, {"k", 1}}), "t"));
  const Json& u = unbiased.at("configurations").at(0).at("round").at("compression");
  CHECK(u.at("unbiased") == true);
  CHECK(u.at("constant") == Json({{"name", "omega"}, {"value", 4.0}}));  // d/k - 1
  // Without compression the explanation has no compression entry.
  CHECK_FALSE(explain_spec(parse_spec(base_spec(), "t")).at("configurations").at(0).at("round").contains("compression"));
}

TEST_CASE("compression: the memory estimate asks the engine with the compressed pipeline") {
  const ExperimentSpec plain = parse_spec(base_spec(), "t");
  const ExperimentSpec ef = parse_spec(compressed({{"type", "top_k"}, {"k", 1}, {"feedback", "ef"}}), "t");
  REQUIRE(ef.runs.at(0).pipeline().compression.enabled);
  EngineShape shape;
  shape.workers = 4;
  shape.dim = 5;
  shape.batch = 1;
  shape.finite_sum = true;
  shape.draws_compute_times = true;
  const double without = Engine::estimate_bytes(shape);
  shape.pipeline = ef.runs.at(0).pipeline();
  const double with = Engine::estimate_bytes(shape);
  CHECK(ef.runs.at(0).memory_bytes - plain.runs.at(0).memory_bytes == with - without);
}
