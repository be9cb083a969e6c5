#pragma once
// Named types of one family ("schedule", "step_size", …): each with a one-line description, its
// declared parameters, an optional cross-check against the run (e.g. period <= T) and a builder.
// Generic: knows no problem or schedule (those are the catalog's, one room up).
// The spec reader, `localsgd list` and the tests all use these tables, so they cannot drift.
#include <fmt/format.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "experiments/language/fields.hpp"
#include "experiments/language/params.hpp"

namespace localsgd {

// The run a type is read and built for: its shape, always complete (nothing here is set in one
// phase and null in another; what a family needs beyond it is its NeedsOf<Product>).
struct BuildContext {
  int workers = 1;
  long steps = 1;
  int batch = 1;
  std::uint64_t seed = 0;
  std::filesystem::path base_folder;  // relative file paths in the spec resolve against it (the spec's folder)
};

// What a family needs beyond the run's shape, per phase: `Check` while a spec is read, `Build`
// when a run builds the product. Most families need nothing; a family that does specialises
// NeedsOf in the header that declares its registry (experiments/catalog/catalog.hpp), so that
// every user of the registry sees it. Each phase's needs are one type whose fields are all
// references: they cannot be half set, and leaving them out does not compile.
struct NoNeeds {
  struct Check {};
  struct Build {};
};
template <class Product>
struct NeedsOf {
  using type = NoNeeds;
};

// Thrown by a cross-check: names the offending parameter (a relative JSON pointer such as
// "period" or "steps/3"; empty for the object as a whole) and the rule.
struct ParamRuleError : std::runtime_error {
  ParamRuleError(std::string name, const std::string& rule) : std::runtime_error(rule), param(std::move(name)) {}
  std::string param;
};

// The builder and cross-check signatures of a family: with needs, they take them as a third
// argument.
template <class Product, class Needs = typename NeedsOf<Product>::type>
struct EntryFunctions {
  using Build = std::function<std::shared_ptr<Product>(const Params&, const BuildContext&, const typename Needs::Build&)>;
  using Check = std::function<void(const Params&, const BuildContext&, const typename Needs::Check&)>;
};
template <class Product>
struct EntryFunctions<Product, NoNeeds> {
  using Build = std::function<std::shared_ptr<Product>(const Params&, const BuildContext&)>;
  using Check = std::function<void(const Params&, const BuildContext&)>;
};

template <class Product>
struct TypeEntry {
  using Needs = typename NeedsOf<Product>::type;
  using CheckNeeds = typename Needs::Check;
  using BuildNeeds = typename Needs::Build;

  std::string name;
  std::string help;
  std::vector<ParamSpec> params;
  // Shared, so that an immutable product (a problem and its data) can be built once and used by
  // many runs; builders may return a std::unique_ptr.
  typename EntryFunctions<Product>::Build build;
  // Rules that involve the run (workers, steps, batch); throws ParamRuleError.
  typename EntryFunctions<Product>::Check check;
  // A valid parameter object for documentation and tests, when the required parameters alone
  // cannot be filled in mechanically (e.g. "give alpha or rounds"). Null: derived from `params`.
  Json example;

  std::shared_ptr<Product> build_with(const Params& p, const BuildContext& context, const BuildNeeds& needs) const {
    if constexpr (std::is_same_v<Needs, NoNeeds>) {
      return build(p, context);
    } else {
      return build(p, context, needs);
    }
  }
  void check_with(const Params& p, const BuildContext& context, const CheckNeeds& needs) const {
    if (!check) return;
    if constexpr (std::is_same_v<Needs, NoNeeds>) {
      check(p, context);
    } else {
      check(p, context, needs);
    }
  }
};

// A type chosen in a spec, with its parameters read and checked; builds the product per run.
template <class Product>
struct Configured {
  using BuildNeeds = typename TypeEntry<Product>::BuildNeeds;

  const TypeEntry<Product>* entry = nullptr;
  Params params;

  const std::string& type() const { return entry->name; }
  // `needs` may be left out by families that need nothing.
  std::shared_ptr<Product> build(const BuildContext& context, const BuildNeeds& needs = {}) const {
    return entry->build_with(params, context, needs);
  }
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

// An entry whose parameters are the fields of `Options` (experiments/language/fields.hpp): the
// builder and the optional cross-check take the typed options instead of the raw values.
// `build(options, context[, needs])`, `check(options, context[, needs])`.
template <class Options, class Product, class Build, class Check = std::nullptr_t>
TypeEntry<Product> bound_entry(std::string name, std::string help, Build build, Check check = nullptr,
                               Json example = nullptr) {
  using Needs = typename NeedsOf<Product>::type;
  TypeEntry<Product> entry{std::move(name), std::move(help), fields_of<Options>().specs(), {}, {}, std::move(example)};
  if constexpr (std::is_same_v<Needs, NoNeeds>) {
    entry.build = [build](const Params& p, const BuildContext& c) -> std::shared_ptr<Product> {
      return build(fields_of<Options>().read(p), c);
    };
    if constexpr (!std::is_null_pointer_v<Check>) {
      entry.check = [check](const Params& p, const BuildContext& c) { check(fields_of<Options>().read(p), c); };
    }
  } else {
    entry.build = [build](const Params& p, const BuildContext& c,
                          const typename Needs::Build& needs) -> std::shared_ptr<Product> {
      return build(fields_of<Options>().read(p), c, needs);
    };
    if constexpr (!std::is_null_pointer_v<Check>) {
      entry.check = [check](const Params& p, const BuildContext& c, const typename Needs::Check& needs) {
        check(fields_of<Options>().read(p), c, needs);
      };
    }
  }
  return entry;
}

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
  // `needs` may be left out by families that need nothing.
  Configured<Product> read(const Json& object, const Location& where, const BuildContext& context,
                           const typename TypeEntry<Product>::CheckNeeds& needs = {}) const {
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
        entry->check_with(configured.params, context, needs);
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
