#pragma once
// The memory estimates' unit (Engine::estimate_bytes and the parts it adds up): a heap block of
// `bytes`, with the allocator's bookkeeping (glibc's malloc keeps 16 bytes per chunk on 64-bit).
namespace localsgd {

inline double heap_block(double bytes) { return bytes + 16.0; }

}  // namespace localsgd
