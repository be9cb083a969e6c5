// The CSV reader (experiments/store/csv.hpp) reads back exactly what metrics_csv and time_to_target_csv
// write, for hostile strings and extreme doubles, and names the file, line and column of what it
// cannot read.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "experiments/store/csv.hpp"
#include "experiments/store/results.hpp"
#include "support/cli.hpp"

using namespace localsgd;

namespace {

// Equal bits (a nan equals a nan of the same sign: fmt writes no payload).
bool same_double(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) && std::signbit(a) == std::signbit(b);
  return std::memcmp(&a, &b, sizeof a) == 0;
}

std::vector<std::string> hostile_strings() {
  std::vector<std::string> out;
  for (int c = 0; c < 32; ++c) {
    out.push_back(std::string(1, static_cast<char>(c)));
    out.push_back("a" + std::string(1, static_cast<char>(c)) + "b");
  }
  out.push_back(std::string(1, '\x7f'));
  out.push_back("x\x7fy");
  for (const char* s : {"\"", "\"\"", "a\"b", "\"quoted\"", ",", "a,b", ",,", "\r\n", "a\r\nb", "\n\n", "\r", "a\rb",
                        "\",\r\n\"", " lead", "trail ", "τ=10 – ü 😀", "=1+2", "", "#", "a;b", "\\", "\\n"}) {
    out.emplace_back(s);
  }
  std::string long_string;
  for (int i = 0; long_string.size() < 100000; ++i) long_string += i % 7 == 0 ? "\"\r\n," : "abcxyz0123";
  out.push_back(long_string);
  return out;
}

std::vector<double> extreme_doubles() {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> out = {4.9e-324, -4.9e-324, 2.2e-308, 2.225073858507201e-308, 2.2250738585072014e-308,
                             1.7976931348623157e308, -1.7976931348623157e308, 0.0, -0.0, inf, -inf, nan, -nan,
                             1e-320, 1e-310, 0.1, 1.0 / 3.0, 123456789.0, 1e22, 9007199254740993.0};
  std::mt19937_64 bits(12345);  // random bit patterns, every exponent
  while (out.size() < 200) {
    const std::uint64_t word = bits();
    double value = 0;
    std::memcpy(&value, &word, sizeof value);
    out.push_back(value);
  }
  return out;
}

}  // namespace

TEST_CASE("metrics.csv and time_to_target.csv read back equal for hostile strings and extreme doubles") {
  const auto strings = hostile_strings();
  const auto numbers = extreme_doubles();
  ExperimentSpec spec;
  spec.swept_paths = {"note", "a,\"b\"\nc"};  // a hostile column name too
  std::vector<RunRecord> records;
  for (std::size_t i = 0; i < strings.size(); ++i) {
    RunSpec run;
    run.index = i;
    run.variant = strings[i];
    run.seed = i == 0 ? std::numeric_limits<std::uint64_t>::max() : i;
    run.swept = {{"note", strings[(i + 1) % strings.size()]}, {"a,\"b\"\nc", strings[(i + 2) % strings.size()]}};
    spec.runs.push_back(run);
    RunRecord record;
    for (std::size_t k = 0; k < 3; ++k) {
      auto at = [&](std::size_t j) { return numbers[(i * 7 + k * 5 + j) % numbers.size()]; };
      record.rows.push_back({static_cast<long>(i * 1000 + k), static_cast<int>(k),
                             k == 2 ? std::numeric_limits<long>::max() : static_cast<long>(k), at(0), at(1), at(2),
                             at(3), at(4)});
    }
    const TargetOutcome target_hit{Target{TargetMetric::gap, numbers[i % numbers.size()], TargetCheck::syncs},
                                   TargetHit{7, 2, 56, numbers[(i + 3) % numbers.size()], 0.0, i % 2 == 0}};
    const TargetOutcome target_missed{
        Target{TargetMetric::loss, numbers[(i + 5) % numbers.size()], TargetCheck::syncs_and_evaluations}, {}};
    record.summary.targets = {target_hit, target_missed};
    records.push_back(std::move(record));
  }

  SECTION("metrics.csv") {
    const CsvTable table = parse_csv(metrics_csv(spec, records), "metrics.csv");
    REQUIRE(table.header == std::vector<std::string>{"run", "variant", "seed", "note", "a,\"b\"\nc", "step", "round",
                                                     "samples", "time", "loss", "gap", "grad_norm_sq", "consensus"});
    REQUIRE(table.rows.size() == 3 * strings.size());
    for (std::size_t i = 0; i < strings.size(); ++i) {
      for (std::size_t k = 0; k < 3; ++k) {
        const std::size_t r = 3 * i + k;
        const auto& row = table.rows[r];
        INFO("run " << i << " row " << k);
        CHECK(row[0] == std::to_string(i));
        CHECK(row[1] == strings[i]);
        CHECK(row[2] == std::to_string(spec.runs[i].seed));
        CHECK(row[3] == strings[(i + 1) % strings.size()]);
        CHECK(row[4] == strings[(i + 2) % strings.size()]);
        const Evaluation& e = records[i].rows[k];
        CHECK(row[5] == std::to_string(e.step));
        CHECK(row[6] == std::to_string(e.round));
        CHECK(row[7] == std::to_string(e.samples));
        CHECK(same_double(table.number(r, 8), e.time));
        CHECK(same_double(table.number(r, 9), e.loss));
        CHECK(same_double(table.number(r, 10), e.gap));
        CHECK(same_double(table.number(r, 11), e.grad_norm_sq));
        CHECK(same_double(table.number(r, 12), e.consensus));
      }
    }
  }
  SECTION("time_to_target.csv") {
    const CsvTable table = parse_csv(time_to_target_csv(spec, records), "time_to_target.csv");
    REQUIRE(table.rows.size() == 2 * strings.size());
    const std::size_t value = table.column("value"), time = table.column("time"), reached = table.column("reached");
    for (std::size_t i = 0; i < strings.size(); ++i) {
      INFO("run " << i);
      const auto& hit = table.rows[2 * i];
      const auto& missed = table.rows[2 * i + 1];
      CHECK(hit[1] == strings[i]);
      CHECK(missed[1] == strings[i]);
      CHECK(hit[4] == strings[(i + 2) % strings.size()]);
      CHECK(same_double(table.number(2 * i, value), numbers[i % numbers.size()]));
      CHECK(same_double(table.number(2 * i, time), numbers[(i + 3) % numbers.size()]));
      CHECK(hit[reached] == "true");
      CHECK(same_double(table.number(2 * i + 1, value), numbers[(i + 5) % numbers.size()]));
      CHECK(missed[reached] == "false");
      CHECK(missed[time].empty());
    }
  }
}

TEST_CASE("parse_double reads every spelling fmt writes, exactly, and nothing else") {
  for (double v : extreme_doubles()) {
    INFO(fmt::format("{}", v));
    const auto back = parse_double(fmt::format("{}", v));
    REQUIRE(back.has_value());
    CHECK(same_double(*back, v));
  }
  for (const char* bad : {"", " 1", "1 ", "+1", "abc", "1,5", "0x1p3", "1e400", "-1e400", "1e-400", "--1", "inf "}) {
    INFO(bad);
    CHECK_FALSE(parse_double(bad).has_value());
  }
}

TEST_CASE("CSV errors name the file, the line and the column") {
  SECTION("a cell that is not a number") {
    const CsvTable t = parse_csv("run,gap\n0,1.5\n1,abc\n", "out/x/metrics.csv");
    CHECK(t.number(0, 1) == 1.5);
    try {
      t.number(1, 1);
      FAIL("no error");
    } catch (const CsvError& e) {
      CHECK(std::string(e.what()) == "out/x/metrics.csv:3: column \"gap\": not a number: \"abc\"");
    }
  }
  SECTION("a number out of the range of a double, and control bytes shown escaped") {
    const CsvTable t = parse_csv("gap,loss\n1e400,\"a\x01\nb\"\n", "m.csv");
    CHECK_THROWS_WITH(t.number(0, 0), "m.csv:2: column \"gap\": out of the range of a double: \"1e400\"");
    CHECK_THROWS_WITH(t.number(0, 1), "m.csv:2: column \"loss\": not a number: \"a\\x01\\x0ab\"");
  }
  SECTION("line numbers count the line breaks inside quoted fields") {
    CHECK_THROWS_WITH(parse_csv("a,b\n\"x\ny\",1\n\"p\r\nq\",2\n3\n", "m.csv"), "m.csv:6: has 1 field, the header has 2");
    CHECK_THROWS_WITH(parse_csv("a,b\n1,2\n\"never closed,3\n4,5\n", "m.csv"),
                      "m.csv:3: a quoted field opened on this line is never closed");
  }
  SECTION("quotes that break RFC 4180") {
    CHECK_THROWS_WITH(parse_csv("a,b\n1,x\"y\n", "m.csv"), Catch::StartsWith("m.csv:2: column 2: a quote inside an unquoted field"));
    CHECK_THROWS_WITH(parse_csv("a,b\n\"x\"y,1\n", "m.csv"),
                      Catch::StartsWith("m.csv:2: column 1: a quoted field must be followed by a comma"));
  }
  SECTION("an empty file and a missing column") {
    CHECK_THROWS_WITH(parse_csv("", "m.csv"), "m.csv: empty file (no header line)");
    CHECK_THROWS_WITH(parse_csv("a,b\n", "m.csv").column("gap"), "m.csv: has no column \"gap\"");
  }
  SECTION("CRLF, a lone CR and blank lines end records; a last line without a line break is read") {
    const CsvTable t = parse_csv("a,b\r\n1,2\r\n\r\n3,4\r5,\"6\"", "m.csv");
    CHECK(t.rows == std::vector<std::vector<std::string>>{{"1", "2"}, {"3", "4"}, {"5", "6"}});
    CHECK(t.lines == std::vector<std::size_t>{2, 4, 5});
  }
  SECTION("read_csv names the path of a file it cannot open") {
    test::ScratchDir dir;
    CHECK_THROWS_WITH(read_csv(dir / "missing.csv"),
                      (dir / "missing.csv").string() + ": cannot open for reading: No such file or directory");
  }
}
