#pragma once
// SHA-256 (FIPS 180-4) of the data files a run reads, computed incrementally by OpenSSL's libcrypto.
// A cryptographic hash rather than FNV: two different files get the same digest only by a
// deliberate 2^128-work attack, so "same digest" can safely mean "same bytes" in a run's identity,
// and a user can check a digest in inputs.json with `sha256sum FILE`.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace localsgd {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(const void* data, std::size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  // The digest of everything given so far, as 64 lowercase hex digits; the object is then spent.
  std::string hex_digest();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

// SHA-256 of `text` in hex.
std::string sha256_hex(std::string_view text);

}  // namespace localsgd
