#pragma once
// A random orthogonal matrix distributed uniformly (Haar measure) on O(d).
#include <Eigen/QR>

#include "core/random.hpp"
#include "core/types.hpp"

namespace localsgd {

// QR of a d × d matrix of independent N(0, 1) draws (filled row by row), with each column of Q
// multiplied by the sign of R's diagonal entry: without that sign fix Q is not Haar-distributed
// (Mezzadri, "How to generate random matrices from the classical compact groups", Notices of the
// AMS 54(5), 2007).
inline Eigen::MatrixXd random_rotation(Rng& rng, Index d) {
  Eigen::MatrixXd g(d, d);
  for (Index r = 0; r < d; ++r) {
    for (Index c = 0; c < d; ++c) g(r, c) = standard_normal(rng);
  }
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(d, d);
  const Eigen::MatrixXd& r = qr.matrixQR();
  for (Index k = 0; k < d; ++k) {
    if (r(k, k) < 0) q.col(k) = -q.col(k);
  }
  return q;
}

}  // namespace localsgd
