#pragma once
// A violated rule in a spec: the JSON pointer into the spec file and the rule, e.g.
//   /variants/1/schedule/period: must be an integer >= 1 (got 0)
// The command line prefixes the file name.
#include <stdexcept>
#include <string>

namespace localsgd {

class SpecError : public std::runtime_error {
 public:
  SpecError(std::string pointer, std::string rule)
      : std::runtime_error((pointer.empty() ? std::string("/") : pointer) + ": " + rule),
        pointer_(std::move(pointer)),
        rule_(std::move(rule)) {}
  const std::string& pointer() const { return pointer_; }
  const std::string& rule() const { return rule_; }

 private:
  std::string pointer_;
  std::string rule_;
};

// A key the object's type does not take (e.g. "period" in schedule type "sync"). The spec reader
// tells it apart: a swept key that a variant's types do not take is not applied to that variant.
class UnknownKeyError : public SpecError {
 public:
  using SpecError::SpecError;
};

}  // namespace localsgd
