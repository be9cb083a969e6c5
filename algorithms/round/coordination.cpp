#include "algorithms/round/coordination.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace localsgd::round {

double staleness_weight(const StalenessOptions& options, long staleness) {
  const auto k = static_cast<double>(staleness);
  switch (options.kind) {
    case StalenessKind::constant: return 1.0;
    case StalenessKind::polynomial: return staleness == 0 ? 1.0 : std::pow(1.0 + k, -options.a);
    case StalenessKind::hinge: return k <= options.b ? 1.0 : 1.0 / (options.a * (k - options.b) + 1.0);
  }
  return 1.0;
}

std::string_view coordination_name(CoordinationKind kind) {
  switch (kind) {
    case CoordinationKind::barrier: return "barrier";
    case CoordinationKind::fedasync: return "fedasync";
    case CoordinationKind::fedbuff: return "fedbuff";
  }
  return "barrier";
}

void check_async_pipeline(const Pipeline& pipeline, const CoordinationOptions& coordination, int workers,
                          long local_steps) {
  auto refuse = [](const std::string& rule) { throw std::invalid_argument("asynchronous coordination: " + rule); };
  if (!coordination.asynchronous()) refuse("the coordination is the barrier");
  if (local_steps < 1) refuse("local steps per job must be >= 1");
  if (coordination.kind == CoordinationKind::fedasync && !(coordination.mixing > 0 && coordination.mixing <= 1)) {
    refuse("mixing must be in (0, 1]");
  }
  if (coordination.kind == CoordinationKind::fedbuff && (coordination.buffer < 1 || coordination.buffer > workers)) {
    refuse("buffer must be between 1 and the number of workers");
  }
  if (coordination.staleness.kind != StalenessKind::constant && !(coordination.staleness.a > 0)) refuse("a must be > 0");
  if (coordination.staleness.kind == StalenessKind::hinge && !(coordination.staleness.b >= 0)) refuse("b must be >= 0");
  if (pipeline.participation.kind != ParticipationKind::full && pipeline.participation.kind != ParticipationKind::available) {
    refuse("participation must be full or available (workers pull when they are free)");
  }
  if (pipeline.local_work.kind != LocalWorkKind::schedule) refuse("local work must be the schedule's period");
  if (pipeline.correction.kind == CorrectionKind::scaffold) refuse("SCAFFOLD needs rounds (its control variates)");
  if (pipeline.aggregation != AggregationKind::uniform) refuse("aggregation must be uniform");
  if (pipeline.compression.enabled) refuse("compression is simulated at barrier syncs only (cut: compressed pushes)");
  if (pipeline.gossip.enabled) refuse("gossip replaces the server: asynchronous runs push to a server");
  const bool plain_server = pipeline.server.kind == ServerKind::plain ||
                            (pipeline.server.kind == ServerKind::sgd && pipeline.server.learning_rate == 1);
  if (coordination.kind == CoordinationKind::fedasync && !plain_server) {
    refuse("fedasync mixes each push into the server model (a server step needs fedbuff)");
  }
}

}  // namespace localsgd::round
