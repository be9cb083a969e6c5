#include "problems/design_matrix.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "problems/row_block_products.hpp"

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
  if (w.size() != 0 && w.size() != rows()) throw std::invalid_argument("weighted_gram: one weight per row");
  if (is_sparse()) {
    const SparseRowMatrix& a = sparse();
    SparseRowMatrix scaled = a;
    if (w.size() != 0) scaled = w.cwiseSqrt().asDiagonal() * a;
    const SparseRowMatrix product = SparseRowMatrix(scaled.transpose()) * scaled;
    return Eigen::MatrixXd(product);
  }
  // Dense: blocked products on every core, the same bits for any thread count.
  return dense_gram_by_row_blocks(dense(), w);
}

DesignMatrix choose_storage(SparseRowMatrix matrix) {
  matrix.makeCompressed();
  const double dense_bytes = 8.0 * static_cast<double>(matrix.rows()) * static_cast<double>(matrix.cols());
  const double sparse_bytes = 12.0 * static_cast<double>(matrix.nonZeros());
  if (dense_bytes <= sparse_bytes) return DesignMatrix(RowMatrix(matrix));
  return DesignMatrix(std::move(matrix));
}

}  // namespace localsgd
