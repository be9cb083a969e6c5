#pragma once
// Eigen picks the block sizes of its matrix products (and of the decompositions built on them)
// from the CPU's cache sizes, which it reads at run time; the blocks decide the order in which a
// product's long sums are added, so the same product gives other bits on another machine
// (measured: AᵀA of a 4000 × 20 matrix changes in its last digits between an L1 of 32 KiB and one
// of 48 KiB, and an AMD EPYC VM, whose L1 Eigen reads as 32 KiB, missed 20 of the golden outputs
// recorded where it read 48 KiB). Every process of this project therefore tells Eigen the same
// cache sizes before it computes anything: results then depend on the data and the seed, not on
// the machine. The sizes are those of the machines the golden outputs were recorded on (an L1 of
// 48 KiB decides the blocks of every product here; the L2 and L3 given change none of them).
namespace localsgd {

// The cache sizes Eigen is told (bytes).
inline constexpr long kEigenL1Bytes = 49152;
inline constexpr long kEigenL2Bytes = 2097152;
inline constexpr long kEigenL3Bytes = 33554432;

// Tells Eigen the sizes above, once per process (thread-safe). Runs at start-up in every binary
// that links localsgd_core's kernels (kEigenBlockingPinned); callable again at no cost.
void pin_eigen_blocking();
extern const bool kEigenBlockingPinned;

}  // namespace localsgd
