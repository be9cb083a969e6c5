#pragma once
// A dense regression data set (design matrix and targets), immutable once built and shared by
// every worker of a run.
#include <cstdint>
#include <memory>

#include "core/types.hpp"

namespace localsgd {

struct RegressionData {
  RowMatrix features;  // n × d, one sample per row
  Vector targets;      // n
};

struct SyntheticRegressionOptions {
  Index samples = 1000;
  Index dim = 10;
  double noise = 0.1;  // standard deviation of the additive label noise
};

// Rows a_j ~ N(0, I_d), a hidden x_true ~ N(0, I_d), targets y_j = a_jᵀ x_true + noise·ε_j with
// ε_j ~ N(0, 1); all drawn from the `data` stream of `seed`. For n ≫ d the Hessian AᵀA/n is close
// to I (eigenvalues within (1 ± √(d/n))²), i.e. well conditioned.
std::shared_ptr<const RegressionData> make_synthetic_regression(const SyntheticRegressionOptions& options,
                                                                std::uint64_t seed);

}  // namespace localsgd
