#pragma once
// Error-feedback state of one worker, around a compression operator (bytes are the operator's:
// one message of Compressor::message_bits() per step).
//
// ErrorFeedback: EF / "memory" (Stich, Cordonnier, Jaggi, NeurIPS 2018, Algorithm 1, m_{t+1} =
// m_t + η g_t − comp(m_t + η g_t); Karimireddy, Rebjock, Stich, Jaggi, ICML 2019, Algorithm 2,
// p_t = γ g_t + e_t, Δ_t = C(p_t), e_{t+1} = p_t − Δ_t). Given the vector v the worker would send
// (its step or model change, already scaled by the step size):
//     q = v + e,   send C(q),   e ← q − C(q).
// What was sent over t steps plus the final e is the sum of the inputs (telescoping).
//
// Ef21: EF21 (Richtárik, Sokolov, Fatkhullin, "EF21: a new, simpler, theoretically better, and
// practically faster error feedback", NeurIPS 2021, Algorithm 1, lines 5–6): the worker keeps an
// estimate g of its vector (g_i^t there, of ∇f_i(x^{t+1})) and sends only the compressed change:
//     c = C(v − g),   send c,   g ← g + c.
// The receiver keeps the same g (it starts equal on both sides, 0 here; the paper allows any
// g_i^0, e.g. C(∇f_i(x^0))) and adds c; the server's average of the g_i moves by the average c.
#include <span>
#include <string_view>

#include "algorithms/compression/compressor.hpp"

namespace localsgd::compression {

// What a worker keeps between messages (the engine's per-worker memory, sim/engine.cpp).
enum class Feedback {
  none,  // send C(v)
  ef,    // ErrorFeedback below
  ef21,  // Ef21 below
};

std::string_view feedback_name(Feedback feedback);

class ErrorFeedback {
 public:
  // The operator is borrowed (it outlives this object); e starts at 0.
  explicit ErrorFeedback(Compressor& compressor);
  // sent = C(v + e), then e ← v + e − sent. No allocation.
  void step(std::span<const double> v, std::span<double> sent, Rng& rng);
  const Vector& error() const { return error_; }
  void reset() { error_.setZero(); }

 private:
  Compressor& compressor_;
  Vector error_;     // e
  Vector corrected_; // scratch: q = v + e
};

class Ef21 {
 public:
  // The operator is borrowed; g starts at 0.
  explicit Ef21(Compressor& compressor);
  // sent = C(v − g), then g ← g + sent. No allocation.
  void step(std::span<const double> v, std::span<double> sent, Rng& rng);
  const Vector& estimate() const { return estimate_; }
  void reset() { estimate_.setZero(); }

 private:
  Compressor& compressor_;
  Vector estimate_;    // g
  Vector difference_;  // scratch: v − g
};

}  // namespace localsgd::compression
