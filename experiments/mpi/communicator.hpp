#pragma once
// A small wrapper of MPI_COMM_WORLD for the distributed command line: text messages between
// ranks, a gather and a broadcast of text, and the MPI session itself. Compiled only with MPI
// (LOCALSGD_HAVE_MPI). Only one thread of a process calls it (MPI_THREAD_FUNNELED): the main
// thread, while the runs execute on other threads.
//
// Blocking MPI calls in Open MPI spin on a core while they wait; the messages of a sweep are
// therefore polled (`poll`, with a short sleep between polls by the caller), so that a rank that
// waits for work or for records leaves its cores to the runs.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/worker_split.hpp"

namespace localsgd {

struct Message {
  int source = 0;
  int tag = 0;
  std::string text;
};

class Communicator {
 public:
  int rank() const { return rank_; }
  int size() const { return size_; }
  // Ranks that share this rank's node (MPI_COMM_TYPE_SHARED), this one included.
  int ranks_on_this_node() const { return ranks_on_node_; }

  void send(int to, int tag, const std::string& text) const;
  // The next message for this rank, from any rank with any tag, if one has arrived.
  std::optional<Message> poll() const;
  // Collective: every rank's text, in rank order, on rank 0 (empty on the others).
  std::vector<std::string> gather(const std::string& mine) const;
  // Collective: rank 0's text on every rank.
  std::string broadcast(const std::string& from_rank0) const;

 private:
  friend class MpiSession;
  Communicator() = default;
  int rank_ = 0;
  int size_ = 1;
  int ranks_on_node_ = 1;
};

// A split run's collective (sim/worker_split.hpp) over MPI_COMM_WORLD: MPI_Allgatherv of doubles.
// Called by the thread that runs the engine, which in split-workers mode is the main thread.
class MpiRankCollectives final : public RankCollectives {
 public:
  explicit MpiRankCollectives(const Communicator& world) : world_(world) {}
  int rank() const override { return world_.rank(); }
  int ranks() const override { return world_.size(); }
  void all_gather(std::span<const double> mine, std::span<const std::size_t> counts, std::span<double> all) override;
  // What this rank exchanged so far: values sent and received (8 bytes each), and all-gathers.
  double values_sent() const { return values_sent_; }
  double values_received() const { return values_received_; }
  long exchanges() const { return exchanges_; }

 private:
  const Communicator& world_;
  double values_sent_ = 0, values_received_ = 0;
  long exchanges_ = 0;
  std::vector<int> counts_, offsets_;  // scratch, per rank
};

// MPI_Init_thread on construction, MPI_Finalize on destruction unless `abandon()` was called:
// a rank that ends with an error or an interrupt exits without MPI_Finalize (which would wait for
// the other ranks); the launcher then ends the job with its exit code.
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  const Communicator& world() const { return world_; }
  void abandon() { finalize_ = false; }

 private:
  Communicator world_;
  bool finalize_ = true;
};

}  // namespace localsgd
