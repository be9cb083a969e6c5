#pragma once
// The exact expected optimality gap of local SGD on a finite-sum least-squares problem, by a
// linear recursion on the first and second moments of the workers' errors e_i = x_i − x*.
//
// Worker i samples rows j of its shard S_i uniformly with replacement. With r_j = y_j − a_jᵀx*,
// one sample's gradient is h = a aᵀ e − a r, so with H_i = mean_j a_j a_jᵀ and b_i = mean_j a_j r_j:
//   E[h | e] = H_i e − b_i,
//   E[h hᵀ] = mean_j a_j a_jᵀ (a_jᵀ M a_j − 2 r_j a_jᵀ m + r_j²)   for e with mean m, E[e eᵀ] = M,
// and a mini-batch of B independent samples has E[ĝ ĝᵀ] = (1/B) E[h hᵀ] + (1 − 1/B) E[ĝ] E[ĝ]ᵀ.
// Samples of different workers are independent, which gives the cross moments M_ik. A sync sets
// every e_i to their mean. The expected gap at the virtual average is ½ tr(H E[ē ēᵀ]).
#include <vector>

#include "problems/least_squares.hpp"

namespace localsgd::test {

class ExpectedGap {
 public:
  ExpectedGap(const LeastSquares& problem, int batch, const Vector& x0) : problem_(problem), batch_(batch) {
    const auto& a = problem.data().features.dense();
    const auto& y = problem.data().targets;
    const Vector& x_star = problem.constants().optimum;
    p_ = problem.workers();
    const Index d = problem.dim();
    for (int i = 0; i < p_; ++i) {
      Eigen::MatrixXd h = Eigen::MatrixXd::Zero(d, d);
      Vector b = Vector::Zero(d);
      for (Index j : problem.shard(i)) {
        const double r = y[j] - a.row(j).dot(x_star);
        h += a.row(j).transpose() * a.row(j);
        b += a.row(j).transpose() * r;
      }
      const auto n = static_cast<double>(problem.shard(i).size());
      hessians_.push_back(h / n);
      offsets_.push_back(b / n);
      means_.push_back(x0 - x_star);
    }
    moments_.assign(static_cast<std::size_t>(p_ * p_), Eigen::MatrixXd());
    for (int i = 0; i < p_; ++i) {
      for (int k = 0; k < p_; ++k) moment(i, k) = means_[i] * means_[k].transpose();  // deterministic start
    }
  }

  // One local step with step size eta on every worker.
  void step(double eta) {
    const auto& a = problem_.data().features.dense();
    const auto& y = problem_.data().targets;
    const Vector& x_star = problem_.constants().optimum;
    const double inv_b = 1.0 / batch_;
    std::vector<Vector> means(means_.size());
    std::vector<Eigen::MatrixXd> moments(moments_.size());
    for (int i = 0; i < p_; ++i) {
      const auto& hi = hessians_[i];
      const auto& bi = offsets_[i];
      means[i] = means_[i] - eta * (hi * means_[i] - bi);
      for (int k = 0; k < p_; ++k) {
        const auto& hk = hessians_[k];
        const auto& bk = offsets_[k];
        const Eigen::MatrixXd& mik = moment(i, k);
        // E[ĝ_i ĝ_kᵀ] for independent samples (i ≠ k) or the mean-product part (i = k)
        Eigen::MatrixXd gg = hi * mik * hk - hi * means_[i] * bk.transpose() - bi * means_[k].transpose() * hk +
                             bi * bk.transpose();
        if (i == k) {
          Eigen::MatrixXd second = Eigen::MatrixXd::Zero(hi.rows(), hi.cols());
          for (Index j : problem_.shard(i)) {
            const double r = y[j] - a.row(j).dot(x_star);
            const double w = a.row(j).dot(mik * a.row(j).transpose()) - 2 * r * a.row(j).dot(means_[i]) + r * r;
            second += w * (a.row(j).transpose() * a.row(j));
          }
          second /= static_cast<double>(problem_.shard(i).size());
          gg = inv_b * second + (1 - inv_b) * gg;
        }
        const Eigen::MatrixXd e_g = mik * hk - means_[i] * bk.transpose();   // E[e_i ĝ_kᵀ]
        const Eigen::MatrixXd g_e = hi * mik - bi * means_[k].transpose();   // E[ĝ_i e_kᵀ]
        moments[static_cast<std::size_t>(i * p_ + k)] = mik - eta * (e_g + g_e) + eta * eta * gg;
      }
    }
    means_ = std::move(means);
    moments_ = std::move(moments);
  }

  // Every worker's error becomes the mean error.
  void sync() {
    const Eigen::MatrixXd all = averaged_moment();
    Vector mean = Vector::Zero(means_[0].size());
    for (const auto& m : means_) mean += m / static_cast<double>(p_);
    for (auto& m : means_) m = mean;
    for (auto& m : moments_) m = all;
  }

  // E[F(x̄) − F*] = ½ tr(H E[ē ēᵀ]).
  double gap() const { return 0.5 * (problem_.hessian() * averaged_moment()).trace(); }

 private:
  Eigen::MatrixXd& moment(int i, int k) { return moments_[static_cast<std::size_t>(i * p_ + k)]; }
  Eigen::MatrixXd averaged_moment() const {
    Eigen::MatrixXd all = Eigen::MatrixXd::Zero(moments_[0].rows(), moments_[0].cols());
    for (const auto& m : moments_) all += m;
    return all / static_cast<double>(p_ * p_);
  }

  const LeastSquares& problem_;
  int batch_;
  int p_ = 0;
  std::vector<Eigen::MatrixXd> hessians_;
  std::vector<Vector> offsets_;
  std::vector<Vector> means_;
  std::vector<Eigen::MatrixXd> moments_;
};

}  // namespace localsgd::test
