// experiments/language/params.hpp: declared parameters, read strictly; experiments/language/
// fields.hpp: the same declarations bound to the fields of an options struct.
#include "experiments/language/params.hpp"

#include <catch2/catch.hpp>

#include "experiments/language/fields.hpp"

#include "experiments/language/spec_error.hpp"

using namespace localsgd;

namespace {

std::string error_reading(const Json& object, const ParamSpec& spec) {
  try {
    read_param(object, Location{"/x", nullptr}, spec);
  } catch (const SpecError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("scalar parameters: defaults, integers written as floats, ranges") {
  const auto period = ParamSpec::integer("period", "p").at_least(1).defaults_to(5);
  CHECK(read_param(Json::object(), {"/x", nullptr}, period) == 5);
  CHECK(read_param(Json{{"period", 1e3}}, {"/x", nullptr}, period) == 1000);
  CHECK(error_reading(Json{{"period", 2.5}}, period) == "/x/period: must be an integer, got number 2.5");
  CHECK(error_reading(Json{{"period", 0}}, period) == "/x/period: must be integer >= 1, got 0");
  const auto rate = ParamSpec::number("rate", "r").greater_than(0).at_most(1);
  CHECK(error_reading(Json::object(), rate) == "/x: missing required key \"rate\" (number > 0 and <= 1: r)");
  CHECK(error_reading(Json{{"rate", 1.5}}, rate) == "/x/rate: must be number > 0 and <= 1, got 1.5");
  CHECK(error_reading(Json{{"rate", true}}, rate) == "/x/rate: must be a number, got boolean true");
}

TEST_CASE("exclusive bounds: greater_than and less_than reject the bound itself") {
  const auto beta = ParamSpec::number("beta", "b").at_least(0).less_than(1);
  CHECK(beta.describe_rule() == "number >= 0 and < 1");
  CHECK(read_param(Json{{"beta", 0.999}}, {"/x", nullptr}, beta) == 0.999);
  CHECK(read_param(Json{{"beta", 0}}, {"/x", nullptr}, beta) == 0.0);
  CHECK(error_reading(Json{{"beta", 1}}, beta) == "/x/beta: must be number >= 0 and < 1, got 1");
  const auto below = ParamSpec::number("x", "x").less_than(2);
  CHECK(below.describe_rule() == "number < 2");
  CHECK(error_reading(Json{{"x", 2.0}}, below) == "/x/x: must be number < 2, got 2.0");
  const auto shape = ParamSpec::number("shape", "s").greater_than(1);
  CHECK(error_reading(Json{{"shape", 1}}, shape) == "/x/shape: must be number > 1, got 1");
  CHECK(read_param(Json{{"shape", 1.5}}, {"/x", nullptr}, shape) == 1.5);
}

TEST_CASE("list parameters check every element and point at it") {
  const auto steps = ParamSpec::integer_list("steps", "s").at_least(1).at_least_items(2);
  CHECK(read_param(Json{{"steps", {3, 4.0}}}, {"/x", nullptr}, steps) == Json::array({3, 4}));
  CHECK(error_reading(Json{{"steps", {3, 0}}}, steps) == "/x/steps/1: must be integer >= 1, got 0");
  CHECK(error_reading(Json{{"steps", {3}}}, steps) == "/x/steps: must have at least 2 items, got 1");
  CHECK(error_reading(Json{{"steps", 3}}, steps) ==
        "/x/steps: must be a list of integers, each >= 1, at least 2 items, got number 3");
  const auto values = ParamSpec::number_list("values", "v");
  CHECK(error_reading(Json{{"values", {1, "a"}}}, values) == "/x/values/1: must be a number, got string \"a\"");
}

TEST_CASE("number-or-list parameters keep a number a number and check every element of a list") {
  const auto q = ParamSpec::number_or_list("q", "probability").at_least(0).at_most(1);
  CHECK(q.describe_rule() == "number or list of numbers, each >= 0 and <= 1");
  CHECK(read_param(Json{{"q", 1}}, {"/x", nullptr}, q) == Json(1.0));
  CHECK(read_param(Json{{"q", 1}}, {"/x", nullptr}, q).is_number_float());
  CHECK(read_param(Json{{"q", {0.5, 1}}}, {"/x", nullptr}, q) == Json::array({0.5, 1.0}));
  CHECK(error_reading(Json{{"q", 2}}, q) == "/x/q: must be number >= 0 and <= 1, got 2");
  CHECK(error_reading(Json{{"q", {0.5, -1}}}, q) == "/x/q/1: must be number >= 0 and <= 1, got -1");
  CHECK(error_reading(Json{{"q", "all"}}, q) ==
        "/x/q: must be a number or list of numbers, each >= 0 and <= 1, got string \"all\"");
}

TEST_CASE("optional parameters without a default read as absent") {
  const ParamSpec specs[] = {ParamSpec::number("alpha", "a").optional(), ParamSpec::integer("rounds", "r").optional()};
  const Params params = read_params(Json{{"rounds", 10}}, {"/s", nullptr}, specs, {}, "x");
  CHECK_FALSE(params.has("alpha"));
  CHECK(params.has("rounds"));
  CHECK(params.integer("rounds") == 10);
}

TEST_CASE("closest_name suggests likely typos only") {
  const std::vector<std::string> names = {"sync", "fixed", "one_shot"};
  CHECK(closest_name("fixd", names) == std::optional<std::string>("fixed"));
  CHECK(closest_name("oneshot", names) == std::optional<std::string>("one_shot"));
  CHECK_FALSE(closest_name("adam", names).has_value());
}

TEST_CASE("conditional parameters apply only when their controlling parameter has a listed value") {
  const ParamSpec specs[] = {
      ParamSpec::text("kind", "k").one_of({"a", "b", "c"}).defaults_to("a"),
      ParamSpec::integer("size", "s").defaults_to(3).when("kind", {"a", "b"}),
      ParamSpec::integer("size", "s for c").optional().when("kind", {"c"}),
      ParamSpec::number("rate", "r").when("kind", {"b"}),
  };
  const Params a = read_params(Json::object(), {"/s", nullptr}, specs, {}, "x");
  CHECK(a.json() == Json{{"kind", "a"}, {"size", 3}});
  CHECK_FALSE(a.has("rate"));
  const Params c = read_params(Json{{"kind", "c"}}, {"/s", nullptr}, specs, {}, "x");
  CHECK_FALSE(c.has("size"));
  CHECK(read_params(Json{{"kind", "c"}, {"size", 7}}, {"/s", nullptr}, specs, {}, "x").integer("size") == 7);

  auto error = [&](const Json& object) {
    try {
      read_params(object, {"/s", nullptr}, specs, {}, "x");
    } catch (const SpecError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error(Json{{"rate", 0.5}}) == "/s/rate: \"rate\" applies only when kind is \"b\" (here kind is \"a\")");
  CHECK(error(Json{{"kind", "b"}}) == "/s: missing required key \"rate\" (number: r)");
  CHECK(specs[1].describe_condition() == "only when kind is \"a\" or \"b\"");
}

namespace {

enum class Mode { plain, heavy };

struct SharedPart {
  std::int64_t seed = 0;
  static void fields(auto& f) { f.integer("seed", &SharedPart::seed).at_least(0).defaults_to(7).doc("the seed"); }
};

struct BoundOptions : SharedPart {
  std::int64_t period = -1;
  Mode mode = Mode::plain;
  double beta = -1;
  std::optional<double> scale;
  std::vector<long> steps;
  static void fields(auto& f) {
    f.integer("period", &BoundOptions::period).at_least(1).doc("local steps");
    f.choice("mode", &BoundOptions::mode, {{"plain", Mode::plain}, {"heavy", Mode::heavy}}).defaults_to("plain").doc("m");
    f.number("beta", &BoundOptions::beta).at_least(0).less_than(1).defaults_to(0.9).when("mode", {"heavy"}).doc("b");
    f.number("scale", &BoundOptions::scale).greater_than(0).optional().doc("s");
    f.integer_list("steps", &BoundOptions::steps).at_least(1).defaults_to(Json::array({1, 2})).doc("t");
    SharedPart::fields(f);
  }
};

BoundOptions read_bound(const Json& object) {
  const auto specs = fields_of<BoundOptions>().specs();
  return fields_of<BoundOptions>().read(read_params(object, {"/o", nullptr}, specs, {}, "options"));
}

}  // namespace

TEST_CASE("bound fields: one declaration gives the parameter specs, in order, with their rules and help") {
  const auto specs = fields_of<BoundOptions>().specs();
  REQUIRE(specs.size() == 6);
  CHECK(specs[0].name == "period");
  CHECK(specs[0].kind == ParamKind::integer);
  CHECK(specs[0].help == "local steps");
  CHECK(specs[0].describe_rule() == "integer >= 1");
  CHECK(specs[1].describe_rule() == "one of \"plain\" or \"heavy\"");
  CHECK(specs[2].describe_rule() == "number >= 0 and < 1");
  CHECK(specs[2].describe_condition() == "only when mode is \"heavy\"");
  CHECK(specs[3].is_optional);
  CHECK(specs[5].name == "seed");  // a base's fields, where the struct declares them
  CHECK(specs[5].fallback == 7);
}

TEST_CASE("bound fields: the values read fill the typed fields") {
  const BoundOptions plain = read_bound(Json{{"period", 4}});
  CHECK(plain.period == 4);
  CHECK(plain.mode == Mode::plain);
  CHECK(plain.beta == -1);  // its condition does not hold: the field keeps its initial value
  CHECK_FALSE(plain.scale.has_value());
  CHECK(plain.steps == std::vector<long>{1, 2});
  CHECK(plain.seed == 7);

  const BoundOptions heavy =
      read_bound(Json{{"period", 2}, {"mode", "heavy"}, {"scale", 0.5}, {"steps", {3, 9}}, {"seed", 11}});
  CHECK(heavy.mode == Mode::heavy);
  CHECK(heavy.beta == 0.9);
  CHECK(heavy.scale == std::optional<double>(0.5));
  CHECK(heavy.steps == std::vector<long>{3, 9});
  CHECK(heavy.seed == 11);

  CHECK_THROWS_WITH(read_bound(Json{{"period", 2}, {"mode", "heavy"}, {"beta", 1.0}}),
                    "/o/beta: must be number >= 0 and < 1, got 1.0");
}
