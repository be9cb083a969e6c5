#include "problems/design_matrix.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace localsgd {

Index DesignMatrix::stored_entries() const {
  if (is_sparse()) return std::get<SparseRowMatrix>(storage_).nonZeros();
  return rows() * cols();
}

const RowMatrix& DesignMatrix::dense() const {
  if (is_sparse()) throw std::logic_error("DesignMatrix::dense: the matrix is stored sparse");
  return std::get<RowMatrix>(storage_);
}

const SparseRowMatrix& DesignMatrix::sparse() const {
  if (!is_sparse()) throw std::logic_error("DesignMatrix::sparse: the matrix is stored dense");
  return std::get<SparseRowMatrix>(storage_);
}

Vector DesignMatrix::times(const Vector& x) const {
  return visit([&](const auto& a) -> Vector { return a * x; });
}

Vector DesignMatrix::transpose_times(const Vector& r) const {
  return visit([&](const auto& a) -> Vector { return a.transpose() * r; });
}

Eigen::MatrixXd DesignMatrix::weighted_gram(const Vector& w) const {
  const Index d = cols();
  if (w.size() != 0 && w.size() != rows()) throw std::invalid_argument("weighted_gram: one weight per row");
  if (is_sparse()) {
    const SparseRowMatrix& a = sparse();
    SparseRowMatrix scaled = a;
    if (w.size() != 0) scaled = w.cwiseSqrt().asDiagonal() * a;
    const SparseRowMatrix product = SparseRowMatrix(scaled.transpose()) * scaled;
    return Eigen::MatrixXd(product);
  }
  const RowMatrix& a = dense();
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(d, d);
  if (w.size() == 0) {
    gram.selfadjointView<Eigen::Lower>().rankUpdate(a.transpose());
  } else {
    // In blocks of rows, so that the scaled copy never holds more than 1024 rows.
    const Index block = 1024;
    for (Index first = 0; first < a.rows(); first += block) {
      const Index count = std::min(block, a.rows() - first);
      const RowMatrix scaled = w.segment(first, count).cwiseSqrt().asDiagonal() * a.middleRows(first, count);
      gram.selfadjointView<Eigen::Lower>().rankUpdate(scaled.transpose());
    }
  }
  return gram.selfadjointView<Eigen::Lower>();
}

DesignMatrix choose_storage(SparseRowMatrix matrix) {
  matrix.makeCompressed();
  const double dense_bytes = 8.0 * static_cast<double>(matrix.rows()) * static_cast<double>(matrix.cols());
  const double sparse_bytes = 12.0 * static_cast<double>(matrix.nonZeros());
  if (dense_bytes <= sparse_bytes) return DesignMatrix(RowMatrix(matrix));
  return DesignMatrix(std::move(matrix));
}

}  // namespace localsgd
