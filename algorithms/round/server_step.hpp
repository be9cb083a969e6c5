#pragma once
// The server step of a round (algorithms/round/pipeline.hpp): from the server model x_r and the
// aggregate a_r of the participants' models, x_{r+1} = x_r − η_g·outer(Δ_r) with the
// pseudo-gradient Δ_r = x_r − a_r. The rules, each checked against its paper's algorithm box:
//   plain      x_{r+1} = a_r (LUPA-SGD's average; also sgd with η_g = 1 and any momentum rule
//              with momentum 0 and rate 1, which are the same map: no rounding is added)
//   sgd        x_{r+1} = x_r − η_g Δ_r (Reddi et al., ICLR 2021, Alg. 1, "FedAvg with server lr")
//   momentum   SlowMo (Wang, Tantia, Ballas, Rabbat, ICLR 2020, Alg. 1): u_{r+1} = β u_r + Δ_r/γ_r,
//              x_{r+1} = x_r − α γ_r u_{r+1}, γ_r the base (local) step size of the round. Kept in
//              units of Δ, w_r = γ_{r−1} u_r, which is the same map and needs no division:
//              w_{r+1} = β (γ_r/γ_{r−1}) w_r + Δ_r, x_{r+1} = x_r − α w_{r+1} (the ratio is 1, and
//              not applied, when the step size does not change).
//   nesterov   DiLoCo's outer step (Douillard et al. 2023, Alg. 1 with PyTorch's
//              SGD(nesterov=True)): v_{r+1} = μ v_r + Δ_r, x_{r+1} = x_r − η_g (Δ_r + μ v_{r+1}).
//   adam       FedAdam (Reddi et al. 2021, Alg. 2): m = β1 m + (1 − β1) Δ, v = β2 v + (1 − β2) Δ²,
//   yogi       FedYogi: v = v − (1 − β2) Δ² sign(v − Δ²),
//   adagrad    FedAdagrad: v = v + Δ²;  x_{r+1} = x_r − η_g m / (√v + τ), with m_{−1} = 0 and
//              v_{−1} = τ² (their box: "v_{−1} ≥ τ²"), no bias correction (none in the box).
//              Their Δ is a_r − x_r, so their "+ η m" is our "− η m". This is the algorithm box;
//              the authors' TensorFlow code (google-research/federated) used Keras' Adam instead,
//              with bias correction, v_0 = 0 and ε outside the root, whose early steps are smaller
//              (with β1 = 0.9, β2 = 0.99 ours are up to 2.1× larger around round 13).
// A preview computes x_{r+1} without advancing the state: evaluations between syncs use it.
#include <vector>

#include "algorithms/round/pipeline.hpp"
#include "core/types.hpp"

namespace localsgd::round {

class ServerStep {
 public:
  ServerStep() = default;
  ServerStep(const ServerOptions& options, Index dim);

  // d-vectors of state the rule keeps (0 plain/sgd, 1 momentum/nesterov, 2 adam/yogi/adagrad).
  static int state_vectors(const ServerOptions& options);
  // True if x_{r+1} = a_r exactly, whatever the state (so the engine installs the aggregate).
  bool installs_aggregate() const { return installs_aggregate_; }

  // out = x_{r+1} for x = x_r, aggregate = a_r; `step_size_ratio` = γ_r / γ_{r−1} (SlowMo; 1 in the
  // first round). out must not alias x or aggregate. commit: advance the state (a sync); else a
  // preview that changes nothing. No allocation.
  void apply(const Vector& x, const Vector& aggregate, double step_size_ratio, Vector& out, bool commit);

 private:
  ServerOptions options_;
  bool installs_aggregate_ = true;
  Vector first_;   // momentum / nesterov: w or v; FedOpt: m
  Vector second_;  // FedOpt: v
};

}  // namespace localsgd::round
