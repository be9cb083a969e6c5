#include "sim/compressed_messages.hpp"

#include <algorithm>

#include "core/parallel.hpp"
#include "core/random.hpp"
#include "sim/heap_block.hpp"

namespace localsgd {

namespace {

using compression::Feedback;

}  // namespace

void CompressedMessages::begin_run(const round::CompressionOptions& options, int workers, Index dim, int chunks,
                                   std::uint64_t seed) {
  options_ = options;
  seed_ = seed;
  const auto p = static_cast<std::size_t>(workers);
  operators_.clear();
  for (int c = 0; c < chunks; ++c) operators_.push_back(compression::make_compressor(options.compressor, dim));
  message_bytes_ = static_cast<double>(operators_.front()->message_bytes());
  inputs_.assign(static_cast<std::size_t>(chunks), Vector::Zero(dim));
  messages_.assign(p, Vector::Zero(dim));
  memory_.assign(options.feedback == Feedback::none ? 0 : p, Vector::Zero(dim));
}

void CompressedMessages::decode_one(std::size_t j, int id, const Worker& worker, const Vector& server, long round_end,
                                    int chunk) {
  Vector& input = inputs_[static_cast<std::size_t>(chunk)];
  Vector& out = messages_[j];
  input = worker.model - server;  // Δ_i
  const auto i = static_cast<std::size_t>(id);
  if (options_.feedback == Feedback::ef) input += memory_[i];
  if (options_.feedback == Feedback::ef21) input -= memory_[i];
  Rng rng(seed_, StreamPurpose::compression, static_cast<std::uint64_t>(id), static_cast<std::uint64_t>(round_end));
  operators_[static_cast<std::size_t>(chunk)]->compress(span_of(input), span_of(out), rng);
  if (options_.feedback == Feedback::ef21) out += memory_[i];
}

void CompressedMessages::decode(std::span<const int> participants, const std::vector<Worker>& workers,
                                const Vector& server, long round_end) {
  const auto count = static_cast<int>(participants.size());
  auto decode_range = [&](int begin, int end, int chunk) {
    for (int j = begin; j < end; ++j) {
      const int id = participants[static_cast<std::size_t>(j)];
      decode_one(static_cast<std::size_t>(j), id, workers[static_cast<std::size_t>(id)], server, round_end, chunk);
    }
  };
  const std::size_t values = participants.size() * static_cast<std::size_t>(server.size());
  if (count == 0) return;
  if (values < kParallelValues) {
    decode_range(0, count, 0);
    return;
  }
  // Fixed chunks of consecutive participants, each with its own operator and input scratch: the
  // draws are addressed by worker, so the split changes no bit.
  const int chunks = std::min(count, static_cast<int>(operators_.size()));
  parallel_for_index(0, chunks, [&](int c) {
    decode_range(chunk_begin(count, c, chunks), chunk_begin(count, c + 1, chunks), c);
  });
}

void CompressedMessages::commit(std::span<const int> participants, const std::vector<Worker>& workers,
                                const Vector& server) {
  if (options_.feedback == Feedback::none) return;
  for (std::size_t j = 0; j < participants.size(); ++j) {
    const auto i = static_cast<std::size_t>(participants[j]);
    if (options_.feedback == Feedback::ef) {
      memory_[i] += (workers[i].model - server) - messages_[j];  // e ← Δ + e − C(Δ + e)
    } else {
      memory_[i] = messages_[j];  // g ← g + C(Δ − g)
    }
  }
}

double CompressedMessages::estimate_bytes(const round::CompressionOptions& options, int workers, Index dim,
                                          int chunks) {
  if (!options.enabled) return 0.0;
  const double d = static_cast<double>(dim);
  const double p = workers;
  const double vector = heap_block(8.0 * d);
  // Per chunk: the operator with its scratch (at most an index and a mark per coordinate) and
  // the input vector; per worker: its message slot and, with feedback, its memory.
  const double per_chunk = heap_block(256) + heap_block(static_cast<double>(sizeof(Index)) * d) + heap_block(d) +
                           vector + static_cast<double>(sizeof(Vector) + sizeof(void*));
  const double per_worker = vector + static_cast<double>(sizeof(Vector)) +
                            (options.feedback == Feedback::none ? 0.0 : vector + static_cast<double>(sizeof(Vector)));
  return 3 * heap_block(0) + chunks * per_chunk + p * per_worker;
}

}  // namespace localsgd
