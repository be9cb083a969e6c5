#pragma once
// RFC 4180 CSV: quoting a field for writing, and reading a whole file back. The reader accepts
// everything csv_field writes (quoted fields holding commas, quotes, CR and LF; any other byte,
// control characters and UTF-8 included, as is), and every error names the file and line (and
// the column, for a cell), so that a results folder written by any version, or edited by hand,
// is either read exactly or refused with a message saying where.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace localsgd {

// A CSV file that cannot be read: "FILE:LINE: what is wrong".
class CsvError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string csv_field(const std::string& text);

// A number as localsgd writes it (fmt's shortest round-trip form: "1e-05", "4.9e-324", "-0",
// "inf", "-inf", "nan", "-nan"), parsed exactly (std::from_chars: every bit, subnormals
// included). The whole text must be the number: no spaces, no leading '+'. Empty if it is not a
// number or is out of the range of a double.
std::optional<double> parse_double(std::string_view text);

struct CsvTable {
  std::string file;  // as named in messages
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each has header.size() fields
  std::vector<std::size_t> lines;              // the line each row starts on (the header is line 1)

  // The index of the column `name`; throws CsvError if there is none.
  std::size_t column(const std::string& name) const;
  // The cell (row, column) as a number; throws CsvError `FILE:LINE: column "NAME": not a number: "abc"`.
  double number(std::size_t row, std::size_t column) const;
};

// Parses a whole CSV text (the first record is the header). Records end at LF, CRLF or a lone
// CR outside quotes; a line that is entirely empty is skipped. Throws CsvError naming `file`.
CsvTable parse_csv(std::string_view text, const std::string& file);

// Reads and parses `path` (in binary: every byte is kept); messages name the path.
CsvTable read_csv(const std::filesystem::path& path);

// The fields of one record (for tests and tools that hold a single line).
std::vector<std::string> split_csv_line(const std::string& line);

}  // namespace localsgd
