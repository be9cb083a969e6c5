#include "algorithms/round/server_step.hpp"

#include <cmath>
#include <stdexcept>

namespace localsgd::round {

namespace {

// With rate 1 and no momentum, every rule but FedOpt's is x_r − Δ_r = a_r: the aggregate is
// installed as it is, adding no rounding (so server SGD with η_g = 1 is LUPA's average bit for
// bit). With momentum 0 and another rate the momentum rules compute w = 0·w + Δ = Δ exactly, so
// they give the sgd rule's bits by their own arithmetic (a test checks it).
ServerKind effective_kind(const ServerOptions& o) {
  const bool no_momentum = o.kind == ServerKind::sgd ||
                           ((o.kind == ServerKind::momentum || o.kind == ServerKind::nesterov) && o.momentum == 0);
  return no_momentum && o.learning_rate == 1 ? ServerKind::plain : o.kind;
}

}  // namespace

int ServerStep::state_vectors(const ServerOptions& options) {
  switch (effective_kind(options)) {
    case ServerKind::plain:
    case ServerKind::sgd: return 0;
    case ServerKind::momentum:
    case ServerKind::nesterov: return 1;
    case ServerKind::adam:
    case ServerKind::yogi:
    case ServerKind::adagrad: return 2;
  }
  return 0;
}

ServerStep::ServerStep(const ServerOptions& options, Index dim) : options_(options) {
  if (!(options.learning_rate > 0) || !(options.momentum >= 0 && options.momentum < 1) ||
      !(options.beta1 >= 0 && options.beta1 < 1) || !(options.beta2 >= 0 && options.beta2 < 1) ||
      !(options.epsilon > 0)) {
    throw std::invalid_argument("server step: need learning_rate > 0, momentum, beta1, beta2 in [0, 1), epsilon > 0");
  }
  options_.kind = effective_kind(options);
  installs_aggregate_ = options_.kind == ServerKind::plain;
  const int states = state_vectors(options_);
  if (states >= 1) first_ = Vector::Zero(dim);
  if (states >= 2) second_ = Vector::Constant(dim, options.epsilon * options.epsilon);  // v_{−1} = τ²
}

void ServerStep::apply(const Vector& x, const Vector& aggregate, double step_size_ratio, Vector& out, bool commit) {
  const Index d = x.size();
  const double lr = options_.learning_rate;
  switch (options_.kind) {
    case ServerKind::plain:
      out = aggregate;
      return;
    case ServerKind::sgd:
      for (Index j = 0; j < d; ++j) out[j] = x[j] - lr * (x[j] - aggregate[j]);
      return;
    case ServerKind::momentum: {
      // w_{r+1} = β (γ_r/γ_{r−1}) w_r + Δ_r; x_{r+1} = x_r − α w_{r+1}.
      const double beta = step_size_ratio == 1 ? options_.momentum : options_.momentum * step_size_ratio;
      for (Index j = 0; j < d; ++j) {
        const double w = beta * first_[j] + (x[j] - aggregate[j]);
        out[j] = x[j] - lr * w;
        if (commit) first_[j] = w;
      }
      return;
    }
    case ServerKind::nesterov: {
      const double mu = options_.momentum;
      for (Index j = 0; j < d; ++j) {
        const double delta = x[j] - aggregate[j];
        const double v = mu * first_[j] + delta;
        out[j] = x[j] - lr * (delta + mu * v);
        if (commit) first_[j] = v;
      }
      return;
    }
    case ServerKind::adam:
    case ServerKind::yogi:
    case ServerKind::adagrad: {
      const double b1 = options_.beta1, b2 = options_.beta2, tau = options_.epsilon;
      for (Index j = 0; j < d; ++j) {
        const double delta = x[j] - aggregate[j];
        const double square = delta * delta;
        const double m = b1 * first_[j] + (1 - b1) * delta;
        double v = second_[j];
        if (options_.kind == ServerKind::adam) {
          v = b2 * v + (1 - b2) * square;
        } else if (options_.kind == ServerKind::yogi) {
          const double difference = v - square;
          const double sign = difference > 0 ? 1.0 : (difference < 0 ? -1.0 : 0.0);
          v = v - (1 - b2) * square * sign;
        } else {
          v = v + square;
        }
        out[j] = x[j] - lr * m / (std::sqrt(v) + tau);
        if (commit) {
          first_[j] = m;
          second_[j] = v;
        }
      }
      return;
    }
  }
}

}  // namespace localsgd::round
