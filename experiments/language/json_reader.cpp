#include "experiments/language/json_reader.hpp"

#include <fmt/format.h>

#include <vector>

#include "core/number_text.hpp"
#include "experiments/language/source_map.hpp"

namespace localsgd {

JsonSyntaxError::JsonSyntaxError(std::size_t line, std::size_t column, const std::string& reason)
    : std::runtime_error(fmt::format("line {}, column {}: invalid JSON: {}", line, column, reason)),
      line_(line),
      column_(column),
      reason_(reason) {}

JsonStructureError::JsonStructureError(std::string pointer, const std::string& rule)
    : std::runtime_error((pointer.empty() ? std::string("/") : pointer) + ": " + rule),
      pointer_(std::move(pointer)),
      rule_(rule) {}

namespace {

// Builds the document like nlohmann's own DOM handler, keeping the path to the value being read.
class StrictBuilder {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  StrictBuilder(std::string_view text, std::size_t max_depth) : text_(text), max_depth_(max_depth) {}

  Json take() { return std::move(root_); }

  bool null() { return place(Json(nullptr)); }
  bool boolean(bool value) { return place(Json(value)); }
  bool number_integer(number_integer_t value) { return place(Json(value)); }
  bool number_unsigned(number_unsigned_t value) { return place(Json(value)); }
  // The number rule of core/number_text.hpp (the LIBSVM reader applies it too): an overflow
  // never gets here (nlohmann reports it as a parse error), a value that underflowed does.
  bool number_float(number_float_t value, const string_t& literal) {
    if (const auto error = check_parsed_number(value, literal); error != NumberTextError::none) {
      throw JsonStructureError(next_pointer(), fmt::format("the number {} {}", literal, describe_number_error(error)));
    }
    return place(Json(value));
  }
  bool string(string_t& value) { return place(Json(std::move(value))); }
  bool binary(binary_t& value) { return place(Json::binary(std::move(value))); }

  bool start_object(std::size_t) { return open(Json::object()); }
  bool end_object() { return close(); }
  bool start_array(std::size_t) { return open(Json::array()); }
  bool end_array() { return close(); }

  bool key(string_t& key) {
    Json& object = *frames_.back().node;
    if (object.contains(key)) {
      throw JsonStructureError(pointer() + "/" + pointer_token(key),
                               fmt::format("duplicate key \"{}\" (each key may appear once per object; the "
                                           "second one would silently replace the first)",
                                           key));
    }
    slot_ = &object[key];
    slot_token_ = pointer_token(key);
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& error) {
    std::size_t line = 1;
    std::size_t column = 1;
    // The position counts characters read, the offending one included.
    for (std::size_t i = 0; i + 1 < position && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string reason = error.what();
    // "[json.exception.parse_error.101] parse error at line 3, column 5: <reason>"
    if (auto at = reason.find("column"); at != std::string::npos) {
      if (auto colon = reason.find(": ", at); colon != std::string::npos) reason = reason.substr(colon + 2);
    } else if (auto bracket = reason.find("] "); bracket != std::string::npos) {
      reason = reason.substr(bracket + 2);  // "[json.exception.out_of_range.406] number overflow parsing '1e400'"
    }
    if (reason.find("number overflow") != std::string::npos) reason += " (too large for a double)";
    throw JsonSyntaxError(line, column, reason);
  }

 private:
  struct Frame {
    Json* node;
    std::string token;  // the reference token from the parent to this node
  };

  std::string pointer() const {
    std::string out;
    for (std::size_t i = 1; i < frames_.size(); ++i) out += "/" + frames_[i].token;
    return out;
  }

  // The pointer of the value about to be stored.
  std::string next_pointer() const {
    if (frames_.empty()) return "";
    const Json& parent = *frames_.back().node;
    return pointer() + "/" + (parent.is_array() ? std::to_string(parent.size()) : slot_token_);
  }

  // Stores a value where the next one belongs; returns where it went and by which token.
  std::pair<Json*, std::string> store(Json value) {
    if (frames_.empty()) {
      root_ = std::move(value);
      return {&root_, ""};
    }
    Json& parent = *frames_.back().node;
    if (parent.is_array()) {
      const std::string token = std::to_string(parent.size());
      parent.push_back(std::move(value));
      return {&parent.back(), token};
    }
    *slot_ = std::move(value);
    return {slot_, slot_token_};
  }

  bool place(Json value) {
    store(std::move(value));
    return true;
  }

  bool open(Json container) {
    if (frames_.size() >= max_depth_) {
      throw JsonStructureError(pointer(), fmt::format("nested more than {} levels deep", max_depth_));
    }
    auto [node, token] = store(std::move(container));
    frames_.push_back({node, std::move(token)});
    return true;
  }

  bool close() {
    frames_.pop_back();
    return true;
  }

  std::string_view text_;
  std::size_t max_depth_;
  Json root_;
  std::vector<Frame> frames_;
  Json* slot_ = nullptr;
  std::string slot_token_;
};

}  // namespace

Json parse_strict_json(std::string_view text, std::size_t max_depth) {
  StrictBuilder builder(text, max_depth);
  Json::sax_parse(text.begin(), text.end(), &builder);
  return builder.take();
}

}  // namespace localsgd
