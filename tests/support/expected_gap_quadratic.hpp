#pragma once
// The exact expected optimality gap of local SGD on the quadratic problem with Gaussian oracle
// noise (problems/quadratic.hpp), by a linear recursion on the first and second moments of the
// workers' errors e_i = x_i − x*.
//
// Worker i's oracle returns H_i e_i − h_i + ξ_i with h_i = H_i (x*_i − x*) (H_i = H when the
// workers share the Hessian) and, given the past, ξ_i ~ N(0, v_i I) with
// v_i = (C₁‖H_i e_i − h_i‖² + σ²)/(dB), independent across workers. With A_i = I − ηH_i a local
// step is e_i ← A_i e_i + η h_i − η ξ_i, so for m_i = E[e_i], M_ik = E[e_i e_kᵀ]:
//   m_i  ← A_i m_i + η h_i,
//   M_ik ← A_i M_ik A_kᵀ + η (A_i m_i h_kᵀ + h_i m_kᵀ A_kᵀ) + η² h_i h_kᵀ + [i = k] η² E[v_i] I,
//   E[v_i] = (C₁ (tr(H_i M_ii H_i) − 2 h_iᵀ H_i m_i + ‖h_i‖²) + σ²)/(dB),
// which stays linear in the moments even with the multiplicative part. A sync replaces every
// e_i by ē, so every m_i becomes the mean and every M_ik becomes M̄ = (1/p²) Σ_ab M_ab. The
// expected gap at the virtual average is ½ tr(H M̄).
//
// Written from the problem's public H, H_i, x*, x*_i and noise only, independently of its oracle code.
#include <vector>

#include "problems/quadratic.hpp"

namespace localsgd::test {

class ExpectedGapQuadratic {
 public:
  ExpectedGapQuadratic(const Quadratic& problem, int batch, const Vector& x0)
      : h_(problem.hessian()), noise_(problem.noise()), batch_(batch), p_(problem.workers()) {
    const Vector& x_star = problem.constants().optimum;
    for (int i = 0; i < p_; ++i) {
      hessians_.push_back(problem.worker_hessian(i));
      shifts_.push_back(hessians_.back() * (problem.worker_optimum(i) - x_star));
      means_.push_back(x0 - x_star);
    }
    for (int i = 0; i < p_; ++i) {
      for (int k = 0; k < p_; ++k) moments_.push_back(means_[i] * means_[k].transpose());
    }
  }

  void step(double eta) {
    const Index d = h_.rows();
    std::vector<Eigen::MatrixXd> a;  // A_i = I − η H_i
    for (int i = 0; i < p_; ++i) a.push_back(Eigen::MatrixXd::Identity(d, d) - eta * hessians_[i]);
    std::vector<double> noise(static_cast<std::size_t>(p_));
    for (int i = 0; i < p_; ++i) {
      const Eigen::MatrixXd& mii = moment(i, i);
      const Eigen::MatrixXd& hi = hessians_[i];
      const double grad_sq = (hi * mii * hi).trace() - 2 * shifts_[i].dot(hi * means_[i]) + shifts_[i].squaredNorm();
      noise[static_cast<std::size_t>(i)] =
          (noise_.c1 * grad_sq + noise_.sigma2) / (static_cast<double>(d) * batch_);
    }
    std::vector<Eigen::MatrixXd> moments(moments_.size());
    for (int i = 0; i < p_; ++i) {
      for (int k = 0; k < p_; ++k) {
        Eigen::MatrixXd next = a[i] * moment(i, k) * a[k].transpose() +
                               eta * (a[i] * means_[i] * shifts_[k].transpose() + shifts_[i] * means_[k].transpose() * a[k].transpose()) +
                               eta * eta * shifts_[i] * shifts_[k].transpose();
        if (i == k) next.diagonal().array() += eta * eta * noise[static_cast<std::size_t>(i)];
        moments[static_cast<std::size_t>(i * p_ + k)] = next;
      }
    }
    for (int i = 0; i < p_; ++i) means_[i] = a[i] * means_[i] + eta * shifts_[i];
    moments_ = std::move(moments);
  }

  void sync() {
    const Eigen::MatrixXd all = averaged_moment();
    Vector mean = Vector::Zero(h_.rows());
    for (const auto& m : means_) mean += m / static_cast<double>(p_);
    for (auto& m : means_) m = mean;
    for (auto& m : moments_) m = all;
  }

  double gap() const { return 0.5 * (h_ * averaged_moment()).trace(); }

 private:
  const Eigen::MatrixXd& moment(int i, int k) const { return moments_[static_cast<std::size_t>(i * p_ + k)]; }
  Eigen::MatrixXd averaged_moment() const {
    Eigen::MatrixXd all = Eigen::MatrixXd::Zero(h_.rows(), h_.cols());
    for (const auto& m : moments_) all += m;
    return all / static_cast<double>(p_ * p_);
  }

  Eigen::MatrixXd h_;
  OracleNoise noise_;
  int batch_;
  int p_;
  std::vector<Eigen::MatrixXd> hessians_;  // H_i
  std::vector<Vector> shifts_;             // h_i = H_i (x*_i − x*)
  std::vector<Vector> means_;
  std::vector<Eigen::MatrixXd> moments_;
};

}  // namespace localsgd::test
