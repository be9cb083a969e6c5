#include "experiments/store/csv.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace localsgd {

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::optional<double> parse_double(std::string_view text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

namespace {

// A cell's text for a message: quoted, control bytes escaped, cut after 60 bytes.
std::string shown(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < 60; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + (text.size() > 60 ? "\"..." : "\"");
}

}  // namespace

std::size_t CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  throw CsvError(fmt::format("{}: has no column \"{}\"", file, name));
}

double CsvTable::number(std::size_t row, std::size_t column) const {
  const std::string& text = rows.at(row).at(column);
  if (const auto value = parse_double(text)) return *value;
  double ignored = 0;
  const bool out_of_range =
      std::from_chars(text.data(), text.data() + text.size(), ignored).ec == std::errc::result_out_of_range;
  throw CsvError(fmt::format("{}:{}: column \"{}\": {}: {}", file, lines.at(row), header.at(column),
                             out_of_range ? "out of the range of a double" : "not a number", shown(text)));
}

CsvTable parse_csv(std::string_view text, const std::string& file) {
  CsvTable table;
  table.file = file;
  std::size_t line = 1;  // the line at position i
  std::size_t i = 0;
  const std::size_t n = text.size();
  // Consumes a line break at i (LF, CRLF or CR), if there is one.
  auto line_break = [&] {
    if (i < n && text[i] == '\r') {
      ++i;
      if (i < n && text[i] == '\n') ++i;
    } else if (i < n && text[i] == '\n') {
      ++i;
    } else {
      return false;
    }
    ++line;
    return true;
  };
  while (i < n) {
    const std::size_t record_line = line;
    if (line_break()) continue;  // an empty line
    std::vector<std::string> fields(1);
    while (true) {
      std::string& field = fields.back();
      if (i < n && text[i] == '"') {
        const std::size_t opened = line;
        ++i;
        while (true) {
          if (i >= n) throw CsvError(fmt::format("{}:{}: a quoted field opened on this line is never closed", file, opened));
          const char c = text[i++];
          if (c == '"') {
            if (i < n && text[i] == '"') {
              field += '"';
              ++i;
              continue;
            }
            break;
          }
          // A CR or LF inside quotes is part of the field; count lines as a text editor would.
          if (c == '\n' || (c == '\r' && !(i < n && text[i] == '\n'))) ++line;
          field += c;
        }
        if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          throw CsvError(fmt::format("{}:{}: column {}: a quoted field must be followed by a comma or the end of the "
                                     "line, got {}",
                                     file, line, fields.size(), shown(text.substr(i, 1))));
        }
      } else {
        while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '"') {
            throw CsvError(fmt::format("{}:{}: column {}: a quote inside an unquoted field (RFC 4180: quote the whole "
                                       "field and double the quote)",
                                       file, line, fields.size()));
          }
          field += text[i++];
        }
      }
      if (i < n && text[i] == ',') {
        ++i;
        fields.emplace_back();
        continue;
      }
      line_break();
      break;
    }
    if (table.header.empty()) {
      table.header = std::move(fields);
      continue;
    }
    if (fields.size() != table.header.size()) {
      throw CsvError(fmt::format("{}:{}: has {} field{}, the header has {}", file, record_line, fields.size(),
                                 fields.size() == 1 ? "" : "s", table.header.size()));
    }
    table.rows.push_back(std::move(fields));
    table.lines.push_back(record_line);
  }
  if (table.header.empty()) throw CsvError(fmt::format("{}: empty file (no header line)", file));
  return table;
}

CsvTable read_csv(const std::filesystem::path& path) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw CsvError(fmt::format("{}: cannot open for reading{}", path.string(),
                               errno != 0 ? std::string(": ") + std::strerror(errno) : std::string()));
  }
  // Read straight into one string of the file's size: a stringstream and its str() copy would
  // hold the text three times while the table is built (the memory estimate counts it once).
  std::string content;
  std::error_code size_error;
  const auto size = std::filesystem::file_size(path, size_error);
  if (!size_error) content.reserve(static_cast<std::size_t>(size));
  char chunk[65536];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) content.append(chunk, static_cast<std::size_t>(in.gcount()));
  if (in.bad()) throw CsvError(fmt::format("{}: cannot read", path.string()));
  return parse_csv(content, path.string());
}

std::vector<std::string> split_csv_line(const std::string& line) {
  const CsvTable table = parse_csv(line, "line");
  return table.header;
}

}  // namespace localsgd
