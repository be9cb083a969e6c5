#pragma once
// Options bound once to typed fields. An options struct declares its parameters in one static
// function, each declaration naming the field it fills:
//
//   struct FixedOptions {
//     std::int64_t period{};
//     static void fields(auto& f) {
//       f.integer("period", &FixedOptions::period).at_least(1).doc("local steps between averages (tau)");
//     }
//   };
//
// The same declarations give the ParamSpecs that the strict reader checks, `localsgd list` prints
// and spec.resolved.json fills with defaults, and the typed read of the checked values into the
// struct, so a parameter's name, type, default, bounds, condition and help sit on the line that
// reads it. The default is the declaration's (`defaults_to`), never the member's initialiser: the
// reader fills every applicable parameter, so members are only value-initialised (`{}`).
// `fields` is a template, so a struct that declares its fields depends on nothing here.
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "experiments/language/params.hpp"

namespace localsgd {

namespace detail {

template <class T>
struct OptionalValue {
  using type = T;
};
template <class T>
struct OptionalValue<std::optional<T>> {
  using type = T;
};

// Stores a read value in a field of type T or std::optional<T>.
template <class Field>
void store(const Json& value, Field& field) {
  field = value.get<typename OptionalValue<Field>::type>();
}

}  // namespace detail

// A field of Options or of one of its bases (options shared by several types, e.g. a problem's
// starting point, sit in a base struct that declares its own fields).
template <class Owner, class Options>
concept FieldOf = std::is_base_of_v<Owner, Options>;

template <class Options>
class Fields {
 public:
  // An integer field (any integral type, or std::optional of one for an optional parameter).
  template <class T, FieldOf<Options> Owner>
  ParamSpec& integer(std::string name, T Owner::*field) {
    return bind(ParamSpec::integer(std::move(name), ""), field);
  }
  // A double (or std::optional<double>) field.
  template <class T, FieldOf<Options> Owner>
  ParamSpec& number(std::string name, T Owner::*field) {
    return bind(ParamSpec::number(std::move(name), ""), field);
  }
  template <FieldOf<Options> Owner>
  ParamSpec& text(std::string name, std::string Owner::*field) {
    return bind(ParamSpec::text(std::move(name), ""), field);
  }
  template <FieldOf<Options> Owner>
  ParamSpec& boolean(std::string name, bool Owner::*field) {
    return bind(ParamSpec::boolean(std::move(name), ""), field);
  }
  template <class T, FieldOf<Options> Owner>
  ParamSpec& integer_list(std::string name, std::vector<T> Owner::*field) {
    return bind(ParamSpec::integer_list(std::move(name), ""), field);
  }
  template <FieldOf<Options> Owner>
  ParamSpec& number_list(std::string name, std::vector<double> Owner::*field) {
    return bind(ParamSpec::number_list(std::move(name), ""), field);
  }
  // One number or a list of numbers (ParamKind::number_or_list), stored as a list (one item for
  // a single number).
  template <FieldOf<Options> Owner>
  ParamSpec& number_or_list(std::string name, std::vector<double> Owner::*field) {
    fields_.push_back({ParamSpec::number_or_list(std::move(name), ""), [field](const Json& value, Options& out) {
                         out.*field = value.is_array() ? value.get<std::vector<double>>()
                                                       : std::vector<double>{value.get<double>()};
                       }});
    return fields_.back().spec;
  }
  // A text parameter whose values name the values of an enum field; the names, in order, are the
  // parameter's choices.
  template <class E, FieldOf<Options> Owner>
  ParamSpec& choice(std::string name, E Owner::*field, std::vector<std::pair<std::string, E>> names) {
    std::vector<std::string> keys;
    for (const auto& entry : names) keys.push_back(entry.first);
    fields_.push_back({ParamSpec::text(std::move(name), "").one_of(std::move(keys)),
                       [field, names = std::move(names)](const Json& value, Options& out) {
                         for (const auto& [key, enumerator] : names) {
                           if (key == value.get_ref<const std::string&>()) out.*field = enumerator;
                         }
                       }});
    return fields_.back().spec;
  }

  // The declarations, in order.
  std::vector<ParamSpec> specs() const {
    std::vector<ParamSpec> out;
    for (const auto& f : fields_) out.push_back(f.spec);
    return out;
  }

  // The struct filled from values read against specs() (a field whose parameter was not given and
  // has no default, or whose condition does not hold, keeps its initial value).
  Options read(const Params& params) const {
    Options out{};
    for (const auto& f : fields_) {
      if (params.has(f.spec.name)) f.assign(params.json().at(f.spec.name), out);
    }
    return out;
  }

 private:
  struct Field {
    ParamSpec spec;
    std::function<void(const Json&, Options&)> assign;
  };

  template <class T, class Owner>
  ParamSpec& bind(ParamSpec spec, T Owner::*field) {
    fields_.push_back({std::move(spec), [field](const Json& value, Options& out) { detail::store(value, out.*field); }});
    return fields_.back().spec;  // a deque keeps it in place while later fields are added
  }

  std::deque<Field> fields_;
};

// The declared fields of `Options` (from its static `fields`), collected once.
template <class Options>
const Fields<Options>& fields_of() {
  static const Fields<Options> collected = [] {
    Fields<Options> f;
    Options::fields(f);
    return f;
  }();
  return collected;
}

}  // namespace localsgd
