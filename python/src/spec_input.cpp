#include "spec_input.hpp"

#include <fmt/format.h>

#include "experiments/language/json_reader.hpp"
#include "experiments/language/spec_error.hpp"
#include "experiments/language/text_rules.hpp"

namespace localsgd::python {

ExperimentSpec read_spec(const SpecSource& source, const SpecOptions& options) {
  const std::string shown = source.file ? printable_text(source.file->string()) : std::string("<dict>");
  std::string text;
  if (source.file) {
    try {
      text = read_spec_file(*source.file);  // its messages start with the file's name
    } catch (const SpecFileError& e) {
      throw SpecInputError(e.what(), std::nullopt, e.what(), shown);
    }
  }
  Json json;
  try {
    json = parse_strict_json(source.file ? text : source.text);
  } catch (const JsonSyntaxError& e) {
    throw SpecInputError(fmt::format("{}: {}", shown, e.what()), std::nullopt, e.what(), shown);
  } catch (const JsonStructureError& e) {
    throw SpecInputError(fmt::format("{}: {}", shown, e.what()), std::nullopt, e.what(), shown);
  }
  const std::string name = source.file ? source.file->stem().string() : source.default_name;
  const std::filesystem::path base = source.file ? source.file->parent_path() : std::filesystem::path();
  try {
    return parse_spec(json, name, base, options);
  } catch (const SpecError& e) {
    throw SpecInputError(fmt::format("{}: {}", shown, e.what()), e.pointer(), e.rule(), shown);
  }
}

}  // namespace localsgd::python
