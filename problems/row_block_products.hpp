#pragma once
// Products with a data set's feature matrix A for the set-up of a problem, on every core and with
// the same bits for any thread count (fixed row blocks and a fixed tree of partial sums:
// problems/row_blocks.hpp). The step loop does not use them.
#include "problems/design_matrix.hpp"

namespace localsgd {

// A x, each block of rows by one product.
Vector times_by_row_blocks(const DesignMatrix& a, const Vector& x);
// Aᵀ r as a tree sum of the blocks' A_bᵀ r_b.
Vector transpose_times_by_row_blocks(const DesignMatrix& a, const Vector& r);
// Aᵀ diag(w) A for dense A (w >= 0; empty: AᵀA) as a tree sum of the blocks' Gram matrices, each
// by a symmetric rank update (a blocked matrix product). Returns the full symmetric matrix.
Eigen::MatrixXd dense_gram_by_row_blocks(const RowMatrix& a, const Vector& w);

}  // namespace localsgd
