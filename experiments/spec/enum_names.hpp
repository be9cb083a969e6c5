#pragma once
// One name table per enum: the same names in code, in spec files and in outputs (Ceres's
// XToString/StringToX). `name` and `parse` both read the table, so they cannot drift; a name
// that is not in the table parses to nothing (never silently to the first value).
#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace localsgd {

// `names[i]` is the name of the enumerator with value i (enumerators numbered 0, 1, ... in order).
template <class Enum, std::size_t N>
struct EnumNames {
  std::array<std::string_view, N> names;

  std::string name(Enum value) const { return std::string(names.at(static_cast<std::size_t>(value))); }
  std::optional<Enum> parse(std::string_view text) const {
    const auto it = std::find(names.begin(), names.end(), text);
    if (it == names.end()) return std::nullopt;
    return static_cast<Enum>(it - names.begin());
  }
  // The names in order, e.g. for ParamSpec::one_of.
  std::vector<std::string> list() const { return {names.begin(), names.end()}; }
};

}  // namespace localsgd
