#pragma once
// Who takes part in a round (algorithms/round/pipeline.hpp, ParticipationKind). Draws are
// addressed (core/random.hpp): round r's set comes from (seed, participation, ·, r), so it does not
// depend on anything else the run draws or on the thread count, and any round can be redrawn alone.
//   full       everyone
//   uniform    K of p without replacement, every K-subset equally likely (Floyd's algorithm,
//              Bentley & Floyd, CACM 1987: K draws at (seed, participation, 0, r))
//   weighted   K draws with replacement, worker i with probability n_i / n (Li et al., ICLR 2020,
//              scheme I), at (seed, participation, 0, r); a worker drawn m times has multiplicity m
//   available  worker i present with probability q_i(r), its own draw at (seed, participation, i, r)
//   deadline   everyone starts; the engine drops or truncates the late ones from the clock
#include <cstdint>
#include <span>
#include <vector>

#include "algorithms/round/pipeline.hpp"

namespace localsgd::round {

class ParticipantDraw {
 public:
  // shard_sizes: n_i per worker (used by `weighted`; empty means all equal).
  ParticipantDraw(const ParticipationOptions& options, int workers, std::span<const double> shard_sizes,
                  std::uint64_t seed);

  // Round r's participants in increasing id order, and each one's multiplicity (1 except for
  // `weighted`). Allocates nothing once the vectors have held p entries.
  void draw(long round, std::vector<int>& ids, std::vector<int>& multiplicity);

  // q_i(r) of `available` (1 for the other kinds).
  double presence_probability(int worker, long round) const;

 private:
  ParticipationOptions options_;
  int workers_;
  std::uint64_t key_;
  std::vector<double> cumulative_;  // weighted: n_0, n_0 + n_1, … (the last is n)
  std::vector<int> chosen_;         // uniform, weighted: scratch marks (draw counts) per worker
};

}  // namespace localsgd::round
