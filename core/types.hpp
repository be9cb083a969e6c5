#pragma once
// Vector and matrix types used across all layers.
#include <Eigen/Core>

namespace localsgd {

using Vector = Eigen::VectorXd;
// Row-major so that one sample (a row) is contiguous: mini-batch gradients read rows.
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Index = Eigen::Index;

}  // namespace localsgd
