#pragma once
// The messages of a compressed sync (DESIGN.md §5.5, algorithms/round/pipeline.hpp): participant
// i sends C applied to its model change Δ_i = y_i − x_r through its error memory, and the server
// adds what it decodes, m̂_i:
//   none:  m̂_i = C(Δ_i)
//   ef:    m̂_i = C(Δ_i + e_i),          then e_i ← Δ_i + e_i − m̂_i   (Stich et al. 2018, Alg. 1;
//                                                                    Karimireddy et al. 2019, Alg. 2)
//   ef21:  m̂_i = g_i + C(Δ_i − g_i),    then g_i ← m̂_i               (Richtárik et al. 2021, Alg. 1)
// (for EF21 the message on the wire is C(Δ_i − g_i); the server keeps the same g_i). Decoding is a
// pure function of the models, the memory and the draws at (seed, compression, worker i, step s),
// s = the step that ends the round, so an evaluation between syncs previews exactly what the sync
// will install; only commit() changes the memory. No allocation after begin_run.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "algorithms/compression/compressor.hpp"
#include "algorithms/round/pipeline.hpp"
#include "core/types.hpp"
#include "sim/worker.hpp"

namespace localsgd {

class CompressedMessages {
 public:
  // Sized for p workers of dimension d, with `chunks` operators (one per task that decodes).
  void begin_run(const round::CompressionOptions& options, int workers, Index dim, int chunks, std::uint64_t seed);

  // m̂ of every participant (participants[j]'s into message(j)), for the round ending at `round_end`.
  void decode(std::span<const int> participants, const std::vector<Worker>& workers, const Vector& server,
              long round_end);
  // The memory update of the last decode, once the sync happens (the models and x_r unchanged).
  void commit(std::span<const int> participants, const std::vector<Worker>& workers, const Vector& server);

  const Vector& message(std::size_t j) const { return messages_[j]; }
  // Bytes of one participant's message on the wire.
  double message_bytes() const { return message_bytes_; }

  // Bytes held during a run (the memory estimate, Engine::estimate_bytes).
  static double estimate_bytes(const round::CompressionOptions& options, int workers, Index dim, int chunks);

 private:
  void decode_one(std::size_t j, int id, const Worker& worker, const Vector& server, long round_end, int chunk);

  round::CompressionOptions options_;
  std::uint64_t seed_ = 0;
  double message_bytes_ = 0;
  std::vector<std::unique_ptr<compression::Compressor>> operators_;  // per chunk (they keep scratch)
  std::vector<Vector> inputs_;    // per chunk: the vector compressed
  std::vector<Vector> messages_;  // per participant slot: m̂
  std::vector<Vector> memory_;    // per worker: e_i (ef) or g_i (ef21); empty for none
};

}  // namespace localsgd
