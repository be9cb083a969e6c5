#pragma once
// A regression data set (design matrix, dense or sparse, and targets), immutable once built and
// shared by every worker of a run.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/types.hpp"
#include "problems/design_matrix.hpp"

namespace localsgd {

struct RegressionData {
  DesignMatrix features{RowMatrix()};  // n × d, one sample per row
  Vector targets;                      // n
  std::string description = "synthetic";  // where the data came from, for `how`
  // True when y = A x_true exactly (no label noise): the data are interpolated and F* = 0.
  bool noiseless = false;
  // The generating point x_true (empty when unknown, e.g. for data read from a file).
  Vector truth;
};

struct SyntheticRegressionOptions {
  Index samples = 1000;
  Index dim = 10;
  double noise = 0.1;  // standard deviation of the additive label noise
};

// Rows a_j ~ N(0, I_d), a hidden x_true ~ N(0, I_d), targets y_j = a_jᵀ x_true + noise·ε_j with
// ε_j ~ N(0, 1); x_true drawn at (seed, data, parameters, 0), row j and its noise at (seed, data, rows, j). For n ≫ d the Hessian AᵀA/n is close
// to I (eigenvalues within (1 ± √(d/n))²), i.e. well conditioned.
std::shared_ptr<const RegressionData> make_synthetic_regression(const SyntheticRegressionOptions& options,
                                                                std::uint64_t seed);

// A design with chosen singular values: A = √n · U diag(s) Vᵀ with U (n × r) and V (d × r) having
// orthonormal columns drawn at random (QR of Gaussian matrices, signs fixed as for a Haar
// rotation), r = len(s) <= min(n, d). So H = AᵀA/n = V diag(s²) Vᵀ: its non-zero eigenvalues are
// exactly s_k² (L = max s², μ = min non-zero s²), and zeros in s, r < d, or n < d make F PL but
// not strongly convex. Targets y = A x_true + noise·ε as above. Drawn from the `data` stream of
// `seed`: U's Gaussian matrix, V's, x_true, then ε.
std::shared_ptr<const RegressionData> make_regression_with_singular_values(Index samples, Index dim,
                                                                           const std::vector<double>& singular_values,
                                                                           double noise, std::uint64_t seed);

// A LIBSVM file read with real-valued labels (problems/libsvm.hpp): the targets are the labels;
// sparse rows stay sparse unless dense storage is smaller (choose_storage).
struct LibsvmData;
std::shared_ptr<const RegressionData> regression_data_from_libsvm(LibsvmData data, std::string description);

}  // namespace localsgd
