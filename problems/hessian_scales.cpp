#include "problems/hessian_scales.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace localsgd {

Eigen::MatrixXd draw_hessian_scales(Rng& rng, int workers, Index dim, double omega) {
  if (workers < 1 || dim < 1) throw std::invalid_argument("hessian scales: need workers >= 1 and dim >= 1");
  if (!(omega >= 0 && omega <= kMaxHessianHeterogeneity)) {
    throw std::invalid_argument(fmt::format("hessian_heterogeneity must be a finite number in [0, {}], got {}",
                                            kMaxHessianHeterogeneity, omega));
  }
  Eigen::MatrixXd exponents(workers, dim);
  for (int i = 0; i < workers; ++i) {
    for (Index k = 0; k < dim; ++k) exponents(i, k) = omega * standard_normal(rng);
  }
  Eigen::MatrixXd scales(workers, dim);
  for (Index k = 0; k < dim; ++k) {
    const double top = exponents.col(k).maxCoeff();
    double mean = 0;
    for (int i = 0; i < workers; ++i) {
      scales(i, k) = std::exp(exponents(i, k) - top);
      mean += scales(i, k);
    }
    mean /= workers;  // >= 1/p: the largest term is exp(0) = 1
    scales.col(k) /= mean;
  }
  if (!(scales.array() > 0).all() || !scales.allFinite()) {
    throw std::invalid_argument(fmt::format(
        "hessian_heterogeneity = {}: a worker's eigenvalue scale under- or overflowed; use a smaller value", omega));
  }
  return scales;
}

}  // namespace localsgd
