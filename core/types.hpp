#pragma once
// Vector and matrix types used across all layers.
#include <Eigen/Core>

#include <cstddef>
#include <span>

namespace localsgd {

using Vector = Eigen::VectorXd;
// Row-major so that one sample (a row) is contiguous: mini-batch gradients read rows.
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Index = Eigen::Index;

// A vector's values as a span (the compression operators' interface).
inline std::span<double> span_of(Vector& x) { return {x.data(), static_cast<std::size_t>(x.size())}; }

}  // namespace localsgd
