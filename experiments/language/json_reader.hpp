#pragma once
// Strict reading of JSON text (spec files). nlohmann's parser does the lexing; a SAX handler
// builds the document and adds the rules a hand-written spec needs:
//   - a key repeated in one object is an error (nlohmann would silently keep the last one);
//   - nesting deeper than a limit is an error (printing, comparing and copying a document recurse,
//     so 100000 nested brackets would overflow the stack);
//   - a number too large for a double (1e400) is a syntax error with its line and column, like
//     any other (nlohmann reports it without a position).
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "experiments/language/params.hpp"

namespace localsgd {

// Invalid JSON: where (line and column, 1-based) and why.
class JsonSyntaxError : public std::runtime_error {
 public:
  JsonSyntaxError(std::size_t line, std::size_t column, const std::string& reason);
  std::size_t line() const { return line_; }
  std::size_t column() const { return column_; }
  const std::string& reason() const { return reason_; }

 private:
  std::size_t line_;
  std::size_t column_;
  std::string reason_;
};

// Valid JSON that breaks a structural rule (a duplicate key, too deep): the JSON pointer and rule.
class JsonStructureError : public std::runtime_error {
 public:
  JsonStructureError(std::string pointer, const std::string& rule);
  const std::string& pointer() const { return pointer_; }
  const std::string& rule() const { return rule_; }

 private:
  std::string pointer_;
  std::string rule_;
};

constexpr std::size_t kMaxJsonDepth = 64;

// Parses `text` (one JSON value, optional UTF-8 byte order mark, no comments). Throws
// JsonSyntaxError or JsonStructureError.
Json parse_strict_json(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

}  // namespace localsgd
