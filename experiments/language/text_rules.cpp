#include "experiments/language/text_rules.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace localsgd {

std::optional<std::string> text_rule_broken(std::string_view text, std::size_t max_bytes) {
  // The length first: a 1 MB string is refused without a scan.
  if (text.size() > max_bytes) return fmt::format("is {} bytes long; at most {} bytes are allowed", text.size(), max_bytes);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7f) {
      return fmt::format("contains the control character 0x{:02x} at byte {}; control characters (0x00 to 0x1f, "
                         "0x7f) are not allowed",
                         byte, i);
    }
  }
  return std::nullopt;
}

std::optional<std::string> folder_name_rule_broken(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name == "." || name == "..") return fmt::format("is \"{}\", which is not a folder inside the output folder", name);
  if (name.find_first_of("/\\") != std::string_view::npos) {
    return "contains '/' or '\\'; a name is one folder name inside the output folder";
  }
  return text_rule_broken(name, kMaxLabelBytes);
}

std::string printable_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    out += (byte < 0x20 || byte == 0x7f) ? fmt::format("\\x{:02x}", byte) : std::string(1, c);
  }
  return out;
}

std::string quoted_for_message(std::string_view text) {
  const bool cut = text.size() > 60;
  const nlohmann::json value = std::string(text.substr(0, 60));
  std::string out = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (cut) out.insert(out.size() - 1, "...");
  return out;
}

}  // namespace localsgd
