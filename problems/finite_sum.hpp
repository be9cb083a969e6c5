#pragma once
// F_i(x) = (1/|S_i|) Σ_{j∈S_i} f_j(a_jᵀx) (+ a regulariser): the objective of a worker as a mean of
// per-row terms over its shard S_i of a data set's rows a_j. The gradient of one row's term is
// s_j a_j with a scalar s_j that depends on x only through the dot a_jᵀx, e.g.
//   least squares: s_j = a_jᵀx − y_j;       logistic: s_j = −y_j σ(−y_j a_jᵀx).
// The finite sum never samples: the engine draws each step's B rows from the worker's shard
// (sim/minibatch.hpp) and asks for the mini-batch gradient over those rows, here.
#include "core/types.hpp"
#include "problems/design_matrix.hpp"
#include "problems/partition.hpp"

namespace localsgd {

class FiniteSum {
 public:
  virtual ~FiniteSum() = default;

  // The data set's rows a_j (dense or sparse).
  virtual const DesignMatrix& design() const = 0;
  // The row indices of worker `worker`'s shard S_i (never empty).
  virtual const Shard& shard(int worker) const = 0;

  // Turns the dots m_b = a_jᵀx of `count` rows (j = rows[b]) into the per-row terms s_b, in
  // place. Must not allocate.
  virtual void row_terms(const Index* rows, int count, double* dots_to_terms) const = 0;
  // Given out = (1/B) Σ_b s_b a_jb, adds what the mini-batch gradient has beyond the mean of the
  // row terms (logistic: + λx). Default: nothing. Must not allocate.
  virtual void finish_batch(const Vector& /*x*/, Vector& /*out*/) const {}
  // The one number per row that row_terms reads (a target or a label), if any: prefetch_rows asks
  // for it too, since with many rows it is a random read of its own.
  virtual const double* row_values() const { return nullptr; }

  // The mini-batch gradient over `batch` rows (repeats allowed), in draw order:
  //   out = (1/B) Σ_b s_jb(x) a_jb, then finish_batch.
  // Dense rows use the row kernels of core/kernels.hpp (all B dots, then the updates in draw
  // order, the same bits as the interleaved loop since x does not change); sparse rows use their
  // non-zeros only. The division by B is skipped for B = 1 (x / 1 = x exactly). Does not allocate.
  void batch_gradient(const Vector& x, const Index* rows, int batch, Vector& out) const;

  // Asks the memory system for the given rows (dense rows; sparse ones are left to the hardware
  // prefetcher) and their row_values. Changes nothing.
  void prefetch_rows(const Index* rows, int count) const;
};

}  // namespace localsgd
