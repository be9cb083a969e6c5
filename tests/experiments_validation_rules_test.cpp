// The validation rules of reliability v2: one number rule for the spec reader and the LIBSVM
// reader, the text rules for labels, names and strings, command-line numbers, and duplicate
// sweep values compared canonically (without refusing distinct ones).
#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include "core/number_text.hpp"
#include "experiments/cli/command_line.hpp"
#include "experiments/language/json_reader.hpp"
#include "experiments/language/spec_error.hpp"
#include "experiments/catalog/memory.hpp"
#include "experiments/spec/spec.hpp"
#include "experiments/language/text_rules.hpp"
#include "problems/libsvm.hpp"

using namespace localsgd;

namespace {

bool json_accepts(const std::string& literal) {
  try {
    parse_strict_json("{\"x\": " + literal + "}");
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

bool libsvm_accepts(const std::string& literal) {
  std::istringstream in("+1 1:" + literal + "\n-1 1:1\n");
  try {
    parse_libsvm(in, "data.svm", LibsvmOptions{});
    return true;
  } catch (const LibsvmError&) {
    return false;
  }
}

Json small_spec() {
  return Json::parse(R"({"problem": {"type": "least_squares", "samples": 100, "dim": 3}, "workers": 2, "steps": 20,
                         "schedule": {"type": "sync"}, "step_size": {"type": "constant", "value": 0.1}})");
}

}  // namespace

TEST_CASE("number rule: 0 or a normal finite double; underflow and overflow refused, in JSON and LIBSVM alike") {
  CHECK(parse_number_text("1e-400").error == NumberTextError::too_small);
  CHECK(parse_number_text("1e-320").error == NumberTextError::too_small);
  CHECK(parse_number_text("-4.9e-324").error == NumberTextError::too_small);
  CHECK(parse_number_text("1e-5000").error == NumberTextError::too_small);
  CHECK(parse_number_text("0." + std::string(400, '0') + "1").error == NumberTextError::too_small);
  CHECK(parse_number_text("1e400").error == NumberTextError::too_large);
  CHECK(parse_number_text("-1e400").error == NumberTextError::too_large);
  CHECK(parse_number_text("1e5000").error == NumberTextError::too_large);
  CHECK(parse_number_text(std::string(400, '9')).error == NumberTextError::too_large);
  CHECK(parse_number_text("nan").error == NumberTextError::not_finite);
  CHECK(parse_number_text("-inf").error == NumberTextError::not_finite);
  CHECK(parse_number_text("abc").error == NumberTextError::malformed);
  CHECK(parse_number_text("1.5x").error == NumberTextError::malformed);
  CHECK(parse_number_text("++1").error == NumberTextError::malformed);
  CHECK(parse_number_text("").error == NumberTextError::malformed);
  for (const char* zero : {"0", "0.0", "-0", "0e-400", "-0.000e5"}) {
    INFO(zero);
    const NumberText parsed = parse_number_text(zero);
    CHECK(parsed);
    CHECK(parsed.value == 0.0);
  }
  CHECK(parse_number_text("2.2250738585072014e-308").value == 2.2250738585072014e-308);
  CHECK(parse_number_text("1.7976931348623157e308").value == 1.7976931348623157e308);
  CHECK(parse_number_text("+0.25").value == 0.25);
  CHECK(describe_number_error(NumberTextError::too_small).find("2.2250738585072014e-308") != std::string::npos);

  // The same verdict from both readers, for every literal that is valid JSON.
  for (const std::string literal :
       {"1e-400", "1e-320", "-1e-310", "2.2250738585072014e-308", "2.2e-308", "0.0", "0e-999", "1e308", "1.5",
        "-3.25e-100", "1e-307", "4.9e-324"}) {
    INFO(literal);
    const bool rule = static_cast<bool>(parse_number_text(literal));
    CHECK(json_accepts(literal) == rule);
    CHECK(libsvm_accepts(literal) == rule);
  }
}

TEST_CASE("text rules: every control character and unbounded length refused; folder names strictly inside") {
  for (int byte = 0; byte < 128; ++byte) {
    const std::string text = std::string("ab") + static_cast<char>(byte) + "c";
    const bool control = byte < 0x20 || byte == 0x7f;
    INFO(byte);
    CHECK(text_rule_broken(text, kMaxLabelBytes).has_value() == control);
  }
  CHECK_FALSE(text_rule_broken(std::string(200, 'x'), kMaxLabelBytes));
  CHECK(*text_rule_broken(std::string(201, 'x'), kMaxLabelBytes) == "is 201 bytes long; at most 200 bytes are allowed");
  CHECK_FALSE(text_rule_broken("quotes \" and , commas; UTF-8 \xc3\xa9", kMaxLabelBytes));
  for (const char* bad : {"", ".", "..", "a/b", "a\\b", "/", "x\ny", "\x7f"}) {
    INFO(bad);
    CHECK(folder_name_rule_broken(bad).has_value());
  }
  for (const char* good : {"run", "...", ".hidden", "a b", "tau=10"}) {
    INFO(good);
    CHECK_FALSE(folder_name_rule_broken(good).has_value());
  }
  CHECK(printable_text("a\nb\x01") == "a\\x0ab\\x01");
  CHECK(quoted_for_message(std::string(100, 'q')) == "\"" + std::string(60, 'q') + "...\"");
}

TEST_CASE("command-line numbers: --threads and --max-memory by rule and bound, never an exception") {
  std::string why;
  CHECK(parse_thread_count("1", &why) == 1);
  CHECK(parse_thread_count("1024", &why) == 1024);
  for (const char* bad : {"0", "-1", "1e3", "2.5", "abc", "", "1025", "99999999999", "99999999999999999999999"}) {
    INFO(bad);
    why.clear();
    CHECK_FALSE(parse_thread_count(bad, &why));
    CHECK_THAT(why, Catch::StartsWith("--threads: "));
    CHECK_THAT(why, Catch::Contains("must be an integer >= 1 and <= 1024"));
  }
  CHECK(parse_bytes("8G") == 8ull << 30);
  CHECK(parse_bytes("1.5GiB") == 3ull << 29);
  CHECK(parse_bytes("8388608T") == 1ull << 63);
  for (const char* bad : {"8388609T", "99999999999999999999T", "1e999G", "0", "0.4", "lots", "", "-1G"}) {
    INFO(bad);
    why.clear();
    CHECK_NOTHROW(parse_bytes(bad, &why));
    CHECK_FALSE(parse_bytes(bad, &why));
    CHECK_FALSE(why.empty());
  }
  CHECK(parse_bytes(std::string(400, '9') + "G", &why) == std::nullopt);
  CHECK(why == "is too large: at most 8388608T (2^63 bytes)");
}

TEST_CASE("duplicates are found canonically, and distinct values or tuples are not refused") {
  Json s = small_spec();
  s["sweep"] = Json::parse(R"({"zip": {"workers": [2, 2, 3], "batch": [1, 2, 1]}})");
  CHECK(parse_spec(s, "t").runs.size() == 3);  // repeated per path, distinct as tuples
  s["sweep"] = Json::parse(R"({"step_size.value": [0.1, 0.10000000000000002]})");
  CHECK(parse_spec(s, "t").runs.size() == 2);  // neighbouring doubles are different values
  s["sweep"] = Json::parse(R"({"step_size.value": [0.1, 1e-1]})");
  CHECK_THROWS_WITH(parse_spec(s, "t"), Catch::Contains("/sweep/step_size.value/1: duplicate value"));
  s.erase("sweep");
  s["seeds"] = Json::parse("[0, 1, 2, 3, 1e0]");
  CHECK_THROWS_WITH(parse_spec(s, "t"), Catch::Contains("/seeds/4: duplicate seed 1 (the same as /seeds/1)"));
  s["seeds"] = Json::parse("[0, 1, 2, 3, 9223372036854775807]");
  CHECK(parse_spec(s, "t").seeds.back() == 9223372036854775807ull);
  // A derived name obeys the folder-name rule; a given one replaces it.
  s["seeds"] = 1;
  CHECK_THROWS_WITH(parse_spec(s, ".."), Catch::Contains("/name: missing, and the default name"));
  s["name"] = "ok";
  CHECK(parse_spec(s, "..").name == "ok");
}

TEST_CASE("exclusive bounds are declared once and named by their JSON path: momentum's and Adam's betas < 1") {
  auto error_for = [](const Json& optimizer) {
    Json spec = small_spec();
    spec["optimizer"] = optimizer;
    try {
      parse_spec(spec, "t");
    } catch (const SpecError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_for({{"type", "momentum"}, {"beta", 1}}) == "/optimizer/beta: must be number >= 0 and < 1, got 1");
  CHECK(error_for({{"type", "adam"}, {"beta2", 1.0}}) == "/optimizer/beta2: must be number >= 0 and < 1, got 1.0");
  CHECK(error_for({{"type", "adam"}, {"beta1", -0.5}}) == "/optimizer/beta1: must be number >= 0 and < 1, got -0.5");
  CHECK(error_for({{"type", "momentum"}, {"beta", 0.99}}) == "no error");
}
