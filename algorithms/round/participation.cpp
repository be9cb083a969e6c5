#include "algorithms/round/participation.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "core/random.hpp"

namespace localsgd::round {

ParticipantDraw::ParticipantDraw(const ParticipationOptions& options, int workers,
                                 std::span<const double> shard_sizes, std::uint64_t seed)
    : options_(options), workers_(workers), key_(purpose_key(seed, StreamPurpose::participation)) {
  const ParticipationKind kind = options.kind;
  if ((kind == ParticipationKind::uniform || kind == ParticipationKind::weighted) &&
      (options.clients < 1 || options.clients > workers)) {
    throw std::invalid_argument("participation: need 1 <= clients <= workers");
  }
  if (kind == ParticipationKind::available) {
    const auto n = options.probability.size();
    if (n != 1 && n != static_cast<std::size_t>(workers)) {
      throw std::invalid_argument("participation: probability needs one value or one per worker");
    }
    for (double q : options.probability) {
      if (!(q >= 0 && q <= 1)) throw std::invalid_argument("participation: probabilities must be in [0, 1]");
    }
  }
  if (kind == ParticipationKind::weighted) {
    cumulative_.resize(static_cast<std::size_t>(workers));
    double total = 0;
    for (int i = 0; i < workers; ++i) {
      total += shard_sizes.empty() ? 1.0 : shard_sizes[static_cast<std::size_t>(i)];
      cumulative_[static_cast<std::size_t>(i)] = total;
    }
  }
  if (kind == ParticipationKind::uniform || kind == ParticipationKind::weighted) {
    chosen_.assign(static_cast<std::size_t>(workers), 0);
  }
}

double ParticipantDraw::presence_probability(int worker, long round) const {
  if (options_.kind != ParticipationKind::available) return 1.0;
  const auto& q = options_.probability;
  const double base = q.size() == 1 ? q[0] : q[static_cast<std::size_t>(worker)];
  if (options_.period_rounds <= 0 || options_.amplitude == 0) return base;
  // A day of `period_rounds` rounds; worker i lives i/p of a day ahead (time zones).
  const double phase = static_cast<double>(round) / static_cast<double>(options_.period_rounds) +
                       static_cast<double>(worker) / static_cast<double>(workers_);
  return std::clamp(base + options_.amplitude * std::sin(2 * std::numbers::pi * phase), 0.0, 1.0);
}

void ParticipantDraw::draw(long round, std::vector<int>& ids, std::vector<int>& multiplicity) {
  ids.clear();
  multiplicity.clear();
  const auto r = static_cast<std::uint64_t>(round);
  switch (options_.kind) {
    case ParticipationKind::full:
    case ParticipationKind::deadline:
      for (int i = 0; i < workers_; ++i) ids.push_back(i);
      break;
    case ParticipationKind::uniform: {
      // Floyd: for j = p − K, …, p − 1 pick t uniform in [0, j]; take t, or j if t is taken.
      // Every K-subset has probability 1 / C(p, K).
      Rng rng(key_, 0, r);
      const int p = workers_, k = options_.clients;
      for (int j = p - k; j < p; ++j) {
        const auto t = static_cast<int>(uniform_index(rng, static_cast<std::uint64_t>(j) + 1));
        const int pick = chosen_[static_cast<std::size_t>(t)] != 0 ? j : t;
        chosen_[static_cast<std::size_t>(pick)] = 1;
        ids.push_back(pick);
      }
      std::sort(ids.begin(), ids.end());
      for (int id : ids) chosen_[static_cast<std::size_t>(id)] = 0;
      break;
    }
    case ParticipationKind::weighted: {
      // K independent draws by inversion of the cumulative shard sizes; the marks count them.
      Rng rng(key_, 0, r);
      const double total = cumulative_.back();
      for (int k = 0; k < options_.clients; ++k) {
        const double u = uniform01(rng) * total;
        auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
        if (it == cumulative_.end()) --it;  // u rounded up to the total
        const auto id = static_cast<int>(it - cumulative_.begin());
        if (chosen_[static_cast<std::size_t>(id)]++ == 0) ids.push_back(id);
      }
      std::sort(ids.begin(), ids.end());
      for (int id : ids) {
        multiplicity.push_back(chosen_[static_cast<std::size_t>(id)]);
        chosen_[static_cast<std::size_t>(id)] = 0;
      }
      return;
    }
    case ParticipationKind::available:
      for (int i = 0; i < workers_; ++i) {
        Rng rng(key_, static_cast<std::uint64_t>(i), r);
        if (uniform01(rng) < presence_probability(i, round)) ids.push_back(i);
      }
      break;
  }
  multiplicity.assign(ids.size(), 1);
}

}  // namespace localsgd::round
