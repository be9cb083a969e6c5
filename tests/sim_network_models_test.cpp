// sim/network_models.hpp: every formula against values computed by hand, twice: with dyadic
// parameters, where the floating-point result must be exact, and with realistic ones (50 µs,
// 10 Gbit/s, doubles), to a relative 1e-15.
#include "sim/network_models.hpp"

#include <catch2/catch.hpp>

using namespace localsgd;

namespace {

// α = 1/4 s, β = 8 bytes/s, 2 bytes per value, d = 4: S = 8 bytes, S/β = 1 s, α + S/β = 5/4 s.
constexpr LinkParameters kDyadic{0.25, 8.0, 2.0};
constexpr Index kDyadicValues = 4;

// α = 10 µs, β = 1 GB/s, doubles, d = 1000: S/β = 8 µs, α + S/β = 18 µs.
constexpr LinkParameters kRealistic{1e-5, 1e9, 8.0};
constexpr Index kRealisticValues = 1000;

double exact(const NetworkModel& model, int p) { return model.allreduce_seconds(p, kDyadicValues); }
double realistic(const NetworkModel& model, int p) { return model.allreduce_seconds(p, kRealisticValues); }

}  // namespace

TEST_CASE("constant network: the same seconds for every p and d") {
  const ConstantNetwork network(0.024);
  CHECK(network.allreduce_seconds(1, 10) == 0.024);
  CHECK(network.allreduce_seconds(64, 1000000) == 0.024);
}

TEST_CASE("ring all-reduce: 2(p-1) alpha + 2((p-1)/p) S / beta") {
  const RingAllReduce ring(kDyadic);
  CHECK(exact(ring, 1) == 0.0);
  CHECK(exact(ring, 2) == 2 * 0.25 + 1.0);   // 2·1·α + 2·(1/2)·1
  CHECK(exact(ring, 4) == 6 * 0.25 + 1.5);   // 2·3·α + 2·(3/4)·1
  CHECK(exact(ring, 8) == 14 * 0.25 + 1.75);  // 2·7·α + 2·(7/8)·1
  const RingAllReduce fast(kRealistic);
  CHECK(realistic(fast, 4) == Approx(6e-5 + 1.2e-5).epsilon(1e-15));
  CHECK(realistic(fast, 5) == Approx(8e-5 + 1.28e-5).epsilon(1e-15));
  // ResNet-50 sized (25.6 M doubles) over 10 Gbit/s among 8 workers: 0.7 ms + 286.72 ms.
  const RingAllReduce ten_gbit(LinkParameters{5e-5, 1.25e9, 8.0});
  CHECK(ten_gbit.allreduce_seconds(8, 25'600'000) == Approx(7e-4 + 0.28672).epsilon(1e-15));
}

TEST_CASE("tree all-reduce: 2 ceil(log2 p) (alpha + S / beta)") {
  const TreeAllReduce tree(kDyadic);
  CHECK(exact(tree, 1) == 0.0);
  CHECK(exact(tree, 2) == 2 * 1 * 1.25);
  CHECK(exact(tree, 3) == 2 * 2 * 1.25);
  CHECK(exact(tree, 4) == 2 * 2 * 1.25);
  CHECK(exact(tree, 5) == 2 * 3 * 1.25);
  CHECK(exact(tree, 16) == 2 * 4 * 1.25);
  CHECK(exact(tree, 17) == 2 * 5 * 1.25);
  const TreeAllReduce fast(kRealistic);
  CHECK(realistic(fast, 5) == Approx(6 * 1.8e-5).epsilon(1e-15));
  CHECK(realistic(fast, 8) == Approx(6 * 1.8e-5).epsilon(1e-15));
  CHECK(realistic(fast, 9) == Approx(8 * 1.8e-5).epsilon(1e-15));
}

TEST_CASE("recursive doubling: log2 p rounds for powers of two, floor(log2 p) + 2 otherwise") {
  const RecursiveDoublingAllReduce doubling(kDyadic);
  CHECK(exact(doubling, 1) == 0.0);
  CHECK(exact(doubling, 2) == 1 * 1.25);
  CHECK(exact(doubling, 3) == 3 * 1.25);  // 1 + 2
  CHECK(exact(doubling, 4) == 2 * 1.25);
  CHECK(exact(doubling, 6) == 4 * 1.25);  // 2 + 2
  CHECK(exact(doubling, 16) == 4 * 1.25);
  CHECK(exact(doubling, 17) == 6 * 1.25);  // 4 + 2
  const RecursiveDoublingAllReduce fast(kRealistic);
  CHECK(realistic(fast, 4) == Approx(2 * 1.8e-5).epsilon(1e-15));
  CHECK(realistic(fast, 5) == Approx(4 * 1.8e-5).epsilon(1e-15));
  // For p = 2^m it takes half the tree's time.
  CHECK(realistic(fast, 8) == Approx(0.5 * TreeAllReduce(kRealistic).allreduce_seconds(8, kRealisticValues)));
}

TEST_CASE("parameter server: 2 (alpha + p S / beta), linear in p, charged also for p = 1") {
  const ParameterServer server(kDyadic);
  CHECK(exact(server, 1) == 2 * (0.25 + 1.0));
  CHECK(exact(server, 3) == 2 * (0.25 + 3.0));
  CHECK(exact(server, 8) == 2 * (0.25 + 8.0));
  const ParameterServer fast(kRealistic);
  CHECK(realistic(fast, 4) == Approx(2 * (1e-5 + 4 * 8e-6)).epsilon(1e-15));
  CHECK(realistic(fast, 5) == Approx(2 * (1e-5 + 5 * 8e-6)).epsilon(1e-15));
}

TEST_CASE("asynchronous messages: alpha + S/beta under every alpha-beta model, half the constant's seconds") {
  // One pull or push of d values between a worker and the server (sim/async_engine.hpp).
  const RingAllReduce ring(kDyadic);
  const TreeAllReduce tree(kDyadic);
  const RecursiveDoublingAllReduce doubling(kDyadic);
  const ParameterServer server(kDyadic);
  for (const NetworkModel* model : {static_cast<const NetworkModel*>(&ring), static_cast<const NetworkModel*>(&tree),
                                    static_cast<const NetworkModel*>(&doubling), static_cast<const NetworkModel*>(&server)}) {
    CHECK(model->message_seconds(kDyadicValues) == 1.25);  // α + S/β = 1/4 + 1
    CHECK(model->message_seconds(0) == 0.25);              // an empty message still pays the latency
  }
  CHECK(RingAllReduce(kRealistic).message_seconds(kRealisticValues) == Approx(1.8e-5).epsilon(1e-15));
  // A pull and a push together take what the parameter server's average takes for p = 1.
  CHECK(2 * server.message_seconds(kDyadicValues) == server.allreduce_seconds(1, kDyadicValues));
  CHECK(ConstantNetwork(0.024).message_seconds(1000) == 0.012);
}

TEST_CASE("compressed messages: all-gather formulas by hand, dense message size") {
  // Messages of S_c = 4 bytes: S_c/β = 1/2 s; α = 1/4 s. The dense model is S = 8 bytes.
  const RingAllReduce ring(kDyadic);
  const TreeAllReduce tree(kDyadic);
  const RecursiveDoublingAllReduce doubling(kDyadic);
  const ParameterServer server(kDyadic);
  // Ring: (p − 1)(α + S_c/β).
  CHECK(ring.allgather_seconds(1, kDyadicValues, 4) == 0);
  CHECK(ring.allgather_seconds(4, kDyadicValues, 4) == 3 * 0.75);
  // Tree: ⌈log₂ p⌉α + (p − 1)S_c/β + ⌈log₂ p⌉(α + p S_c/β); p = 4: 0.5 + 1.5 + 2 (0.25 + 2) = 6.5;
  // p = 5: 3 levels: 0.75 + 2 + 3 (0.25 + 2.5) = 11.
  CHECK(tree.allgather_seconds(1, kDyadicValues, 4) == 0);
  CHECK(tree.allgather_seconds(4, kDyadicValues, 4) == 6.5);
  CHECK(tree.allgather_seconds(5, kDyadicValues, 4) == 11);
  // Recursive doubling: p = 4: 2α + 3 S_c/β = 2; p = 5: 2α + 4 S_c/β + (α + S_c/β) + (α + 5 S_c/β) = 2.5 + 0.75 + 2.75.
  CHECK(doubling.allgather_seconds(1, kDyadicValues, 4) == 0);
  CHECK(doubling.allgather_seconds(4, kDyadicValues, 4) == 2);
  CHECK(doubling.allgather_seconds(5, kDyadicValues, 4) == 6);
  // Parameter server: push α + p S_c/β; the return is the smaller of the dense sum (S = 8) and the
  // p messages (p S_c): p = 1 sends the message back (4 bytes), p = 4 the dense sum (8 < 16).
  CHECK(server.allgather_seconds(1, kDyadicValues, 4) == 0.75 + 0.75);
  CHECK(server.allgather_seconds(4, kDyadicValues, 4) == (0.25 + 2) + (0.25 + 4));
  // A compressed round on the constant network costs what an average costs.
  CHECK(ConstantNetwork(0.024).allgather_seconds(8, 1000, 10) == 0.024);
  // Dense messages: d · bytes_per_value (8 on the constant network).
  CHECK(ring.dense_bytes(kDyadicValues) == 8);
  CHECK(ConstantNetwork(1).dense_bytes(10) == 80);
  // Full-size messages through the ring all-gather cost more than the ring all-reduce for p > 2
  // (p − 1 whole messages against 2(p − 1)/p of one): what compression must win back.
  CHECK(ring.allgather_seconds(8, kDyadicValues, 8) > ring.allreduce_seconds(8, kDyadicValues));
}
