#pragma once
// Named types of one family ("schedule", "step_size", …): each with a one-line description, its
// declared parameters, an optional cross-check against the run (e.g. period <= T) and a builder.
// The spec reader, `localsgd list` and the tests all use these tables, so they cannot drift.
#include <fmt/format.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "algorithms/sync_schedule.hpp"
#include "experiments/language/params.hpp"
#include "problems/problem.hpp"

namespace localsgd {

class MemoryBudget;

// What a builder may know about the run it builds for.
struct BuildContext {
  int workers = 1;
  long steps = 1;
  int batch = 1;
  std::uint64_t seed = 0;
  const Problem* problem = nullptr;  // set when building algorithms (null during validation)
  const SyncSchedule* schedule = nullptr;  // set when reading or building step sizes
  std::filesystem::path base_folder;  // relative file paths in the spec resolve against it (the spec's folder)
  MemoryBudget* memory = nullptr;  // set while a spec is validated: problems reserve their memory before building
};

// Thrown by a cross-check: names the offending parameter (a relative JSON pointer such as
// "period" or "steps/3"; empty for the object as a whole) and the rule.
struct ParamRuleError : std::runtime_error {
  ParamRuleError(std::string name, const std::string& rule) : std::runtime_error(rule), param(std::move(name)) {}
  std::string param;
};

template <class Product>
struct TypeEntry {
  std::string name;
  std::string help;
  std::vector<ParamSpec> params;
  // Shared, so that an immutable product (a problem and its data) can be built once and used by
  // many runs; builders may return a std::unique_ptr.
  std::function<std::shared_ptr<Product>(const Params&, const BuildContext&)> build;
  // Rules that involve the run (workers, steps, batch); throws ParamRuleError.
  std::function<void(const Params&, const BuildContext&)> check;
  // A valid parameter object for documentation and tests, when the required parameters alone
  // cannot be filled in mechanically (e.g. "give alpha or rounds"). Null: derived from `params`.
  Json example;
};

// A type chosen in a spec, with its parameters read and checked; builds the product per run.
template <class Product>
struct Configured {
  const TypeEntry<Product>* entry = nullptr;
  Params params;

  const std::string& type() const { return entry->name; }
  std::shared_ptr<Product> build(const BuildContext& context) const { return entry->build(params, context); }
  // {"type": ..., every parameter with its resolved value} (optional parameters that were not
  // given are left out, so that the result reads back as the same configuration)
  Json resolved() const {
    Json out = {{"type", entry->name}};
    for (const auto& [key, value] : params.json().items()) {
      if (!value.is_null()) out[key] = value;
    }
    return out;
  }
};

template <class Product>
class Registry {
 public:
  Registry(std::string family, std::string help, std::vector<TypeEntry<Product>> entries)
      : family_(std::move(family)), help_(std::move(help)), entries_(std::move(entries)) {}

  const std::string& family() const { return family_; }
  const std::string& help() const { return help_; }
  const std::vector<TypeEntry<Product>>& entries() const { return entries_; }

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : entries_) out.push_back(e.name);
    return out;
  }

  // Reads {"type": NAME, params...} strictly and runs the type's cross-check.
  Configured<Product> read(const Json& object, const Location& where, const BuildContext& context) const {
    require_object(object, where, family_);
    if (!object.contains("type")) {
      where.fail(fmt::format("missing required key \"type\" ({} type: one of {})", family_, join_names(names())));
    }
    const Json& type = object.at("type");
    if (!type.is_string()) where.child("type").fail("must be a string, got " + describe_value(type));
    const auto name = type.get<std::string>();
    const TypeEntry<Product>* entry = nullptr;
    for (const auto& e : entries_) {
      if (e.name == name) entry = &e;
    }
    if (entry == nullptr) {
      const auto valid = names();
      std::string rule = fmt::format("unknown {} type \"{}\" (valid: {})", family_, name, join_names(valid));
      if (auto guess = closest_name(name, valid)) rule += fmt::format("; did you mean \"{}\"?", *guess);
      where.child("type").fail(rule);
    }
    const std::string extra[] = {"type"};
    Configured<Product> configured{entry, read_params(object, where, entry->params, extra,
                                                      fmt::format("{} type \"{}\"", family_, name))};
    if (entry->check) {
      try {
        entry->check(configured.params, context);
      } catch (const ParamRuleError& e) {
        // `param` may name a nested value ("steps/3"): it is a relative JSON pointer.
        (e.param.empty() ? where : Location{where.pointer + "/" + e.param, where.sources}).fail(e.what());
      }
    }
    return configured;
  }

 private:
  std::string family_;
  std::string help_;
  std::vector<TypeEntry<Product>> entries_;
};

}  // namespace localsgd
