#pragma once
// The exact expected optimality gap of rounds of local SGD on the quadratic problem with Gaussian
// oracle noise (problems/quadratic.hpp, per-worker Hessians allowed), with uniform partial
// participation and a linear server step (algorithms/round/server_step.hpp):
//
//   round r: K of the p workers are chosen uniformly without replacement (S_r); every participant
//   starts at the server model x_r and takes τ local SGD steps; a_r = (1/K) Σ_{i∈S_r} y_i;
//   Δ_r = x_r − a_r; then the server rule:
//     plain     x_{r+1} = a_r
//     sgd       x_{r+1} = x_r − η_g Δ_r
//     momentum  w_{r+1} = β w_r + Δ_r,            x_{r+1} = x_r − η_g w_{r+1}  (SlowMo in Δ units)
//     nesterov  v_{r+1} = μ v_r + Δ_r,            x_{r+1} = x_r − η_g (Δ_r + μ v_{r+1})
//
// Method. With e = x − x* the state z_r = (e_r, w_r) ∈ R^{2d} maps linearly plus noise:
//  - Within the round, worker i's error after its local steps is u_i = Φ_i e_r + c_i + n_i with
//    (A_i,t = I − η_t H_i, h_i = H_i (x*_i − x*), e ← A e + η h − η ξ, as in
//    expected_gap_quadratic.hpp) Φ_i = Π_t A_i,t, c_i = Σ_t (Π_{s>t} A_i,s) η_t h_i, and
//    n_i = −Σ_t (Π_{s>t} A_i,s) η_t ξ_i,t: mean zero given the past, uncorrelated with z_r and
//    with other workers' noise, covariance N_i = Σ_t (Π_{s>t} A_i,s) η_t² E[v_i,t] (Π_{s>t} A_i,s)ᵀ,
//    E[v_i,t] = (C₁ E‖H_i e_i,t − h_i‖² + σ²)/(dB), where E‖H_i e_i,t − h_i‖² is linear in the
//    first two moments of e_r (so C₁ > 0 is exact too).
//  - Over the subset, with P(i ∈ S) = K/p and P(i, k ∈ S) = K(K−1)/(p(p−1)) for i ≠ k:
//      E[ā | u] = (1/p) Σ_i u_i,
//      E[ā āᵀ | u] = (1/(Kp)) Σ_i u_i u_iᵀ + (K−1)/(K p (p−1)) Σ_{i≠k} u_i u_kᵀ.
//    The subset is drawn independently of the noise and of z_r.
//  - The server rule is z_{r+1} = P z_r + R ā with 2d × 2d and 2d × d matrices of scalar blocks,
//    so E[z_{r+1}] = P E[z] + R E[ā] and
//      E[z' z'ᵀ] = P E[zzᵀ] Pᵀ + P E[z āᵀ] Rᵀ + R E[ā zᵀ] Pᵀ + R E[ā āᵀ] Rᵀ.
// The gap after a round is ½ tr(H E[e eᵀ]) at the server model x_{r+1}.
//
// Written from the problem's public H, H_i, x*, x*_i and noise only, independently of its oracle
// and of the engine.
#include <Eigen/Dense>
#include <span>
#include <stdexcept>
#include <vector>

#include "algorithms/round/pipeline.hpp"
#include "problems/quadratic.hpp"

namespace localsgd::test {

class ExpectedGapRounds {
 public:
  // clients = K (1 <= K <= p; K = p is full participation). The server rule's kind must be plain,
  // sgd, momentum or nesterov (learning_rate = η_g, momentum = β or μ); FedOpt's rules are not
  // linear in Δ and are rejected.
  ExpectedGapRounds(const Quadratic& problem, int batch, const Vector& x0, int clients,
                    const round::ServerOptions& server = {})
      : h_(problem.hessian()), noise_(problem.noise()), batch_(batch), p_(problem.workers()), clients_(clients),
        server_(server) {
    if (clients < 1 || clients > p_) throw std::invalid_argument("ExpectedGapRounds: need 1 <= clients <= workers");
    if (batch < 1) throw std::invalid_argument("ExpectedGapRounds: need batch >= 1");
    switch (server.kind) {
      case round::ServerKind::plain:
      case round::ServerKind::sgd:
      case round::ServerKind::momentum:
      case round::ServerKind::nesterov: break;
      default: throw std::invalid_argument("ExpectedGapRounds: the server rule must be plain, sgd, momentum or nesterov");
    }
    const Index d = h_.rows();
    const Vector& x_star = problem.constants().optimum;
    for (int i = 0; i < p_; ++i) {
      hessians_.push_back(problem.worker_hessian(i));
      shifts_.push_back(hessians_.back() * (problem.worker_optimum(i) - x_star));
    }
    mean_ = Vector::Zero(2 * d);
    mean_.head(d) = x0 - x_star;
    moment_ = mean_ * mean_.transpose();  // a deterministic start, w_0 = 0
  }

  // One round of τ local steps with step size eta. step_size_ratio: SlowMo's γ_r / γ_{r−1}, which
  // multiplies β (as algorithms/round/server_step.hpp does); 1 when the step size is constant.
  void round(double eta, long tau, double step_size_ratio = 1) {
    const std::vector<double> etas(static_cast<std::size_t>(tau), eta);
    round(std::span<const double>(etas), step_size_ratio);
  }

  // One round whose local step t uses etas[t] (τ = etas.size()).
  void round(std::span<const double> etas, double step_size_ratio = 1) {
    const Index d = h_.rows();
    const Vector m = mean_.head(d);
    const Eigen::MatrixXd big_m = moment_.topLeftCorner(d, d);
    const Eigen::MatrixXd z_e = moment_.leftCols(d);  // E[z eᵀ]

    Vector mean_aggregate = Vector::Zero(d);
    Eigen::MatrixXd z_aggregate = Eigen::MatrixXd::Zero(2 * d, d);  // E[z āᵀ]
    Eigen::MatrixXd sum_phi = Eigen::MatrixXd::Zero(d, d);
    Vector sum_c = Vector::Zero(d);
    Eigen::MatrixXd own = Eigen::MatrixXd::Zero(d, d);    // Σ_i E[u_i u_iᵀ]
    Eigen::MatrixXd own_deterministic = own;               // Σ_i D_ii (without N_i)
    for (int i = 0; i < p_; ++i) {
      const LocalMap local = local_map(i, etas, m, big_m);
      const Eigen::MatrixXd d_ii = local.phi * big_m * local.phi.transpose() + local.phi * m * local.c.transpose() +
                                   local.c * m.transpose() * local.phi.transpose() + local.c * local.c.transpose();
      own_deterministic += d_ii;
      own += d_ii + local.noise;
      sum_phi += local.phi;
      sum_c += local.c;
      mean_aggregate += (local.phi * m + local.c) / p_;
      z_aggregate += (z_e * local.phi.transpose() + mean_ * local.c.transpose()) / p_;
    }
    // Σ_{i,k} D_ik = E[(Σ_i (Φ_i e + c_i))(Σ_k (Φ_k e + c_k))ᵀ].
    const Eigen::MatrixXd all_pairs = sum_phi * big_m * sum_phi.transpose() + sum_phi * m * sum_c.transpose() +
                                      sum_c * m.transpose() * sum_phi.transpose() + sum_c * sum_c.transpose();
    const double k = clients_;
    Eigen::MatrixXd aggregate_moment = own / (k * p_);
    if (p_ > 1) aggregate_moment += (k - 1) / (k * p_ * (p_ - 1)) * (all_pairs - own_deterministic);

    const ServerMap map = server_map(d, step_size_ratio);
    const Vector next_mean = map.p * mean_ + map.r * mean_aggregate;
    const Eigen::MatrixXd cross = map.p * z_aggregate * map.r.transpose();
    Eigen::MatrixXd next = map.p * moment_ * map.p.transpose() + cross + cross.transpose() +
                           map.r * aggregate_moment * map.r.transpose();
    mean_ = next_mean;
    moment_ = 0.5 * (next + next.transpose());
  }

  // E[F(x_r) − F*] = ½ tr(H E[e_r e_rᵀ]) at the server model.
  double gap() const {
    const Index d = h_.rows();
    return 0.5 * (h_ * moment_.topLeftCorner(d, d)).trace();
  }
  Vector mean_error() const { return mean_.head(h_.rows()); }                       // E[x_r − x*]
  Eigen::MatrixXd error_moment() const { return moment_.topLeftCorner(h_.rows(), h_.rows()); }  // E[e eᵀ]
  Vector mean_momentum() const { return mean_.tail(h_.rows()); }                    // E[w_r]

 private:
  struct LocalMap {
    Eigen::MatrixXd phi;    // Φ_i
    Vector c;               // c_i
    Eigen::MatrixXd noise;  // N_i
  };
  struct ServerMap {
    Eigen::MatrixXd p;  // 2d × 2d
    Eigen::MatrixXd r;  // 2d × d
  };

  // Worker i's τ local steps from a start with E[e] = m, E[eeᵀ] = big_m.
  LocalMap local_map(int i, std::span<const double> etas, const Vector& m, const Eigen::MatrixXd& big_m) const {
    const Index d = h_.rows();
    const Eigen::MatrixXd& hi = hessians_[static_cast<std::size_t>(i)];
    const Vector& shift = shifts_[static_cast<std::size_t>(i)];
    const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(d, d);
    LocalMap out{identity, Vector::Zero(d), Eigen::MatrixXd::Zero(d, d)};
    for (const double eta : etas) {
      double grad_sq = 0;  // E‖H_i e_t − h_i‖² at the step's start
      if (noise_.c1 != 0) {
        const Vector mean_t = out.phi * m + out.c;
        const Eigen::MatrixXd moment_t = out.phi * big_m * out.phi.transpose() + out.phi * m * out.c.transpose() +
                                         out.c * m.transpose() * out.phi.transpose() + out.c * out.c.transpose() +
                                         out.noise;
        grad_sq = (hi * moment_t * hi).trace() - 2 * shift.dot(hi * mean_t) + shift.squaredNorm();
      }
      const double variance = (noise_.c1 * grad_sq + noise_.sigma2) / (static_cast<double>(d) * batch_);
      const Eigen::MatrixXd a = identity - eta * hi;
      out.phi = (a * out.phi).eval();
      out.c = (a * out.c + eta * shift).eval();
      out.noise = (a * out.noise * a.transpose()).eval();
      out.noise.diagonal().array() += eta * eta * variance;
    }
    return out;
  }

  // z' = P z + R ā, every block a multiple of I_d (see the header comment for the rules).
  ServerMap server_map(Index d, double step_size_ratio) const {
    const double g = server_.learning_rate;
    double ee = 1, ew = 0, ea = 0, we = 0, ww = 1, wa = 0;  // e' = ee e + ew w + ea ā; w' = we e + ww w + wa ā
    switch (server_.kind) {
      case round::ServerKind::plain: ee = 0, ea = 1; break;
      case round::ServerKind::sgd: ee = 1 - g, ea = g; break;
      case round::ServerKind::momentum: {
        const double beta = server_.momentum * step_size_ratio;
        // w' = β w + (e − ā); e' = e − g w'.
        we = 1, ww = beta, wa = -1;
        ee = 1 - g, ew = -g * beta, ea = g;
        break;
      }
      case round::ServerKind::nesterov: {
        const double mu = server_.momentum;
        // v' = μ v + (e − ā); e' = e − g (Δ + μ v') = e − g (1 + μ) Δ − g μ² v.
        we = 1, ww = mu, wa = -1;
        ee = 1 - g * (1 + mu), ew = -g * mu * mu, ea = g * (1 + mu);
        break;
      }
      default: break;
    }
    const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(d, d);
    ServerMap out{Eigen::MatrixXd::Zero(2 * d, 2 * d), Eigen::MatrixXd::Zero(2 * d, d)};
    out.p.topLeftCorner(d, d) = ee * identity;
    out.p.topRightCorner(d, d) = ew * identity;
    out.p.bottomLeftCorner(d, d) = we * identity;
    out.p.bottomRightCorner(d, d) = ww * identity;
    out.r.topRows(d) = ea * identity;
    out.r.bottomRows(d) = wa * identity;
    return out;
  }

  Eigen::MatrixXd h_;
  OracleNoise noise_;
  int batch_;
  int p_;
  int clients_;
  round::ServerOptions server_;
  std::vector<Eigen::MatrixXd> hessians_;  // H_i
  std::vector<Vector> shifts_;             // h_i = H_i (x*_i − x*)
  Vector mean_;                            // E[z], z = (e, w)
  Eigen::MatrixXd moment_;                 // E[z zᵀ]
};

}  // namespace localsgd::test
