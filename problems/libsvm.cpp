#include "problems/libsvm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>
#include <vector>

#include "core/number_text.hpp"

namespace localsgd {

LibsvmError::LibsvmError(const std::string& source, std::size_t line, const std::string& rule)
    : std::runtime_error(line > 0 ? fmt::format("{}:{}: {}", source, line, rule) : fmt::format("{}: {}", source, rule)),
      line_(line),
      rule_(rule) {}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

// Parses a whole token as a positive decimal integer.
std::optional<long long> parse_index(std::string_view text) {
  if (text.empty()) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A token for a message: at most 40 bytes, control and non-ASCII bytes as \xNN.
std::string printable(std::string_view token) {
  std::string text;
  for (char c : token.substr(0, 40)) {
    const auto byte = static_cast<unsigned char>(c);
    text += (byte < 0x20 || byte >= 0x7f) ? fmt::format("\\x{:02x}", byte) : std::string(1, c);
  }
  if (token.size() > 40) text += "...";
  return text;
}

std::string quoted(std::string_view token) { return "\"" + printable(token) + "\""; }

}  // namespace

LibsvmData parse_libsvm(std::istream& in, const std::string& source, const LibsvmOptions& options) {
  // Compressed row storage, filled line by line (indices increase along a line): memory and time
  // in O(rows + non-zeros), whatever the largest index (a triplet list would cost O(dimension)).
  std::vector<int> row_starts{0};
  std::vector<int> columns;
  std::vector<double> values;
  std::vector<double> labels;
  long long largest = 0;
  // The label convention is fixed by the first label that is not +1 (−1 or 0); the line that
  // introduced it is kept for the message when another line contradicts it.
  std::size_t minus_one_line = 0;
  std::size_t zero_line = 0;

  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto fail = [&](const std::string& rule) { throw LibsvmError(source, number, rule); };
    std::string_view rest(line);
    std::vector<std::string_view> tokens;
    while (!rest.empty()) {
      std::size_t start = 0;
      while (start < rest.size() && is_space(rest[start])) ++start;
      std::size_t end = start;
      while (end < rest.size() && !is_space(rest[end])) ++end;
      if (end > start) tokens.push_back(rest.substr(start, end - start));
      rest.remove_prefix(end);
    }
    if (tokens.empty()) continue;  // blank line

    const NumberText parsed_label = parse_number_text(tokens[0]);
    if (parsed_label.error == NumberTextError::too_large || parsed_label.error == NumberTextError::too_small) {
      fail(fmt::format("label {} {}", quoted(tokens[0]), describe_number_error(parsed_label.error)));
    }
    if (!parsed_label) fail(fmt::format("expected a label (a number) at the start of the line, got {}", quoted(tokens[0])));
    const std::optional<double> label = parsed_label.value;
    if (options.real_labels) {
      // any finite target
    } else if (*label == -1.0) {
      if (zero_line != 0) fail(fmt::format("label -1 mixes the +1/-1 convention with the 0/1 one (label 0 on line {})", zero_line));
      if (minus_one_line == 0) minus_one_line = number;
    } else if (*label == 0.0) {
      if (minus_one_line != 0) fail(fmt::format("label 0 mixes the 0/1 convention with the +1/-1 one (label -1 on line {})", minus_one_line));
      if (zero_line == 0) zero_line = number;
    } else if (*label != 1.0) {
      fail(fmt::format("label {} is not a binary class label (expected +1/-1 or 0/1)", printable(tokens[0])));
    }
    if (labels.size() >= static_cast<std::size_t>(kMaxLibsvmIndex)) fail("too many samples (rows)");
    labels.push_back(*label);

    long long previous = 0;
    for (std::size_t k = 1; k < tokens.size(); ++k) {
      const std::string_view token = tokens[k];
      const std::size_t colon = token.find(':');
      if (colon == std::string_view::npos) fail(fmt::format("expected index:value, got {}", quoted(token)));
      const auto index = parse_index(token.substr(0, colon));
      if (!index || *index < 1) {
        fail(fmt::format("feature index must be an integer >= 1, got {}", quoted(token.substr(0, colon))));
      }
      if (*index > kMaxLibsvmIndex) {
        fail(fmt::format("feature index {} is too large (at most {})", *index, kMaxLibsvmIndex));
      }
      if (*index <= previous) {
        fail(fmt::format("feature indices must increase along a line: {} after {}", *index, previous));
      }
      if (options.dim && *index > *options.dim) {
        fail(fmt::format("feature index {} exceeds the dimension {}", *index, *options.dim));
      }
      // The spec reader applies the same number rule (core/number_text.hpp).
      const NumberText parsed = parse_number_text(token.substr(colon + 1));
      if (parsed.error == NumberTextError::too_large || parsed.error == NumberTextError::too_small) {
        fail(fmt::format("feature {}: value {} {}", *index, quoted(token.substr(colon + 1)),
                         describe_number_error(parsed.error)));
      }
      if (!parsed) fail(fmt::format("feature {} has no finite numeric value: {}", *index, quoted(token.substr(colon + 1))));
      const std::optional<double> value = parsed.value;
      previous = *index;
      if (*index > largest) largest = *index;
      if (*value != 0.0) {
        if (columns.size() >= static_cast<std::size_t>(kMaxLibsvmIndex)) fail("too many non-zero values");
        columns.push_back(static_cast<int>(*index - 1));
        values.push_back(*value);
      }
    }
    row_starts.push_back(static_cast<int>(columns.size()));
  }
  if (in.bad()) throw LibsvmError(source, number, "read error");
  if (labels.empty()) throw LibsvmError(source, number, "no samples (the file has no non-blank line)");

  LibsvmData data;
  data.largest_index = static_cast<Index>(largest);
  const Index dim = options.dim ? *options.dim : static_cast<Index>(largest);
  if (dim < 1) throw LibsvmError(source, number, "no features (no index:value pair in the file)");
  data.features.resize(static_cast<Index>(labels.size()), dim);
  data.features.resizeNonZeros(static_cast<Index>(values.size()));
  std::copy(row_starts.begin(), row_starts.end(), data.features.outerIndexPtr());
  std::copy(columns.begin(), columns.end(), data.features.innerIndexPtr());
  std::copy(values.begin(), values.end(), data.features.valuePtr());
  data.zero_one_labels = zero_line != 0;
  data.labels.resize(static_cast<Index>(labels.size()));
  for (std::size_t j = 0; j < labels.size(); ++j) {
    data.labels[static_cast<Index>(j)] = options.real_labels ? labels[j] : (labels[j] == 1.0 ? 1.0 : -1.0);
  }
  return data;
}

}  // namespace localsgd
