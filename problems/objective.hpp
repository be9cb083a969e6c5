#pragma once
// F(x): what evaluation and theory need to know about the objective every run minimises.
#include <optional>
#include <string>
#include <string_view>

#include "core/types.hpp"

namespace localsgd {

// What the theory needs to know about F, and how each number was obtained. A flag is true when the
// number is exact (a closed form, a direct solve, an eigen-decomposition, or an iteration run to
// full precision) and false when it is an estimate (e.g. a power iteration stopped at a
// tolerance); `how` says which, in words, for `localsgd explain` and summary.json.
//
// The oracle constants follow the paper's assumption on one stochastic gradient g̃ of worker i:
//   E[g̃] = ∇F_i(x),   E‖g̃ − ∇F_i(x)‖² ≤ C₁‖∇F_i(x)‖² + σ²   (a mini-batch of B calls divides by B).
struct ProblemConstants {
  double smoothness = 0;  // L: ‖∇F(x) − ∇F(y)‖ ≤ L‖x − y‖
  double pl = 0;          // μ: ½‖∇F(x)‖² ≥ μ (F(x) − F*)   (the PL condition; 0 if none holds)
  double optimal_value = 0;  // F*
  Vector optimum;            // x* (the minimiser; for non-unique minimisers, the one of least norm)
  bool smoothness_exact = true;
  bool pl_exact = true;
  bool optimum_exact = true;  // F* and x*

  // σ² and C₁ as a bound that holds at every x, for problems whose oracle is defined that way
  // (quadratic, nonconvex_pl); empty for finite sums, where no bound of this form holds globally.
  std::optional<double> sigma2;
  double c1 = 0;
  // The variance of one oracle call at x*, averaged over workers: (1/p) Σ_i E‖g̃_i(x*) − ∇F_i(x*)‖².
  // Defined for every problem; for finite sums it is the σ² that governs the error floor.
  double sigma2_at_optimum = 0;
  // Heterogeneity at the optimum: ζ² = (1/p) Σ_i ‖∇F_i(x*)‖² (0 when every worker sees F).
  double heterogeneity = 0;

  std::string how;

  bool all_exact() const { return smoothness_exact && pl_exact && optimum_exact; }
};

// F, F − F* and ‖∇F‖² at one point: what an evaluation reports.
struct PointMetrics {
  double loss = 0;
  double gap = 0;
  double grad_norm_sq = 0;
};

// F(x) = (1/p) Σ_i F_i(x) over the p workers' objectives F_i, with its known constants. Everything
// here is deterministic; how a worker gets a stochastic gradient of its F_i is the Problem's other
// half (problems/problem.hpp). Implementations are immutable after construction and safe to call
// concurrently.
class Objective {
 public:
  virtual ~Objective() = default;

  virtual std::string_view name() const = 0;
  virtual Index dim() const = 0;
  // Number of workers whose objectives F_i this F averages (the data's partition, for finite sums).
  virtual int workers() const = 0;

  virtual double loss(const Vector& x) const = 0;
  // ∇F(x) into `out`.
  virtual void gradient(const Vector& x, Vector& out) const = 0;
  // F(x) − F*. Overridden where a form without cancellation exists (e.g. quadratics).
  virtual double gap(const Vector& x) const { return loss(x) - constants().optimal_value; }
  // loss(x), gap(x) and ‖∇F(x)‖² together, ∇F(x) left in `gradient_out` (already of size dim()).
  // Overridden where the three share work (e.g. one pass over a data set); an override must
  // return exactly the bits of loss(x), gap(x) and gradient(x).
  virtual PointMetrics metrics(const Vector& x, Vector& gradient_out) const {
    gradient(x, gradient_out);
    return {loss(x), gap(x), gradient_out.squaredNorm()};
  }

  virtual const ProblemConstants& constants() const = 0;

  // The number of rows in the smallest worker's shard, for finite sums (nullopt otherwise): a
  // mini-batch larger than this would repeat rows.
  virtual std::optional<Index> smallest_shard() const { return std::nullopt; }
};

}  // namespace localsgd
