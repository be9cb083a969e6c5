#pragma once
// A binary classification data set (features and ±1 labels), immutable once built and shared by
// every worker of every run that uses it: shards are index lists into it, never copies.
#include <cstdint>
#include <memory>
#include <string>

#include "problems/design_matrix.hpp"
#include "problems/libsvm.hpp"

namespace localsgd {

struct ClassificationData {
  DesignMatrix features;  // n × d
  Vector labels;          // n, each ±1
  std::string description;  // where the data came from, for `how` texts

  Index rows() const { return features.rows(); }
  Index dim() const { return features.cols(); }
  Index positives() const { return static_cast<Index>((labels.array() > 0).count()); }
};

// A parsed LIBSVM file, stored dense or sparse by `choose_storage`.
std::shared_ptr<const ClassificationData> classification_data_from_libsvm(LibsvmData data, std::string description);

struct TwoGaussiansOptions {
  Index samples = 2000;
  Index dim = 20;
  double margin = 2.0;  // distance between the two class means
};

// Two Gaussian classes: labels alternate +1, −1, +1, … (exactly balanced; an even row j has
// label +1), and a_j = y_j (margin/2) u + z_j with a seeded unit vector u and z_j ~ N(0, I_d).
// The class means are ±(margin/2) u, so no intercept is needed. Drawn from the `data` stream of
// `seed`: u first, then the rows in order.
std::shared_ptr<const ClassificationData> make_two_gaussians(const TwoGaussiansOptions& options, std::uint64_t seed);

struct EpsilonLikeOptions {
  Index samples = 2000;
  Index dim = 100;
  double signal = 2.0;  // how strongly the label depends on the features
};

// Dense rows normalised to unit length, like the PASCAL "epsilon" data set used in the paper's
// experiments: a_j = z_j / ‖z_j‖ with z_j ~ N(0, I_d), and labels from a logistic model,
// P(y_j = +1) = 1 / (1 + exp(−signal · √d · a_jᵀu)) with a seeded unit vector u (√d·a_jᵀu is
// about N(0, 1), so `signal` sets the achievable accuracy). Drawn from the `data` stream of
// `seed`: u first, then per row its features and one uniform for the label.
std::shared_ptr<const ClassificationData> make_epsilon_like(const EpsilonLikeOptions& options, std::uint64_t seed);

}  // namespace localsgd
