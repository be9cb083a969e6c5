#pragma once
// Network models: the virtual seconds of one average (all-reduce) of d values among p workers.
//
// The α-β models below are the latency-bandwidth (Hockney) model of point-to-point messages: a
// message of S bytes takes α + S/β (α latency in seconds, β bandwidth in bytes per second), with
// S = d · bytes_per_value for a whole model. The time to add up the received values (the γ term
// of Thakur et al.) is not charged: it is negligible next to the network for every d we simulate.
#include "sim/clock.hpp"

namespace localsgd {

// Every average takes `seconds`, whatever p and d; an asynchronous message takes half of it, so
// that a worker's pull and push together take what an average takes.
class ConstantNetwork final : public NetworkModel {
 public:
  explicit ConstantNetwork(double seconds) : seconds_(seconds) {}
  double allreduce_seconds(int /*workers*/, Index /*values*/) const override { return seconds_; }
  double message_seconds(Index /*values*/) const override { return seconds_ / 2; }
  // A compressed round costs what an average costs: the model has no sizes.
  double allgather_seconds(int /*workers*/, Index /*values*/, double /*message_bytes*/) const override { return seconds_; }
  // A gossip step costs what an average costs, whatever the degree (no sizes, no links).
  double gossip_seconds(int /*degree*/, double /*message_bytes*/) const override { return seconds_; }

 private:
  double seconds_;
};

// The link parameters shared by the α-β models.
struct LinkParameters {
  double latency = 0;          // α: seconds per message
  double bandwidth = 1;        // β: bytes per second of one link
  double bytes_per_value = 8;  // bytes sent per model coordinate

  double message_bytes(Index values) const { return static_cast<double>(values) * bytes_per_value; }
  // One point-to-point message of `values` coordinates: α + S/β (the α-β model itself). The
  // asynchronous messages of every α-β model below cost this: the server's link is not shared
  // (no queueing of concurrent pushes is modelled; docs/clock.md).
  double message_seconds(Index values) const { return latency + message_bytes(values) / bandwidth; }
  // α + S/β for a message of S bytes.
  double seconds_for_bytes(double bytes) const { return latency + bytes / bandwidth; }
  // A node's gossip exchange in every α-β model: its `degree` messages one after the other,
  // degree·(α + S/β) (the collective algorithms below do not apply: gossip is point to point).
  double gossip_seconds(int degree, double bytes) const { return degree * seconds_for_bytes(bytes); }
};

// Ring all-reduce: a reduce-scatter and an all-gather of p − 1 steps each, every step moving S/p
// bytes:  2(p − 1)α + 2((p − 1)/p)·S/β.  Zero for p = 1. (Patarasuk & Yuan, "Bandwidth optimal
// all-reduce algorithms for clusters of workstations", JPDC 69(2), 2009; Thakur, Rabenseifner &
// Gropp, "Optimization of collective communication operations in MPICH", IJHPCA 19(1), 2005.)
class RingAllReduce final : public NetworkModel {
 public:
  explicit RingAllReduce(LinkParameters link) : link_(link) {}
  double allreduce_seconds(int workers, Index values) const override;
  double message_seconds(Index values) const override { return link_.message_seconds(values); }
  // Ring all-gather: p − 1 steps, each forwarding one worker's message: (p − 1)(α + S_c/β)
  // (Thakur, Rabenseifner & Gropp 2005, §4.1: (p − 1)α + ((p − 1)/p)·n/β with n = p·S_c).
  double allgather_seconds(int workers, Index values, double message_bytes) const override;
  double dense_bytes(Index values) const override { return link_.message_bytes(values); }
  double gossip_seconds(int degree, double message_bytes) const override { return link_.gossip_seconds(degree, message_bytes); }

 private:
  LinkParameters link_;
};

// Tree all-reduce: a reduce to one root along a binomial tree followed by a broadcast along the
// same tree, each ⌈log₂ p⌉ rounds of one whole-model message:  2⌈log₂ p⌉(α + S/β).  Zero for
// p = 1. (Thakur, Rabenseifner & Gropp 2005: MPICH's original MPI_Allreduce, a binomial-tree
// reduce followed by a binomial-tree broadcast, each ⌈log₂ p⌉α + ⌈log₂ p⌉·S/β.)
class TreeAllReduce final : public NetworkModel {
 public:
  explicit TreeAllReduce(LinkParameters link) : link_(link) {}
  double allreduce_seconds(int workers, Index values) const override;
  double message_seconds(Index values) const override { return link_.message_seconds(values); }
  // Binomial-tree gather of the p messages to a root, then their broadcast along the same tree:
  // ⌈log₂ p⌉α + (p − 1)S_c/β + ⌈log₂ p⌉(α + p·S_c/β) (Thakur et al. 2005: a gather moves each
  // message once; the broadcast forwards all of them at every level).
  double allgather_seconds(int workers, Index values, double message_bytes) const override;
  double dense_bytes(Index values) const override { return link_.message_bytes(values); }
  double gossip_seconds(int degree, double message_bytes) const override { return link_.gossip_seconds(degree, message_bytes); }

 private:
  LinkParameters link_;
};

// Recursive-doubling all-reduce: in round k every worker exchanges its whole partial sum with the
// worker 2^k ranks away (both directions at once on full-duplex links), so p = 2^m needs m rounds:
// log₂ p (α + S/β). For p not a power of two the p − 2^⌊log₂ p⌋ extra workers first hand their
// model to a partner and get the result back at the end, two more rounds:
// (⌊log₂ p⌋ + 2)(α + S/β).  Zero for p = 1. (Thakur, Rabenseifner & Gropp 2005, MPI_Allreduce
// for short messages.) Half the tree's time for p = 2^m: the exchange replaces reduce + broadcast.
class RecursiveDoublingAllReduce final : public NetworkModel {
 public:
  explicit RecursiveDoublingAllReduce(LinkParameters link) : link_(link) {}
  double allreduce_seconds(int workers, Index values) const override;
  double message_seconds(Index values) const override { return link_.message_seconds(values); }
  // Recursive-doubling all-gather (Thakur et al. 2005, §4.1): round k exchanges the 2^k messages
  // gathered so far, log₂ p·α + (p − 1)S_c/β for p = 2^m; otherwise the extra workers first hand
  // their message to a partner (α + S_c/β) and finally get all p back (α + p·S_c/β).
  double allgather_seconds(int workers, Index values, double message_bytes) const override;
  double dense_bytes(Index values) const override { return link_.message_bytes(values); }
  double gossip_seconds(int degree, double message_bytes) const override { return link_.gossip_seconds(degree, message_bytes); }

 private:
  LinkParameters link_;
};

// Parameter server behind one link: every worker pushes its model to the server and pulls the
// average back; the server's link carries p models each way, so each phase costs α + p·S/β:
//   2(α + p·S/β).
// Charged also for p = 1 (the single worker still talks to the server). (The α-β model applied
// to the server's link; the architecture is Li et al., "Scaling distributed machine learning with
// the parameter server", OSDI 2014.) Unlike the collectives above it grows linearly in p.
class ParameterServer final : public NetworkModel {
 public:
  explicit ParameterServer(LinkParameters link) : link_(link) {}
  double allreduce_seconds(int workers, Index values) const override;
  double message_seconds(Index values) const override { return link_.message_seconds(values); }
  // Every worker pushes its message (α + p·S_c/β on the server's link); the server decodes, adds
  // and sends back the dense sum or the p messages, whichever is smaller: α + p·min(S, p·S_c)/β.
  double allgather_seconds(int workers, Index values, double message_bytes) const override;
  double dense_bytes(Index values) const override { return link_.message_bytes(values); }
  double gossip_seconds(int degree, double message_bytes) const override { return link_.gossip_seconds(degree, message_bytes); }

 private:
  LinkParameters link_;
};

}  // namespace localsgd
