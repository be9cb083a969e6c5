#pragma once
// The objective every run minimises, with its known constants and a stochastic oracle per worker.
#include <string>
#include <string_view>

#include "core/random.hpp"
#include "core/types.hpp"

namespace localsgd {

// What the theory needs to know about F. `exact` says whether the numbers were computed exactly
// (closed form, direct solve, eigenvalues) or estimated; `how` says how, for `localsgd explain`.
struct ProblemConstants {
  double smoothness = 0;  // L: ‖∇F(x) − ∇F(y)‖ ≤ L‖x − y‖
  double pl = 0;          // μ: ½‖∇F(x)‖² ≥ μ (F(x) − F*)   (the PL condition)
  double optimal_value = 0;  // F*
  Vector optimum;            // x* (the minimiser; for non-unique minimisers, the one of least norm)
  bool exact = true;
  std::string how;
};

// F(x) and its oracles. Implementations are immutable after construction and safe to call
// concurrently: workers share one Problem and keep all mutable state (model, buffers, random
// streams) themselves.
class Problem {
 public:
  virtual ~Problem() = default;

  virtual std::string_view name() const = 0;
  virtual Index dim() const = 0;
  // Number of workers whose data this problem was partitioned for.
  virtual int workers() const = 0;

  virtual double loss(const Vector& x) const = 0;
  virtual void gradient(const Vector& x, Vector& out) const = 0;
  // F(x) − F*. Overridden where a form without cancellation exists (e.g. quadratics).
  virtual double gap(const Vector& x) const { return loss(x) - constants().optimal_value; }

  // Mini-batch stochastic gradient of worker `worker` at x from `batch` draws of its own oracle,
  // using only `rng` for randomness. Writes into `out` (already of size dim()); must not allocate.
  virtual void stochastic_gradient(int worker, const Vector& x, int batch, Rng& rng,
                                   Vector& out) const = 0;

  virtual const ProblemConstants& constants() const = 0;
};

}  // namespace localsgd
