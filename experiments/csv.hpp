#pragma once
// Minimal RFC 4180 CSV: quoting a field, splitting a line.
#include <string>
#include <vector>

namespace localsgd {

std::string csv_field(const std::string& text);
std::vector<std::string> split_csv_line(const std::string& line);

}  // namespace localsgd
