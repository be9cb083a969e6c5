#include "experiments/cli/spec_overrides.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "experiments/language/json_reader.hpp"
#include "experiments/language/source_map.hpp"
#include "experiments/language/text_rules.hpp"

namespace localsgd {

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

std::string join(const std::vector<std::string>& parts, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t k = from; k < to; ++k) out += (k == from ? "" : ".") + parts[k];
  return out;
}

// Whether `pointer` names a sweep object, whose keys are dotted paths themselves.
bool keys_are_paths(const std::string& pointer) {
  return pointer == "/sweep" || pointer == "/sweep/zip" ||
         (pointer.rfind("/sweep/zip/", 0) == 0 && pointer.find('/', 11) == std::string::npos);
}

std::string describe_node(const Json& node) {
  if (node.is_null()) return "null";
  if (node.is_boolean()) return "a boolean";
  if (node.is_number()) return "a number";
  if (node.is_string()) return "a string";
  return node.is_array() ? "a list" : "an object";
}

}  // namespace

SpecOverride parse_override(const std::string& text) {
  const std::size_t equals = text.find('=');
  if (equals == std::string::npos) {
    throw SpecOverrideError(fmt::format("must be PATH=VALUE (e.g. schedule.period=10), got {}", quoted_for_message(text)));
  }
  SpecOverride out{text, text.substr(0, equals), Json(), ""};
  const std::vector<std::string> parts = split_path(out.path);
  if (std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); })) {
    throw SpecOverrideError(fmt::format("the path {} has an empty key: keys are separated by single dots, e.g. "
                                        "variants.1.schedule.period",
                                        quoted_for_message(out.path)));
  }
  const std::string value = text.substr(equals + 1);
  try {
    out.value = parse_strict_json(value);
  } catch (const JsonSyntaxError&) {
    out.value = value;  // not JSON: a string
  } catch (const JsonStructureError&) {
    out.value = value;
  }
  return out;
}

void apply_override(Json& spec, SpecOverride& override_) {
  const std::vector<std::string> parts = split_path(override_.path);
  Json* node = &spec;
  std::string pointer;
  std::size_t i = 0;
  while (i < parts.size()) {
    const std::string at = pointer.empty() ? "the spec" : pointer;
    if (node->is_array()) {
      const std::string& index = parts[i];
      const bool digits = !index.empty() && index.size() <= 9 &&
                          std::all_of(index.begin(), index.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits || std::stoul(index) >= node->size()) {
        throw SpecOverrideError(fmt::format("{} is a list of {} entries: its index must be an integer from 0 to {}, "
                                            "got {}",
                                            at, node->size(), node->size() == 0 ? std::string("(none)") : std::to_string(node->size() - 1),
                                            quoted_for_message(index)));
      }
      pointer += "/" + index;
      node = &(*node)[std::stoul(index)];
      ++i;
      continue;
    }
    if (!node->is_object()) {
      throw SpecOverrideError(fmt::format("{} is {} in the spec, so it has no key {}", at, describe_node(*node),
                                          quoted_for_message(parts[i])));
    }
    // The longest dotted key that exists here, else (below "sweep": the rest of the path) one part.
    std::size_t end = keys_are_paths(pointer) && !(pointer == "/sweep" && parts[i] == "zip") ? parts.size() : i + 1;
    for (std::size_t j = parts.size(); j > i + 1; --j) {
      if (node->contains(join(parts, i, j))) {
        end = j;
        break;
      }
    }
    const std::string key = join(parts, i, end);
    pointer += "/" + pointer_token(key);
    if (end < parts.size() && !node->contains(key)) (*node)[key] = Json::object();
    node = &(*node)[key];
    i = end;
  }
  *node = override_.value;
  override_.pointer = pointer;
}

std::string override_note(const std::vector<SpecOverride>& overrides, const std::string& error_pointer) {
  if (error_pointer.empty()) return "";
  auto inside = [](const std::string& a, const std::string& b) { return a == b || a.rfind(b + "/", 0) == 0; };
  std::string out;
  for (const SpecOverride& o : overrides) {
    if (o.pointer.empty() || !(inside(error_pointer, o.pointer) || inside(o.pointer, error_pointer))) continue;
    out += fmt::format(" (the value at {} came from --set {})", o.pointer, o.text);
  }
  return out;
}

}  // namespace localsgd
