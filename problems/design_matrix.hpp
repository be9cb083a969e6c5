#pragma once
// A data set's feature matrix A (n rows = samples, d columns = features), stored dense or sparse.
// Sparse data (e.g. one-hot encoded LIBSVM files) stays in compressed row storage, so that a
// sampled row is one contiguous run of (index, value) pairs; dense data is a row-major matrix.
// Code that touches rows in a loop calls `visit` once and then the overloads below, so the
// storage is dispatched once per call, not once per row.
#include <Eigen/SparseCore>
#include <utility>
#include <variant>

#include "core/types.hpp"

namespace localsgd {

using SparseRowMatrix = Eigen::SparseMatrix<double, Eigen::RowMajor>;

// a_jᵀx
inline double row_dot(const RowMatrix& a, Index j, const Vector& x) { return a.row(j).dot(x); }
inline double row_dot(const SparseRowMatrix& a, Index j, const Vector& x) {
  double sum = 0;
  for (SparseRowMatrix::InnerIterator it(a, j); it; ++it) sum += it.value() * x[it.index()];
  return sum;
}

// out += scale · a_j (no allocation)
inline void add_row(const RowMatrix& a, Index j, double scale, Vector& out) {
  out.noalias() += scale * a.row(j).transpose();
}
inline void add_row(const SparseRowMatrix& a, Index j, double scale, Vector& out) {
  for (SparseRowMatrix::InnerIterator it(a, j); it; ++it) out[it.index()] += scale * it.value();
}

// ‖a_j‖²
inline double row_squared_norm(const RowMatrix& a, Index j) { return a.row(j).squaredNorm(); }
inline double row_squared_norm(const SparseRowMatrix& a, Index j) {
  double sum = 0;
  for (SparseRowMatrix::InnerIterator it(a, j); it; ++it) sum += it.value() * it.value();
  return sum;
}

class DesignMatrix {
 public:
  explicit DesignMatrix(RowMatrix dense) : storage_(std::move(dense)) {}
  explicit DesignMatrix(SparseRowMatrix sparse) : storage_(std::move(sparse)) {}

  Index rows() const {
    return std::visit([](const auto& a) { return static_cast<Index>(a.rows()); }, storage_);
  }
  Index cols() const {
    return std::visit([](const auto& a) { return static_cast<Index>(a.cols()); }, storage_);
  }
  bool is_sparse() const { return std::holds_alternative<SparseRowMatrix>(storage_); }
  // Stored numbers: n·d when dense, the non-zeros when sparse.
  Index stored_entries() const;

  // Calls f(const RowMatrix&) or f(const SparseRowMatrix&).
  template <class F>
  decltype(auto) visit(F&& f) const {
    return std::visit(std::forward<F>(f), storage_);
  }

  // The dense matrix (throws std::logic_error if stored sparse).
  const RowMatrix& dense() const;
  const SparseRowMatrix& sparse() const;

  Vector times(const Vector& x) const;             // A x
  Vector transpose_times(const Vector& r) const;   // Aᵀ r
  // Aᵀ diag(w) A as a dense d × d matrix, for w >= 0 (w empty: AᵀA). Meant for moderate d.
  Eigen::MatrixXd weighted_gram(const Vector& w = Vector()) const;

 private:
  std::variant<RowMatrix, SparseRowMatrix> storage_;
};

// A data set stored sparse whose density makes dense storage smaller (a sparse entry costs a
// value and an index, 12 bytes, a dense one 8) is converted to dense; otherwise kept sparse.
DesignMatrix choose_storage(SparseRowMatrix matrix);

}  // namespace localsgd
