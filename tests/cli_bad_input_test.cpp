// The bad-input matrix (docs/reliability.md): every class of malformed or out-of-range spec, data
// file and command line gives exit 2, ONE line on stderr that names the file, the JSON path or
// line, and the rule, nothing on stdout, and no results folder.
#include <catch2/catch.hpp>
#include <map>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/cli.hpp"

using namespace localsgd;
using namespace localsgd::test;

namespace {

// Two variants, two seeds, 20 evaluation points.
const Json kSpec = tiny_spec("bad", Json::parse(R"({
  "variants": [
    {"label": "sync", "schedule": {"type": "sync"}},
    {"label": "tau=10", "schedule": {"type": "fixed", "period": 10}}
  ],
  "seeds": 2,
  "eval": {"points": 20}
})"));

std::string with(const char* patch) {
  Json s = kSpec;
  s.merge_patch(Json::parse(patch));
  return s.dump(2);
}

// A logistic problem on the LIBSVM file data.svm (next to the spec), with extra problem keys.
std::string on_file(const std::string& extra = "", int workers = 3) {
  Json s = kSpec;
  s["workers"] = workers;
  s["problem"] = Json::parse(R"({"type": "logistic", "data": "libsvm", "file": "data.svm", "l2": 0.01)" + extra + "}");
  s["batch"] = 1;
  return s.dump(2);
}

// `spec` with the number literal `from` written as `to` (nlohmann would round 1e-400 to 0.0).
std::string literal(std::string spec, const std::string& from, const std::string& to) {
  return spec.replace(spec.find(from), from.size(), to);
}

// The spec with one variant of this label.
std::string with_label(const std::string& label) {
  Json s = kSpec;
  s["variants"] = Json::array({{{"label", label}, {"schedule", {{"type", "sync"}}}}});
  return s.dump(2);
}

// The spec with the value at a JSON pointer replaced.
std::string with_value(const std::string& pointer, const Json& value) {
  Json s = kSpec;
  s[Json::json_pointer(pointer)] = value;
  return s.dump(2);
}

// A logistic problem on LIBSVM files whose paths are swept (written as JSON string literals).
std::string swept_files(const std::vector<std::string>& literals) {
  std::string list;
  for (const auto& l : literals) list += (list.empty() ? "\"" : ", \"") + l + "\"";
  Json s = Json::parse(on_file());
  std::string text = s.dump(2);
  return text.substr(0, text.size() - 2) + ",\n  \"sweep\": {\"problem.file\": [" + list + "]}\n}";
}

std::string long_list(std::size_t n) {
  std::string out = "[";
  for (std::size_t i = 0; i < n; ++i) out += (i ? "," : "") + std::to_string(i);
  return out + "]";
}

struct Case {
  std::string klass;   // the class of bad input (docs/reliability.md counts them)
  std::string spec;    // the text of bad.json
  std::string where;   // what follows "error: bad.json: " (the JSON path or line), or the message start
  std::string rule;    // a fragment of the rule (and the suggestion, where one exists)
  std::map<std::string, std::string> files = {};  // other files next to the spec
  std::string args = "";                           // extra command-line arguments
  std::string spec_name = "bad.json";              // the spec file's name (the default name is its stem)
  std::string out = "results";                     // --out
  std::map<std::string, std::string> links = {};   // symbolic links to create: name -> target
};

const std::string kGoodLibsvm = "+1 1:0.5 2:1\n-1 1:-0.5 3:1\n+1 2:0.25 3:-1\n-1 1:1 2:-1\n+1 1:0.1\n-1 3:0.7\n";

std::vector<Case> cases() {
  std::vector<Case> c = {
      // --- invalid JSON: line and column, or the JSON path for structural rules
      {"invalid JSON", "{\n  \"name\": \"bad\",\n  \"problem\": {\"type\": \"least_squares\"},\n  \"workers\": 3,\n  \"st",
       "line 5, column 6: invalid JSON", "missing closing quote"},
      {"invalid JSON", "{\"name\": \"x\",}", "line 1, column 14: invalid JSON", "expected string literal"},
      {"invalid JSON", with("{}").replace(1, 0, "\"steps\": NaN, "), "line 1, column ", "invalid literal"},
      {"invalid JSON", "{\n  // a comment\n}", "line 2, column ", "invalid literal"},
      {"invalid JSON", "", "line 1, column 1: invalid JSON", "unexpected end of input"},
      {"invalid JSON", "\x7f" "ELF\x02\x01", "line 1, column 1: invalid JSON", "invalid literal"},
      {"invalid JSON", "{\"name\": \"caf\xe9\"}", "line 1, column ", "ill-formed UTF-8"},
      {"invalid JSON", "{\n \"steps\": 1e400\n}", "line 2, column 15: invalid JSON", "number overflow parsing '1e400' (too large for a double)"},
      {"invalid JSON", "{\"workers\": -1e999}", "line 1, column 18: invalid JSON", "number overflow"},
      {"invalid JSON", "{\"name\": \"a\", \"workers\": 3, \"name\": \"b\"}", "/name", "duplicate key \"name\""},
      {"invalid JSON", with("{}").replace(with("{}").find("\"type\": \"least_squares\""), 0, "\"dim\": 9, "),
       "/problem/dim", "duplicate key \"dim\""},
      {"invalid JSON", "{\"problem\": " + std::string(200, '[') + std::string(200, ']') + "}", "/problem/0/0/",
       "nested more than 64 levels deep"},
      {"invalid JSON", "[1, 2]", "/", "a spec must be an object, got an array"},
      // --- wrong types
      {"wrong type", with(R"({"batch": "2"})"), "/batch", "must be an integer, got string \"2\""},
      {"wrong type", with(R"({"workers": 2.5})"), "/workers", "must be an integer, got number 2.5"},
      {"wrong type", with(R"({"steps": true})"), "/steps", "must be an integer, got boolean true"},
      {"wrong type", with(R"({"seeds": "3"})"), "/seeds", "must be an integer, got string \"3\""},
      {"wrong type", with(R"({"variants": {"label": "x"}})"), "/variants", "must be a non-empty list of variants"},
      {"wrong type", with(R"({"problem": "least_squares"})"), "/problem", "problem must be an object, got string"},
      {"wrong type", with(R"({"eval": [10]})"), "/eval", "eval must be an object, got an array"},
      {"wrong type", with(R"({"step_size": {"eta0": "0.1"}})"), "/step_size/eta0", "must be a number, got string"},
      {"wrong type", with(R"({"step_size": {"eta0": "NaN"}})"), "/step_size/eta0", "must be a number, got string \"NaN\""},
      {"wrong type", with(R"({"name": 7})"), "/name", "must be a non-empty string usable as a folder name"},
      {"wrong type", with(R"({"name": "../x"})"), "/name", "must be a non-empty string usable as a folder name: the name contains '/'"},
      // --- unknown keys, with the closest valid name
      {"unknown key", with(R"({"stepsize": 1})"), "/stepsize", "unknown key \"stepsize\" in the spec (valid keys: "},
      {"unknown key", with(R"({"stepsize": 1})"), "/stepsize", "did you mean \"step_size\"?"},
      {"unknown key", with(R"({"problem": {"sample": 10}})"), "/problem/sample", "did you mean \"samples\"?"},
      {"unknown key", with(R"({"variants": [{"label": "a", "period": 3}]})"), "/variants/0/period",
       "unknown key \"period\" in a variant"},
      {"unknown key", with(R"({"clock": {"netwrok": {"type": "ring"}}})"), "/clock/netwrok", "did you mean \"network\"?"},
      {"unknown key", with(R"({"schedule": {"type": "fixd"}, "variants": null})"), "/schedule/type",
       "unknown schedule type \"fixd\""},
      {"unknown key", with(R"({"schedule": {"type": "sync", "period": 4}, "variants": null})"), "/schedule/period",
       "it takes no parameters"},
      // --- empty and huge lists
      {"empty or huge list", with(R"({"variants": []})"), "/variants", "must be a non-empty list of variants"},
      {"empty or huge list", with(R"({"seeds": []})"), "/seeds", "must be a non-empty list of seeds"},
      {"empty or huge list", with(R"({"sweep": {"workers": []}})"), "/sweep/workers", "must be a non-empty list of values"},
      {"empty or huge list", with(R"({"sweep": {"zip": {}}})"), "/sweep/zip", "a zip group needs at least one path"},
      {"empty or huge list", with(R"({"problem": {"type": "quadratic", "spectrum": "explicit", "eigenvalues": [], "samples": null, "dim": null, "noise": null}})"),
       "/problem/eigenvalues", "must have at least 1 item"},
      {"empty or huge list", with(("{\"seeds\": " + long_list(200000) + "}").c_str()), "/seeds",
       "has 200000 seeds; a spec may have at most 100000 runs"},
      {"empty or huge list",
       with(R"({"sweep": {"batch": [1,2,3,4,5,6,7,8,9,10], "steps": [100,200,300,400,500,600,700,800,900,1000],
                "eval.points": [2,3,4,5,6,7,8,9,10,11], "problem.noise": [0,1,2,3,4,5,6,7,8,9],
                "problem.data_seed": [0,1,2,3,4,5,6,7,8,9], "problem.samples": [400,401,402,403,404,405,406,407,408,409],
                "workers": [1,2,3,4,5,6,7,8,9,10], "step_size.eta0": [0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0],
                "step_size.t0": [1,2,3,4,5,6,7,8,9,10], "problem.dim": [1,2,3,4,5,6,7,8,9,10]}})"),
       "/", "expands to 40000000000 runs"},
      {"empty or huge list",
       with(("{\"problem\": {\"type\": \"quadratic\", \"spectrum\": \"explicit\", \"samples\": null, \"dim\": null, "
             "\"noise\": null, \"eigenvalues\": " + long_list(120000) + "}}").c_str()),
       "/problem", "needs about", {}, "--max-memory 8G"},
      // --- zero, negative, NaN and infinite numbers
      {"zero/negative/NaN/inf number", with(R"({"workers": 0})"), "/workers", "must be integer >= 1 and <= 10000000, got 0"},
      {"zero/negative/NaN/inf number", with(R"({"workers": -3})"), "/workers", "must be integer >= 1"},
      {"zero/negative/NaN/inf number", with(R"({"steps": 0})"), "/steps", "must be integer >= 1"},
      {"zero/negative/NaN/inf number", with(R"({"steps": 1e13})"), "/steps", "must be integer >= 1 and <= 1000000000000, got 10000000000000.0"},
      {"zero/negative/NaN/inf number", with(R"({"batch": 0})"), "/batch", "must be integer >= 1"},
      {"zero/negative/NaN/inf number", with(R"({"seeds": -1})"), "/seeds", "must be integer >= 1"},
      {"zero/negative/NaN/inf number", with(R"({"seeds": [0, -1]})"), "/seeds/1", "must be integer >= 0, got -1"},
      {"zero/negative/NaN/inf number", with(R"({"step_size": {"type": "constant", "value": 0, "eta0": null, "t0": null}})"),
       "/step_size/value", "must be number > 0, got 0"},
      {"zero/negative/NaN/inf number", with(R"({"step_size": {"type": "constant", "value": -1, "eta0": null, "t0": null}})"),
       "/step_size/value", "must be number > 0, got -1"},
      {"zero/negative/NaN/inf number", with(R"({"variants": [{"label": "x", "schedule": {"type": "fixed", "period": 0}}]})"),
       "/variants/0/schedule/period", "must be integer >= 1, got 0"},
      {"zero/negative/NaN/inf number", with(R"({"eval": {"points": 1}})"), "/eval/points", "must be integer >= 2"},
      {"zero/negative/NaN/inf number", with(R"({"eval": {"every": 0, "points": null}})"), "/eval/every", "must be integer >= 1"},
      {"zero/negative/NaN/inf number", with(R"({"problem": {"noise": -0.5}})"), "/problem/noise", "must be number >= 0"},
      {"zero/negative/NaN/inf number", with(R"({"clock": {"compute": {"type": "constant", "seconds": -1}}})"),
       "/clock/compute/seconds", "must be number"},
      {"zero/negative/NaN/inf number", with(R"({"workers": 18446744073709551615})"), "/workers", "is too large"},
      {"zero/negative/NaN/inf number", with(R"({"problem": {"data_seed": 9007199254740993.0}})"), "/problem/data_seed", "must be an integer"},
      // --- batch larger than a shard
      {"batch larger than a shard", with(R"({"batch": 200})"), "/batch",
       "must be <= 133 (the rows of the smallest worker's shard), got 200"},
      {"batch larger than a shard", with(R"({"variants": [{"label": "big", "batch": 134, "schedule": {"type": "sync"}}]})"),
       "/variants/0/batch", "use a smaller batch, fewer workers or more samples"},
      {"batch larger than a shard", with(R"({"sweep": {"batch": [1, 500]}})"), "/sweep/batch/1", "must be <= 133"},
      // --- more workers than samples
      {"more workers than samples", with(R"({"workers": 500})"), "/problem/samples",
       "must be >= workers (500) so that every worker's shard holds at least one sample, got 400"},
      {"more workers than samples", on_file("", 10), "/problem/file", "has 6 rows, fewer than the 10 workers: every worker's shard needs at least one row",
       {{"data.svm", kGoodLibsvm}}},
      {"more workers than samples", with(R"({"problem": {"type": "logistic", "data": "two_gaussians", "samples": 2, "noise": null, "dim": null}})"),
       "/problem/samples", "must be >= workers (3)"},
      // --- a period (or another schedule step) longer than T
      {"period longer than T", with(R"({"variants": [{"label": "x", "schedule": {"type": "fixed", "period": 301}}]})"),
       "/variants/0/schedule/period", "must be <= steps (300), got 301; use {\"type\": \"one_shot\"}"},
      {"period longer than T", with(R"({"variants": [{"label": "x", "schedule": {"type": "ada_lupa_loss", "tau0": 1000}}]})"),
       "/variants/0/schedule/tau0", "must be <= steps (300)"},
      {"period longer than T", with(R"({"variants": [{"label": "x", "schedule": {"type": "post_local", "switch_step": 400, "period": 5}}]})"),
       "/variants/0/schedule/switch_step", "must be <= steps (300)"},
      {"period longer than T", with(R"({"variants": [{"label": "x", "schedule": {"type": "explicit", "steps": [10, 400]}}]})"),
       "/variants/0/schedule/steps/1", "300"},
      {"period longer than T", with(R"({"sweep": {"steps": [20, 5]}, "variants": [{"label": "x", "schedule": {"type": "fixed", "period": 10}}]})"),
       "/variants/0/schedule/period", "must be <= steps (5), got 10"},
      // --- missing or unreadable data files
      {"missing or unreadable data file", on_file(), "/problem/file", "cannot open \"data.svm\" for reading"},
      {"missing or unreadable data file", on_file(), "/problem/file", "it is a folder", {{"data.svm/x", "1 1:1\n"}}},
      {"missing or unreadable data file", on_file().replace(on_file().find("data.svm"), 8, ""), "/problem/file",
       "cannot"},
      {"missing or unreadable data file", on_file(), "/problem/file", "no samples", {{"data.svm", ""}}},
      {"missing or unreadable data file", "", "", "", {}, "DIRECTORY"},
      // --- malformed LIBSVM lines: the file and line number
      {"malformed LIBSVM line", on_file(), "/problem/file", "data.svm:2: expected a label (a number) at the start of the line, got \"x\"",
       {{"data.svm", "+1 1:1\nx 1:1\n"}}},
      {"malformed LIBSVM line", on_file(), "/problem/file", "data.svm:3: label 2 is not a binary class label",
       {{"data.svm", "+1 1:1\n-1 1:2\n2 1:1\n"}}},
      {"malformed LIBSVM line", on_file(), "/problem/file", "data.svm:2: feature index must be an integer >= 1, got \"0\"",
       {{"data.svm", "+1 1:1\n-1 0:1\n"}}},
      {"malformed LIBSVM line", on_file(), "/problem/file", "data.svm:1: feature indices must increase along a line: 2 after 3",
       {{"data.svm", "+1 3:1 2:1\n-1 1:2\n"}}},
      {"malformed LIBSVM line", on_file(), "/problem/file", "data.svm:2: expected index:value, got \"1-1\"",
       {{"data.svm", "+1 1:1\n-1 1-1\n"}}},
      {"malformed LIBSVM line", on_file(), "/problem/file", "data.svm:2: feature 1 has no finite numeric value: \"abc\"",
       {{"data.svm", "+1 1:1\n-1 1:abc\n"}}},
      {"malformed LIBSVM line", on_file(), "/problem/file", "data.svm:3: label 0 mixes the 0/1 convention",
       {{"data.svm", "+1 1:1\n-1 1:2\n0 1:1\n"}}},
      {"malformed LIBSVM line", on_file(), "/problem/file", "data.svm:1: feature index 3000000000 is too large",
       {{"data.svm", "+1 3000000000:1\n-1 1:2\n"}}},
      {"malformed LIBSVM line", on_file(), "/problem/file", "data.svm:2: expected a label (a number) at the start of the line, got \"\\x00\\x01\"",
       {{"data.svm", std::string("+1 1:1\n\0\x01 1:1\n", 14)}}},
      // --- NaN and infinite values in the data
      {"NaN/inf in data", on_file(), "/problem/file", "data.svm:2: feature 2 has no finite numeric value: \"nan\"",
       {{"data.svm", "+1 1:1\n-1 2:nan\n"}}},
      {"NaN/inf in data", on_file(), "/problem/file", "data.svm:1: feature 1 has no finite numeric value: \"-inf\"",
       {{"data.svm", "+1 1:-inf\n-1 2:1\n"}}},
      {"NaN/inf in data", on_file(), "/problem/file", "data.svm:2: feature 1: value \"1e400\" is too large for a double",
       {{"data.svm", "+1 1:1\n-1 1:1e400\n"}}},
      {"NaN/inf in data", on_file(), "/problem/file", "data.svm:1: expected a label (a number) at the start of the line, got \"nan\"",
       {{"data.svm", "nan 1:1\n-1 2:1\n"}}},
      {"NaN/inf in data", on_file(), "/problem", "the problem's constants are not finite",
       {{"data.svm", "+1 1:1e200 2:1\n-1 1:-1 2:3\n+1 1:2\n-1 2:-1\n"}}},
      // --- a dimension mismatch between the file and the spec
      {"dimension mismatch", on_file(", \"dim\": 2"), "/problem/file", "data.svm:2: feature index 3 exceeds the dimension 2",
       {{"data.svm", kGoodLibsvm}}},
      {"dimension mismatch", on_file(", \"init\": \"point\", \"point\": [1, 2]"), "/problem/point",
       "must have 3 entries (the problem's dimension), got 2", {{"data.svm", kGoodLibsvm}}},
      {"dimension mismatch", with(R"({"problem": {"init": "point", "point": [1, 2, 3]}})"), "/problem/point",
       "must have 5 entries"},
      // --- duplicate variant labels
      {"duplicate variant label", with(R"({"variants": [{"label": "a", "schedule": {"type": "sync"}}, {"label": "a", "schedule": {"type": "one_shot"}}]})"),
       "/variants/1/label", "duplicate label \"a\""},
      {"duplicate variant label", with(R"({"variants": [{"label": "", "schedule": {"type": "sync"}}]})"),
       "/variants/0/label", "must be a non-empty string"},
      // --- a sweep path that does not exist
      {"sweep path that does not exist", with(R"({"sweep": {"schedule.perod": [1, 2]}, "variants": null, "schedule": {"type": "fixed", "period": 5}})"), "/sweep/schedule.perod/0",
       "did you mean \"period\"?"},
      {"sweep path that does not exist", with(R"({"sweep": {"shedule.period": [1, 2]}})"), "/sweep/shedule.period",
       "\"shedule\" is not a run-level key (valid: "},
      {"sweep path that does not exist", with(R"({"sweep": {"schedule.period": [1, 2]}})"), "/sweep/schedule.period/0",
       "unknown key \"period\" in schedule type \"sync\" (it takes no parameters)"},
      {"sweep path that does not exist", with(R"({"sweep": {"clock.network.latency": [1, 2]}})"), "/sweep/clock.network.latency",
       "\"clock\" is not an object in the run of variant \"sync\""},
      {"sweep path that does not exist", with(R"({"sweep": {"workers.count": [1]}})"), "/sweep/workers.count",
       "\"workers\" is not an object"},
      {"sweep path that does not exist", with(R"({"sweep": {"schedule..period": [1]}})"), "/sweep/schedule..period",
       "a sweep key must be a dotted path"},
      // --- memory: refused with the estimate and the limit, before anything is allocated
      {"needs more memory than allowed", with(R"({"problem": {"samples": 1000000000, "dim": 1000}})"), "/problem",
       "needs about 14.6 TiB of memory (least_squares with 1000000000 samples x 1000 dims", {}, "--max-memory 8G"},
      {"needs more memory than allowed", with(R"({"steps": 1000000000000, "eval": {"every": 1, "points": null}})"), "/",
       "metric rows); the limit is 8.00 GiB (--max-memory 8G); evaluate at fewer points", {}, "--max-memory 8G"},
      {"needs more memory than allowed", with(R"({"workers": 10000000, "problem": {"samples": 100000000, "dim": 1}})"), "/problem",
       "per run x 1 concurrent run); the limit is 8.00 GiB", {}, "--max-memory 8G --threads 1"},
      {"needs more memory than allowed", with("{}"), "/", "the limit is 1.00 KiB (--max-memory 1K)", {}, "--max-memory 1K"},
      // --- command line
      {"bad command line", with("{}"), "error: --max-memory: expected a size such as 8G", "got \"lots\"", {}, "--max-memory lots"},
      {"bad command line", with("{}"), "error: missing.json: cannot open the spec file for reading", "", {}, "MISSING"},
      // --- labels, names and strings: no control characters, bounded length (class 5)
      {"control character or unbounded string", with_label("a\nb"), "/variants/0/label",
       "a label contains the control character 0x0a at byte 1; control characters (0x00 to 0x1f, 0x7f) are not allowed"},
      {"control character or unbounded string", with_label("a\rb"), "/variants/0/label", "control character 0x0d at byte 1"},
      {"control character or unbounded string", with_label(std::string("ab\0c", 4)), "/variants/0/label",
       "control character 0x00 at byte 2"},
      {"control character or unbounded string", with_label("tab\there"), "/variants/0/label", "control character 0x09 at byte 3"},
      {"control character or unbounded string", with_label("del\x7f"), "/variants/0/label", "control character 0x7f at byte 3"},
      {"control character or unbounded string", with_label("\x1b[31mred"), "/variants/0/label", "control character 0x1b at byte 0"},
      {"control character or unbounded string", with_label(std::string(201, 'x')), "/variants/0/label",
       "a label is 201 bytes long; at most 200 bytes are allowed"},
      {"control character or unbounded string", with_label(std::string(1 << 20, 'x')), "/variants/0/label",
       "a label is 1048576 bytes long; at most 200 bytes are allowed"},
      {"control character or unbounded string", with_value("/name", Json("run\n1")), "/name",
       "usable as a folder name: the name contains the control character 0x0a at byte 3"},
      {"control character or unbounded string", with_value("/name", Json(std::string(256, 'n'))), "/name",
       "the name is 256 bytes long; at most 200 bytes are allowed"},
      {"control character or unbounded string", on_file().replace(on_file().find("data.svm"), 8, "data\\n.svm"),
       "/problem/file", "a string contains the control character 0x0a at byte 4", {{"data\n.svm", kGoodLibsvm}}},
      {"control character or unbounded string", on_file().replace(on_file().find("data.svm"), 8, std::string(5000, 'f')),
       "/problem/file", "a string is 5000 bytes long; at most 4096 bytes are allowed"},
      {"control character or unbounded string", swept_files({"data.svm", "data\\u0001.svm"}), "/sweep/problem.file/1",
       "a string contains the control character 0x01 at byte 4", {{"data.svm", kGoodLibsvm}}},
      // --- command-line numbers: the option, the rule and the bound (class 7)
      {"command-line number", with("{}"), "error: --max-memory: expected a size such as 8G, 512M or 100000 (bytes)",
       "got \"1e999G\"", {}, "--max-memory 1e999G"},
      {"command-line number", with("{}"), "error: --max-memory: is too large: at most 8388608T (2^63 bytes)",
       "got \"99999999999999999999T\"", {}, "--max-memory 99999999999999999999T"},
      {"command-line number", with("{}"), "error: --max-memory: is too large: at most 8388608T (2^63 bytes)", "",
       {}, "--max-memory " + std::string(400, '9') + "G"},
      {"command-line number", with("{}"), "error: --max-memory: must be at least 1 byte", "got \"0\"", {}, "--max-memory 0"},
      {"command-line number", with("{}"), "error: --max-memory: must be at least 1 byte", "got \"0.5\"", {}, "--max-memory 0.5"},
      {"command-line number", with("{}"), "error: --max-memory: expected a size", "got \"\"", {}, "--max-memory ''"},
      {"command-line number", with("{}"), "error: --threads: must be an integer >= 1 and <= 1024", "got \"0\"", {}, "--threads 0"},
      {"command-line number", with("{}"), "error: --threads: must be an integer >= 1 and <= 1024", "got \"-1\"", {}, "--threads -1"},
      {"command-line number", with("{}"), "error: --threads: must be an integer >= 1 and <= 1024", "got \"1e3\"", {}, "--threads 1e3"},
      {"command-line number", with("{}"), "error: --threads: is too large: must be an integer >= 1 and <= 1024",
       "got \"99999999999\"", {}, "--threads 99999999999"},
      {"command-line number", with("{}"), "error: --threads: is too large: must be an integer >= 1 and <= 1024",
       "got \"1025\"", {}, "--threads 1025"},
      {"command-line number", with("{}"), "error: --threads: must be an integer >= 1 and <= 1024", "got \"abc\"", {}, "--threads abc"},
      {"command-line number", with("{}"), "error: --threads: must be an integer >= 1 and <= 1024", "got \"\"", {}, "--threads ''"},
      {"command-line number", with("{}"), "error: The following argument", "(run with --help for usage)", {}, "--thread 2"},
      // --- huge lists: sizes before contents, every check linear (class 8)
      {"huge list refused before reading", with(("{\"seeds\": " + long_list(1000000) + "}").c_str()), "/seeds",
       "has 1000000 seeds; a spec may have at most 100000 runs"},
      {"huge list refused before reading", with(("{\"seeds\": " + long_list(99999).replace(1, 1, "99998") + "}").c_str()),
       "/seeds/99998", "duplicate seed 99998 (the same as /seeds/0)"},
      {"huge list refused before reading",
       with(("{\"variants\": null, \"schedule\": {\"type\": \"sync\"}, \"seeds\": 1, \"sweep\": {\"problem.data_seed\": " +
             long_list(100000).replace(1, 1, "99999") + "}}").c_str()),
       "/sweep/problem.data_seed/99999", "duplicate value number 99999 (the same as /sweep/problem.data_seed/0)"},
      {"huge list refused before reading",
       with(("{\"sweep\": {\"problem.data_seed\": " + long_list(1000000) + "}}").c_str()), "/",
       "the spec expands to 4000000 runs"},
      // --- duplicate sweep values, zip tuples and seeds, compared canonically (class 9)
      {"duplicate sweep value or seed", with(R"({"sweep": {"workers": [2, 2]}})"), "/sweep/workers/1",
       "duplicate value number 2 (the same as /sweep/workers/0): every run would be made and counted twice"},
      {"duplicate sweep value or seed", with(R"({"sweep": {"workers": [2, 3, 2.0]}})"), "/sweep/workers/2",
       "duplicate value number 2.0 (the same as /sweep/workers/0)"},
      {"duplicate sweep value or seed", with(R"({"sweep": {"steps": [100, 1e2]}})"), "/sweep/steps/1",
       "(the same as /sweep/steps/0)"},
      {"duplicate sweep value or seed", with(R"({"sweep": {"step_size.eta0": [0.1, 0.10]}})"), "/sweep/step_size.eta0/1",
       "(the same as /sweep/step_size.eta0/0)"},
      {"duplicate sweep value or seed", with(R"({"sweep": {"eval.spacing": ["log", "linear", "log"]}})"),
       "/sweep/eval.spacing/2", "duplicate value string \"log\" (the same as /sweep/eval.spacing/0)"},
      {"duplicate sweep value or seed",
       with(R"({"variants": null, "sweep": {"schedule": [{"type": "fixed", "period": 5}, {"period": 5.0, "type": "fixed"}]}})"),
       "/sweep/schedule/1", "(the same as /sweep/schedule/0)"},
      {"duplicate sweep value or seed", with(R"({"sweep": {"zip": {"workers": [2, 3, 2], "batch": [1, 1, 1]}}})"),
       "/sweep/zip/batch/2", "duplicate zip tuple: item 2 of every path of this group equals item 0"},
      {"duplicate sweep value or seed",
       with(R"({"sweep": {"zip": [{"steps": [100, 200]}, {"workers": [2, 3, 2.0], "batch": [1, 2, 1]}]}})"),
       "/sweep/zip/1/batch/2", "duplicate zip tuple"},
      {"duplicate sweep value or seed", with(R"({"seeds": [1, 1.0]})"), "/seeds/1",
       "duplicate seed 1 (the same as /seeds/0): a seed listed twice counts its run twice"},
      {"duplicate sweep value or seed", with(R"({"seeds": [3, 5, 3]})"), "/seeds/2", "duplicate seed 3 (the same as /seeds/0)"},
      {"duplicate sweep value or seed", with(R"({"seeds": [5, 5e0]})"), "/seeds/1", "duplicate seed 5"},
      {"duplicate sweep value or seed", with(R"({"plots": [{"x": "step", "y": "gap"}, {"x": "step", "y": "gap", "log_y": false}]})"),
       "/plots/1", "duplicate plot gap_vs_step (the same as /plots/0)"},
      {"duplicate sweep value or seed",
       with(R"({"variants": [{"label": "a", "schedule": {"type": "sync"}}, {"label": "b", "schedule": {"type": "sync"}}, {"label": "a", "schedule": {"type": "sync"}}]})"),
       "/variants/2/label", "duplicate label \"a\" (the same as /variants/0/label)"},
      // --- a name, given or taken from the file name, is one folder inside the output folder (class 10)
      {"name outside the output folder", with(R"({"name": null})"), "/name",
       "missing, and the default name (the spec file's name without .json, \".\") is \".\"", {}, "", "..json"},
      {"name outside the output folder", with(R"({"name": null})"), "/name", "add \"name\": \"...\" to the spec", {}, "", "...json"},
      {"name outside the output folder", with(R"({"name": null})"), "/name", "contains the control character 0x0a at byte 1",
       {}, "", "a\nb.json"},
      {"name outside the output folder", with(R"({"name": null})"), "/name", "is 250 bytes long; at most 200 bytes",
       {}, "", std::string(250, 'a') + ".json"},
      {"name outside the output folder", with(R"({"name": "."})"), "/name", "the name is \".\", which is not a folder inside"},
      {"name outside the output folder", with(R"({"name": ".."})"), "/name", "the name is \"..\", which is not a folder inside"},
      {"name outside the output folder", with(R"({"name": ""})"), "/name", "the name is empty"},
      {"name outside the output folder", with(R"({"name": "a\\b"})"), "/name", "the name contains '/' or '\\'"},
      // --- numbers out of range: one rule for JSON and LIBSVM, "too large" with the bound (class 14)
      {"number out of range", literal(with("{}"), "0.3", "1e-400"), "/problem/noise",
       "the number 1e-400 is too small for a double (a nonzero magnitude below 2.2250738585072014e-308"},
      {"number out of range",
       literal(with(R"({"problem": {"type": "quadratic", "spectrum": "explicit", "eigenvalues": [1, 0.5], "samples": null, "dim": null, "noise": null}})"), "0.5", "1e-320"),
       "/problem/eigenvalues/1", "the number 1e-320 is too small for a double"},
      {"number out of range", literal(with(R"({"clock": {"compute": {"type": "constant", "seconds": 0.5}}})"), "0.5", "1e-310"),
       "/clock/compute/seconds", "is too small for a double"},
      {"number out of range", on_file(), "/problem/file", "data.svm:2: feature 1: value \"1e-400\" is too small for a double",
       {{"data.svm", "+1 1:1\n-1 1:1e-400\n+1 2:1\n"}}},
      {"number out of range", on_file(), "/problem/file", "data.svm:1: feature 2: value \"1e-320\" is too small for a double",
       {{"data.svm", "+1 1:1 2:1e-320\n-1 1:1\n+1 2:1\n"}}},
      {"number out of range", on_file(), "/problem/file", "data.svm:3: label \"1e999\" is too large for a double",
       {{"data.svm", "+1 1:1\n-1 1:1\n1e999 2:1\n"}}},
      {"number out of range", with(R"({"seeds": [18446744073709551615]})"), "/seeds/0",
       "is too large: must be integer >= 0 and <= 9223372036854775807, got 18446744073709551615"},
      {"number out of range", with(R"({"seeds": 18446744073709551615})"), "/seeds",
       "is too large: must be integer >= 1 and <= 1000000, got 18446744073709551615"},
      {"number out of range", with(R"({"steps": 3e29})"), "/steps",
       "is too large: must be integer >= 1 and <= 1000000000000, got 3e+29"},
      {"number out of range", with(R"({"batch": 99999999999999999999})"), "/batch", "is too large: must be integer >= 1 and <= 10000000"},
      {"number out of range", with(R"({"problem": {"data_seed": 18446744073709551615}})"), "/problem/data_seed",
       "is too large: must be integer >= 0 and <= 9223372036854775807"},
      {"number out of range",
       with(R"({"problem": {"type": "quadratic", "spectrum": "geometric", "mu": 1e-300, "L": 1e300, "samples": null, "noise": null}})"),
       "/problem/L", "L / mu = 1e+300 / 1e-300 overflows double precision"},
      // --- an --out that is not a folder: say what it is (class 14)
      {"--out that is not a folder", with("{}"), "error: taken: is a file, not a folder; choose another --out", "",
       {{"taken", "a user's file"}}, "", "bad.json", "taken"},
      {"--out that is not a folder", with("{}"), "error: link: is a symbolic link to \"taken\" to a file, not to a folder",
       "", {{"taken", "a user's file"}}, "", "bad.json", "link", {{"link", "taken"}}},
      {"--out that is not a folder", with("{}"), "error: link: is a dangling symbolic link (it points to \"nowhere\", which does not exist)",
       "", {}, "", "bad.json", "link", {{"link", "nowhere"}}},
      {"--out that is not a folder", with("{}"), "error: taken/results: cannot be created: taken is a file, not a folder", "",
       {{"taken", "a user's file"}}, "", "bad.json", "taken/results"},
      {"--out that is not a folder", with("{}"), "error: /dev/null: is a device, not a folder", "", {}, "", "bad.json", "/dev/null"},
  };
  return c;
}

}  // namespace

TEST_CASE("bad-input matrix: exit 2, one line naming file, path or line, and rule; no results folder") {
  const auto all = cases();
  std::map<std::string, int> per_class;
  for (const Case& c : all) {
    ++per_class[c.klass];
    ScratchDir dir;
    write_file(dir / c.spec_name, c.spec);
    for (const auto& [name, content] : c.files) {
      std::filesystem::create_directories((dir / name).parent_path());
      write_file(dir / name, content);
    }
    for (const auto& [name, target] : c.links) std::filesystem::create_symlink(target, dir / name);
    std::string spec_arg = "'" + c.spec_name + "'";
    std::string args = c.args;
    if (args == "DIRECTORY") {
      std::filesystem::create_directories(dir / "folder.json");
      spec_arg = "folder.json";
      args = "";
    } else if (args == "MISSING") {
      spec_arg = "missing.json";
      args = "";
    }
    const auto result = run_cli(dir, "run " + spec_arg + " --out " + c.out + " " + args);
    INFO(c.klass << " | " << c.where << " | " << c.rule);
    INFO("stderr: " << result.err);
    CHECK(result.exit_code == 2);
    // Messages show control bytes of a file name as \xNN, so that they stay one line.
    std::string shown = c.spec_name;
    for (std::size_t at; (at = shown.find('\n')) != std::string::npos;) shown.replace(at, 1, "\\x0a");
    const std::string expected = c.where.rfind("error: ", 0) == 0 ? c.where
                                 : spec_arg == "folder.json"      ? "error: folder.json: is a folder, not a spec file"
                                                                  : "error: " + shown + ": " + c.where;
    CHECK_THAT(result.err, Catch::StartsWith(expected));
    CHECK_THAT(result.err, Catch::Contains(c.rule));
    CHECK(lines(result.err).size() == 1);
    CHECK(result.out.empty());
    CHECK_FALSE(std::filesystem::exists(dir / "results"));
    CHECK_FALSE(std::filesystem::exists(dir / "out"));
    if (c.out != "results" && c.out.rfind("/", 0) != 0) {
      // The file or link given as --out is untouched.
      CHECK(std::filesystem::symlink_status(dir / c.out).type() ==
            (c.links.contains(c.out) ? std::filesystem::file_type::symlink
             : c.files.contains(c.out) ? std::filesystem::file_type::regular
                                       : std::filesystem::file_type::not_found));
    }
  }
  // Every class of the issue is covered by at least one case; docs/reliability.md reports the counts.
  CHECK(all.size() == 171);
  CHECK(per_class.size() == 23);
  for (const auto& [klass, count] : per_class) {
    INFO(klass);
    CHECK(count >= 1);
  }
}

TEST_CASE("a spec named ..json or ...json without --out writes nothing, neither into out/ nor the working folder") {
  for (const char* file : {"..json", "...json"}) {
    for (const char* flags : {"", " --force"}) {
      ScratchDir dir;
      Json s = kSpec;
      s.erase("name");
      write_file(dir / file, s.dump());
      const auto result = run_cli(dir, std::string("run '") + file + "'" + flags);
      INFO(file << flags << ": " << result.err);
      CHECK(result.exit_code == 2);
      CHECK_THAT(result.err, Catch::StartsWith(std::string("error: ") + file + ": /name: missing, and the default name"));
      CHECK_THAT(result.err, Catch::Contains("add \"name\": \"...\" to the spec"));
      CHECK(lines(result.err).size() == 1);
      CHECK_FALSE(std::filesystem::exists(dir / "out"));
      std::size_t entries = 0;
      for (const auto& entry : std::filesystem::directory_iterator(dir.path())) entries += entry.path().filename() == file ? 0 : 1;
      CHECK(entries == 0);  // no spec.resolved.json, metrics.csv or runs/ next to the spec
    }
  }
}
