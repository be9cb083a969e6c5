#pragma once
// Seeded per-worker directions with mean exactly zero over the workers, for the heterogeneity of
// the oracle problems (quadratic: worker optima x* + ζ δ_i; nonconvex_pl: gradient tilts ζ v_i).
#include <vector>

#include "core/random.hpp"
#include "core/types.hpp"

namespace localsgd {

struct CentredDirections {
  std::vector<Vector> directions;  // one per worker, summing to zero (up to rounding)
  double mean_squared_norm = 0;    // (1/p) Σ_i ‖δ_i‖², for the caller's rescaling
};

// Draws p vectors of d standard normals from `rng`, worker by worker, projects each onto the
// columns of `range` when given (orthonormal columns: v ← R Rᵀ v), and subtracts their mean.
inline CentredDirections centred_gaussian_directions(Rng& rng, int workers, Index d,
                                                     const Eigen::MatrixXd* range = nullptr) {
  CentredDirections out;
  out.directions.assign(static_cast<std::size_t>(workers), Vector::Zero(d));
  Vector mean = Vector::Zero(d);
  for (auto& v : out.directions) {
    for (Index k = 0; k < d; ++k) v[k] = standard_normal(rng);
    if (range != nullptr) v = *range * (range->transpose() * v);
    mean += v;
  }
  mean /= workers;
  for (auto& v : out.directions) {
    v -= mean;
    out.mean_squared_norm += v.squaredNorm();
  }
  out.mean_squared_norm /= workers;
  return out;
}

}  // namespace localsgd
