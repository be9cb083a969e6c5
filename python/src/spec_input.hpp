#pragma once
// A spec given to the Python module: a file (read as `localsgd run FILE` reads it) or JSON text
// (a Python dict, dumped by the package). Every error is a SpecInputError that keeps the JSON
// pointer and the rule apart, so that Python's SpecError can carry them as attributes.
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "experiments/spec/spec.hpp"

namespace localsgd::python {

class SpecInputError : public std::runtime_error {
 public:
  SpecInputError(std::string message, std::optional<std::string> json_pointer, std::string broken_rule,
                 std::string spec_source)
      : std::runtime_error(std::move(message)),
        pointer(std::move(json_pointer)),
        rule(std::move(broken_rule)),
        source(std::move(spec_source)) {}
  std::optional<std::string> pointer;  // the JSON pointer ("" is the whole spec); none for a file or syntax error
  std::string rule;                    // what is wrong there
  std::string source;                  // the spec file, or "<dict>"
};

struct SpecSource {
  std::optional<std::filesystem::path> file;  // a spec file, or else:
  std::string text;                           // the spec's JSON text
  std::string default_name = "spec";          // the name of a spec without a "name" key
};

// The CLI's reading: the strict JSON reader, parse_spec with the file's stem as default name and
// its folder as the base of relative paths (the current folder for text), and `options` (memory
// limit, threads, check only). Throws SpecInputError.
ExperimentSpec read_spec(const SpecSource& source, const SpecOptions& options);

}  // namespace localsgd::python
