#pragma once
// SHA-256 (FIPS 180-4), incremental: the content hash of the data files a run reads. A
// cryptographic hash rather than FNV: two different files get the same digest only by a
// deliberate 2^128-work attack, so "same digest" can safely mean "same bytes" in a run's identity.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace localsgd {

class Sha256 {
 public:
  void update(const void* data, std::size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  // The digest of everything given so far, as 64 lowercase hex digits; the object is then spent.
  std::string hex_digest();

 private:
  void compress(const unsigned char* block);
  std::array<std::uint32_t, 8> state_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                         0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::array<unsigned char, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;  // bytes given so far
};

// SHA-256 of `text` in hex.
std::string sha256_hex(std::string_view text);

}  // namespace localsgd
