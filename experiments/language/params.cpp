#include "experiments/language/params.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "experiments/language/spec_error.hpp"
#include "experiments/language/text_rules.hpp"

namespace localsgd {

namespace {

ParamSpec make(std::string name, ParamKind kind, std::string help) {
  ParamSpec spec;
  spec.name = std::move(name);
  spec.kind = kind;
  spec.help = std::move(help);
  return spec;
}

std::string format_number(double value) { return fmt::format("{}", value); }

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
    }
  }
  return row[b.size()];
}

}  // namespace

ParamSpec ParamSpec::integer(std::string name, std::string help) { return make(std::move(name), ParamKind::integer, std::move(help)); }
ParamSpec ParamSpec::number(std::string name, std::string help) { return make(std::move(name), ParamKind::number, std::move(help)); }
ParamSpec ParamSpec::text(std::string name, std::string help) { return make(std::move(name), ParamKind::text, std::move(help)); }
ParamSpec ParamSpec::boolean(std::string name, std::string help) { return make(std::move(name), ParamKind::boolean, std::move(help)); }
ParamSpec ParamSpec::integer_list(std::string name, std::string help) {
  return make(std::move(name), ParamKind::integer_list, std::move(help));
}
ParamSpec ParamSpec::number_list(std::string name, std::string help) {
  return make(std::move(name), ParamKind::number_list, std::move(help));
}
ParamSpec ParamSpec::number_or_list(std::string name, std::string help) {
  return make(std::move(name), ParamKind::number_or_list, std::move(help));
}

ParamSpec& ParamSpec::defaults_to(Json value) {
  fallback = std::move(value);
  return *this;
}
ParamSpec& ParamSpec::at_least(double value) {
  minimum = value;
  minimum_exclusive = false;
  return *this;
}
ParamSpec& ParamSpec::greater_than(double value) {
  minimum = value;
  minimum_exclusive = true;
  return *this;
}
ParamSpec& ParamSpec::at_most(double value) {
  maximum = value;
  maximum_exclusive = false;
  return *this;
}
ParamSpec& ParamSpec::less_than(double value) {
  maximum = value;
  maximum_exclusive = true;
  return *this;
}
ParamSpec& ParamSpec::one_of(std::vector<std::string> values) {
  choices = std::move(values);
  return *this;
}
ParamSpec& ParamSpec::optional() {
  is_optional = true;
  return *this;
}
ParamSpec& ParamSpec::at_least_items(std::size_t count) {
  min_items = count;
  return *this;
}
ParamSpec& ParamSpec::when(std::string param, std::vector<std::string> values) {
  condition = Condition{std::move(param), std::move(values)};
  return *this;
}
ParamSpec& ParamSpec::doc(std::string text) {
  help = std::move(text);
  return *this;
}

bool ParamSpec::applies(const Json& values_so_far) const {
  if (!condition) return true;
  if (!values_so_far.is_object() || !values_so_far.contains(condition->param)) return false;
  const Json& control = values_so_far.at(condition->param);
  return control.is_string() &&
         std::find(condition->values.begin(), condition->values.end(), control.get<std::string>()) !=
             condition->values.end();
}

std::string ParamSpec::describe_condition() const {
  if (!condition) return "";
  std::vector<std::string> quoted;
  for (const auto& v : condition->values) quoted.push_back("\"" + v + "\"");
  return fmt::format("only when {} is {}", condition->param, join_names(quoted));
}

std::string ParamSpec::describe_rule() const {
  std::string rule;
  switch (kind) {
    case ParamKind::integer: rule = "integer"; break;
    case ParamKind::number: rule = "number"; break;
    case ParamKind::integer_list: rule = "list of integers"; break;
    case ParamKind::number_list: rule = "list of numbers"; break;
    case ParamKind::number_or_list: rule = "number or list of numbers"; break;
    case ParamKind::boolean: rule = "true or false"; break;
    case ParamKind::text: {
      if (choices.empty()) return "string";
      std::vector<std::string> quoted;
      for (const auto& c : choices) quoted.push_back("\"" + c + "\"");
      return "one of " + join_names(quoted);
    }
  }
  const bool list =
      kind == ParamKind::integer_list || kind == ParamKind::number_list || kind == ParamKind::number_or_list;
  if (list && (minimum || maximum)) rule += ", each";
  if (minimum) rule += (minimum_exclusive ? " > " : " >= ") + format_number(*minimum);
  if (maximum) rule += (minimum ? " and " : " ") + std::string(maximum_exclusive ? "< " : "<= ") + format_number(*maximum);
  if (list && min_items > 1) rule += fmt::format(", at least {} items", min_items);
  return rule;
}

const Json& Params::at(const std::string& name) const {
  if (!values_.is_object() || !values_.contains(name)) {
    throw std::logic_error("parameter '" + name + "' was read but never declared");
  }
  return values_.at(name);
}
std::int64_t Params::integer(const std::string& name) const { return at(name).get<std::int64_t>(); }
double Params::number(const std::string& name) const { return at(name).get<double>(); }
std::string Params::text(const std::string& name) const { return at(name).get<std::string>(); }
bool Params::boolean(const std::string& name) const { return at(name).get<bool>(); }
std::vector<std::int64_t> Params::integers(const std::string& name) const {
  return at(name).get<std::vector<std::int64_t>>();
}
std::vector<double> Params::numbers(const std::string& name) const { return at(name).get<std::vector<double>>(); }
bool Params::has(const std::string& name) const {
  return values_.is_object() && values_.contains(name) && !values_.at(name).is_null();
}

void Location::fail(const std::string& rule) const { throw SpecError(in_file(), rule); }

std::string describe_value(const Json& value) {
  std::string text = value.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  switch (value.type()) {
    case Json::value_t::string: return "string " + text;
    case Json::value_t::boolean: return "boolean " + text;
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    default: return "number " + text;
  }
}

std::string join_names(std::span<const std::string> names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " or " : ", ";
    out += names[i];
  }
  return out;
}

std::optional<std::string> closest_name(const std::string& name, std::span<const std::string> valid) {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const auto& candidate : valid) {
    const std::size_t distance = edit_distance(name, candidate);
    if (!best || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  // A likely typo: at most a third of the name differs.
  if (best && best_distance <= std::max<std::size_t>(1, name.size() / 3)) return best;
  return std::nullopt;
}

void require_object(const Json& value, const Location& where, const std::string& what) {
  if (!value.is_object()) where.fail(fmt::format("{} must be an object, got {}", what, describe_value(value)));
}

void reject_unknown_keys(const Json& object, const Location& where, std::span<const std::string> allowed,
                         const std::string& what) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string rule = fmt::format("unknown key \"{}\" in {}", key, what);
    if (allowed.empty() || (allowed.size() == 1 && allowed[0] == "type")) {
      rule += " (it takes no parameters)";
    } else {
      rule += " (valid keys: " + join_names(allowed) + ")";
      if (auto guess = closest_name(key, allowed)) rule += fmt::format("; did you mean \"{}\"?", *guess);
    }
    throw UnknownKeyError(where.child(key).in_file(), rule);
  }
}

namespace {

// The largest integer any parameter may take (int64's largest, rounded down to a double).
constexpr double kMaxIntegerParam = 9223372036854775807.0;

// The rule of an integer parameter (or list element) with its upper bound spelled out.
std::string integer_rule(const ParamSpec& spec, ParamKind kind, double bound) {
  ParamSpec element = spec;
  element.kind = kind;
  if (spec.maximum && *spec.maximum <= bound) return element.describe_rule();
  element.maximum.reset();
  return element.describe_rule() + (element.minimum ? " and <= " : " <= ") + "9223372036854775807";
}

// Checks one scalar against the kind and range of `spec`; returns it normalised (integers
// written as 1e3 become 1000).
Json read_scalar(const Json& value, const Location& at, const ParamSpec& spec, ParamKind kind) {
  auto wrong_type = [&](const char* expected) {
    at.fail(fmt::format("must be {}, got {}", expected, describe_value(value)));
  };
  Json result;
  double numeric = 0;
  switch (kind) {
    case ParamKind::boolean:
      if (!value.is_boolean()) wrong_type("true or false");
      return value;
    case ParamKind::text:
      if (!value.is_string()) wrong_type("a string");
      // A string may be swept, and swept strings go on every metrics.csv row as written.
      if (auto broken = text_rule_broken(value.get_ref<const std::string&>(), kMaxTextBytes)) at.fail("a string " + *broken);
      if (!spec.choices.empty() &&
          std::find(spec.choices.begin(), spec.choices.end(), value.get<std::string>()) == spec.choices.end()) {
        std::string rule = "must be " + spec.describe_rule() + ", got " + describe_value(value);
        if (auto guess = closest_name(value.get<std::string>(), spec.choices)) {
          rule += fmt::format("; did you mean \"{}\"?", *guess);
        }
        at.fail(rule);
      }
      return value;
    case ParamKind::integer: {
      if (!value.is_number()) wrong_type("an integer");
      numeric = value.get<double>();
      // Out of range before "not an integer": 3e29 is too large, whatever its spelling.
      const double bound = spec.maximum ? std::min(*spec.maximum, kMaxIntegerParam) : kMaxIntegerParam;
      const bool too_large = value.is_number_unsigned()
                                 ? value.get<std::uint64_t>() > std::min<std::uint64_t>(static_cast<std::uint64_t>(bound),
                                                                                        INT64_MAX)
                                 : numeric > bound;
      if (too_large) {
        at.fail(fmt::format("is too large: must be {}, got {}", integer_rule(spec, kind, bound), value.dump()));
      }
      // 1e3 is an integer written as a float; 2.5 is not, and neither is a float beyond 2^53,
      // which cannot tell neighbouring integers apart.
      if (!value.is_number_integer() && !value.is_number_unsigned() &&
          (std::floor(numeric) != numeric || std::abs(numeric) > 9.0e15)) {
        wrong_type("an integer");
      }
      result = value.is_number_float() ? Json(static_cast<std::int64_t>(numeric)) : Json(value.get<std::int64_t>());
      break;
    }
    default:  // number
      if (!value.is_number()) wrong_type("a number");
      numeric = value.get<double>();
      if (!std::isfinite(numeric)) at.fail("must be a finite number");
      result = numeric;
      break;
  }
  const bool below = spec.minimum && (spec.minimum_exclusive ? !(numeric > *spec.minimum) : !(numeric >= *spec.minimum));
  const bool over = spec.maximum && (spec.maximum_exclusive ? !(numeric < *spec.maximum) : !(numeric <= *spec.maximum));
  if (below || over) {
    ParamSpec element = spec;  // for a list, the rule of one element
    element.kind = kind;
    at.fail(fmt::format("must be {}, got {}", element.describe_rule(), value.dump()));
  }
  return result;
}

}  // namespace

Json read_param(const Json& object, const Location& where, const ParamSpec& spec) {
  const Location at = where.child(spec.name);
  if (!object.contains(spec.name)) {
    if (spec.fallback.is_null() && !spec.is_optional) {
      where.fail(fmt::format("missing required key \"{}\" ({}: {})", spec.name, spec.describe_rule(), spec.help));
    }
    // A default has the form a given value would have: a number parameter's default of 8 is read
    // as 8.0, as "8" in the spec would be, so the resolved config (and the run keys hashed from
    // it) is the same whether the default was written out or not.
    if ((spec.kind == ParamKind::number || spec.kind == ParamKind::number_or_list) && spec.fallback.is_number()) {
      return Json(spec.fallback.get<double>());
    }
    if ((spec.kind == ParamKind::number_list || spec.kind == ParamKind::number_or_list) && spec.fallback.is_array()) {
      Json list = Json::array();
      for (const Json& item : spec.fallback) list.push_back(item.is_number() ? Json(item.get<double>()) : item);
      return list;
    }
    return spec.fallback;
  }
  const Json& value = object.at(spec.name);
  if (spec.kind == ParamKind::number_or_list && !value.is_array()) {
    if (!value.is_number()) at.fail(fmt::format("must be a {}, got {}", spec.describe_rule(), describe_value(value)));
    return read_scalar(value, at, spec, ParamKind::number);
  }
  if (spec.kind != ParamKind::integer_list && spec.kind != ParamKind::number_list &&
      spec.kind != ParamKind::number_or_list) {
    return read_scalar(value, at, spec, spec.kind);
  }
  const ParamKind element = spec.kind == ParamKind::integer_list ? ParamKind::integer : ParamKind::number;
  if (!value.is_array()) at.fail(fmt::format("must be a {}, got {}", spec.describe_rule(), describe_value(value)));
  if (value.size() < spec.min_items) {
    at.fail(fmt::format("must have at least {} item{}, got {}", spec.min_items, spec.min_items == 1 ? "" : "s",
                        value.size()));
  }
  if (value.size() > 10000000) at.fail("has too many items (at most 10000000)");
  Json result = Json::array();
  for (std::size_t i = 0; i < value.size(); ++i) result.push_back(read_scalar(value[i], at.child(i), spec, element));
  return result;
}

Params read_params(const Json& object, const Location& where, std::span<const ParamSpec> specs,
                   std::span<const std::string> extra_keys, const std::string& what) {
  require_object(object, where, what);
  std::vector<std::string> allowed(extra_keys.begin(), extra_keys.end());
  for (const auto& spec : specs) {
    if (std::find(allowed.begin(), allowed.end(), spec.name) == allowed.end()) allowed.push_back(spec.name);
  }
  reject_unknown_keys(object, where, allowed, what);
  Json values = Json::object();
  for (const auto& spec : specs) {
    if (spec.applies(values)) values[spec.name] = read_param(object, where, spec);
  }
  // A given key that no applicable declaration took: say when it applies.
  for (const auto& [key, value] : object.items()) {
    if (values.contains(key) || std::find(extra_keys.begin(), extra_keys.end(), key) != extra_keys.end()) continue;
    std::vector<std::string> conditions;
    std::string control;
    for (const auto& spec : specs) {
      if (spec.name != key || !spec.condition) continue;
      conditions.push_back(spec.describe_condition());
      control = spec.condition->param;
    }
    std::string rule = fmt::format("\"{}\" applies {}", key, fmt::join(conditions, "; or "));
    if (values.contains(control) && values.at(control).is_string()) {
      rule += fmt::format(" (here {} is \"{}\")", control, values.at(control).get<std::string>());
    }
    where.child(key).fail(rule);
  }
  return Params(std::move(values));
}

}  // namespace localsgd
