#pragma once
// Declared parameters of a named type (a schedule, a step size, …) and their strict reading from
// JSON. The declarations are the single source of truth: the reader rejects keys that are not
// declared, fills declared defaults, checks types and ranges, and `localsgd list` prints them.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiments/language/source_map.hpp"

namespace localsgd {

using Json = nlohmann::json;

// number_or_list: one number, or a list of numbers (e.g. one probability for every worker or one
// per worker); it is read back as given, so a scalar stays a scalar in the resolved spec.
enum class ParamKind { integer, number, text, boolean, integer_list, number_list, number_or_list };

struct ParamSpec {
  std::string name;
  ParamKind kind = ParamKind::number;
  std::string help;
  Json fallback;  // the default; null means the key is required unless `is_optional`
  bool is_optional = false;  // may be absent with no default (Params::has says whether it was given)
  std::optional<double> minimum;
  bool minimum_exclusive = false;
  std::optional<double> maximum;
  bool maximum_exclusive = false;
  std::vector<std::string> choices;  // allowed values of a text parameter
  std::size_t min_items = 1;          // for lists; the range rules apply to every element
  // A parameter that applies only when an earlier text parameter has one of the given values
  // (e.g. `alpha` only when `partition` is "dirichlet"): its default is filled in only then, and
  // giving it otherwise is an error. Several declarations may share a name if their conditions
  // are disjoint (e.g. `dim` with a default for synthetic data, optional for a data file).
  struct Condition {
    std::string param;
    std::vector<std::string> values;
  };
  std::optional<Condition> condition;

  static ParamSpec integer(std::string name, std::string help);
  static ParamSpec number(std::string name, std::string help);
  static ParamSpec text(std::string name, std::string help);
  static ParamSpec boolean(std::string name, std::string help);
  static ParamSpec integer_list(std::string name, std::string help);
  static ParamSpec number_list(std::string name, std::string help);
  static ParamSpec number_or_list(std::string name, std::string help);
  ParamSpec& defaults_to(Json value);
  ParamSpec& at_least(double value);
  ParamSpec& greater_than(double value);  // exclusive lower bound
  ParamSpec& at_most(double value);
  ParamSpec& less_than(double value);  // exclusive upper bound (e.g. a momentum coefficient < 1)
  ParamSpec& one_of(std::vector<std::string> values);
  ParamSpec& optional();
  ParamSpec& at_least_items(std::size_t count);
  ParamSpec& when(std::string param, std::vector<std::string> values);
  ParamSpec& doc(std::string text);  // the one-line help `localsgd list` prints

  // True if the parameter applies given the values read so far (always, without a condition).
  bool applies(const Json& values_so_far) const;
  // e.g. "only when partition is \"dirichlet\"", or "" without a condition.
  std::string describe_condition() const;

  // e.g. "integer >= 1", "number > 0", "number >= 0 and < 1", "one of \"log\", \"linear\"".
  std::string describe_rule() const;
};

// Values of declared parameters after reading (defaults filled in).
class Params {
 public:
  Params() = default;
  explicit Params(Json values) : values_(std::move(values)) {}
  std::int64_t integer(const std::string& name) const;
  double number(const std::string& name) const;
  std::string text(const std::string& name) const;
  bool boolean(const std::string& name) const;
  std::vector<std::int64_t> integers(const std::string& name) const;
  std::vector<double> numbers(const std::string& name) const;
  // False for an optional parameter that the spec did not give, and for a conditional parameter
  // whose condition does not hold.
  bool has(const std::string& name) const;
  const Json& json() const { return values_; }

 private:
  const Json& at(const std::string& name) const;
  Json values_;
};

// Where a value sits: its pointer inside the assembled run and the map back to the spec file.
struct Location {
  std::string pointer;
  const SourceMap* sources = nullptr;

  Location child(const std::string& key) const { return {pointer + "/" + pointer_token(key), sources}; }
  Location child(std::size_t index) const { return {pointer + "/" + std::to_string(index), sources}; }
  std::string in_file() const { return sources ? sources->source(pointer) : pointer; }
  [[noreturn]] void fail(const std::string& rule) const;
};

// A short description of a JSON value for error messages: `string "four"`, `number 0`, ….
std::string describe_value(const Json& value);

// Checks that `value` is an object whose keys are all in `allowed`; `what` names it in messages
// (e.g. "schedule type \"fixed\"").
void require_object(const Json& value, const Location& where, const std::string& what);
void reject_unknown_keys(const Json& object, const Location& where, std::span<const std::string> allowed,
                         const std::string& what);

// Reads one declared parameter from `object` (which may lack it if it has a default).
Json read_param(const Json& object, const Location& where, const ParamSpec& spec);

// Reads every declared parameter of `object`, allowing also the keys in `extra_keys` (e.g.
// "type"), and returns the values with defaults filled in. Conditional parameters are read in
// declaration order after the parameter they depend on; a given key whose condition does not
// hold is an error that says when it applies.
Params read_params(const Json& object, const Location& where, std::span<const ParamSpec> specs,
                   std::span<const std::string> extra_keys, const std::string& what);

// The valid name closest to `name` by edit distance, if it is close enough to be a likely typo.
std::optional<std::string> closest_name(const std::string& name, std::span<const std::string> valid);

// "a, b or c"
std::string join_names(std::span<const std::string> names);

}  // namespace localsgd
