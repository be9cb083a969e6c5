#pragma once
// The common starting point x_0 of every worker (docs/design.md §2, "Start").
#include <cstdint>

#include "core/types.hpp"

namespace localsgd {

enum class InitKind {
  zero,      // x_0 = 0
  optimum,   // x_0 = x* (to watch the noise floor from the start)
  distance,  // x_0 = x* + r·u with u uniform on the unit sphere (seeded): ‖x_0 − x*‖ = r exactly
  point,     // x_0 given explicitly
};

struct InitialPointOptions {
  InitKind kind = InitKind::zero;
  double distance = 0;  // r, for InitKind::distance
  Vector point;         // for InitKind::point; must have the problem's dimension
};

// The direction for InitKind::distance is a normalised N(0, I) draw from the `init` stream of
// `seed` (the problem's data seed, so every run seed of a spec starts from the same point).
// Throws std::invalid_argument if an explicit point has the wrong dimension.
Vector initial_point(const InitialPointOptions& options, const Vector& optimum, std::uint64_t seed);

}  // namespace localsgd
