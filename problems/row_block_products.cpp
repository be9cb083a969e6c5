#include "problems/row_block_products.hpp"

#include "problems/row_blocks.hpp"

namespace localsgd {

Vector times_by_row_blocks(const DesignMatrix& a, const Vector& x) {
  Vector out(a.rows());
  a.visit([&](const auto& m) {
    for_each_block(RowBlocks(m.rows(), m.cols()), [&](Index first, Index count) {
      out.segment(first, count).noalias() = m.middleRows(first, count) * x;
    });
  });
  return out;
}

Vector transpose_times_by_row_blocks(const DesignMatrix& a, const Vector& r) {
  if (a.rows() == 0) return Vector::Zero(a.cols());
  return a.visit([&](const auto& m) -> Vector {
    return tree_reduce(
        RowBlocks(m.rows(), m.cols()),
        [&](Index first, Index count) -> Vector {
          return m.middleRows(first, count).transpose() * r.segment(first, count);
        },
        [](Vector left, const Vector& right) {
          left += right;
          return left;
        });
  });
}

Eigen::MatrixXd dense_gram_by_row_blocks(const RowMatrix& a, const Vector& w) {
  const Index d = a.cols();
  if (a.rows() == 0) return Eigen::MatrixXd::Zero(d, d);
  Eigen::MatrixXd lower = tree_reduce(
      RowBlocks(a.rows(), d),
      [&](Index first, Index count) -> Eigen::MatrixXd {
        Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(d, d);
        if (w.size() == 0) {
          gram.selfadjointView<Eigen::Lower>().rankUpdate(a.middleRows(first, count).transpose());
        } else {
          const RowMatrix scaled = w.segment(first, count).cwiseSqrt().asDiagonal() * a.middleRows(first, count);
          gram.selfadjointView<Eigen::Lower>().rankUpdate(scaled.transpose());
        }
        return gram;
      },
      [](Eigen::MatrixXd left, const Eigen::MatrixXd& right) {
        left.triangularView<Eigen::Lower>() += right;
        return left;
      });
  return lower.selfadjointView<Eigen::Lower>();
}

}  // namespace localsgd
