#include "problems/finite_sum.hpp"

#include <algorithm>
#include <array>

#include "core/kernels.hpp"

namespace localsgd {

namespace {
// Rows per pass of the dense kernels: the terms of a pass live on the stack.
constexpr int kRowsPerPass = 16;
}  // namespace

void FiniteSum::batch_gradient(const Vector& x, const Index* rows, int batch, Vector& out) const {
  const DesignMatrix& a = design();
  out.setZero();
  if (!a.is_sparse()) {
    const RowMatrix& dense = a.dense();
    const Index d = dense.cols();
    std::array<double, kRowsPerPass> terms;  // NOLINT: filled before use
    for (int done = 0; done < batch; done += kRowsPerPass) {
      const int count = std::min(batch - done, kRowsPerPass);
      kernels::dot_rows(dense.data(), d, rows + done, count, x.data(), terms.data());
      row_terms(rows + done, count, terms.data());
      kernels::add_rows(dense.data(), d, rows + done, count, terms.data(), out.data());
    }
  } else {
    const SparseRowMatrix& sparse = a.sparse();
    for (int b = 0; b < batch; ++b) {
      double term = row_dot(sparse, rows[b], x);
      row_terms(rows + b, 1, &term);
      add_row(sparse, rows[b], term, out);
    }
  }
  if (batch > 1) kernels::divide(out.data(), static_cast<double>(batch), out.size());
  finish_batch(x, out);
}

void FiniteSum::prefetch_rows(const Index* rows, int count) const {
  if (const double* values = row_values(); values != nullptr) {
    for (int b = 0; b < count; ++b) __builtin_prefetch(values + rows[b]);
  }
  const DesignMatrix& a = design();
  if (a.is_sparse()) return;
  kernels::prefetch_rows(a.dense().data(), a.cols(), rows, count);
}

}  // namespace localsgd
