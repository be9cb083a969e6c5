#include "experiments/mpi/communicator.hpp"

#include <mpi.h>

#include <climits>
#include <stdexcept>

namespace localsgd {

namespace {

int count_of(const std::string& text) {
  if (text.size() > static_cast<std::size_t>(INT_MAX)) throw std::length_error("an MPI message above 2 GiB");
  return static_cast<int>(text.size());
}

}  // namespace

void Communicator::send(int to, int tag, const std::string& text) const {
  MPI_Send(text.data(), count_of(text), MPI_CHAR, to, tag, MPI_COMM_WORLD);
}

std::optional<Message> Communicator::poll() const {
  int arrived = 0;
  MPI_Status status;
  MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &arrived, &status);
  if (arrived == 0) return std::nullopt;
  int count = 0;
  MPI_Get_count(&status, MPI_CHAR, &count);
  Message message{status.MPI_SOURCE, status.MPI_TAG, std::string(static_cast<std::size_t>(count), '\0')};
  MPI_Recv(message.text.data(), count, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD,
           MPI_STATUS_IGNORE);
  return message;
}

std::vector<std::string> Communicator::gather(const std::string& mine) const {
  const int length = count_of(mine);
  std::vector<int> lengths(rank_ == 0 ? static_cast<std::size_t>(size_) : 0);
  MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<int> offsets(lengths.size());
  std::string all;
  if (rank_ == 0) {
    long total = 0;
    for (std::size_t r = 0; r < lengths.size(); ++r) {
      offsets[r] = static_cast<int>(total);
      total += lengths[r];
    }
    if (total > INT_MAX) throw std::length_error("an MPI gather above 2 GiB");
    all.resize(static_cast<std::size_t>(total));
  }
  MPI_Gatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, 0,
              MPI_COMM_WORLD);
  std::vector<std::string> texts;
  for (std::size_t r = 0; r < lengths.size(); ++r) {
    texts.push_back(all.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(lengths[r])));
  }
  return texts;
}

std::string Communicator::broadcast(const std::string& from_rank0) const {
  int length = rank_ == 0 ? count_of(from_rank0) : 0;
  MPI_Bcast(&length, 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::string text = rank_ == 0 ? from_rank0 : std::string(static_cast<std::size_t>(length), '\0');
  MPI_Bcast(text.data(), length, MPI_CHAR, 0, MPI_COMM_WORLD);
  return text;
}

void MpiRankCollectives::all_gather(std::span<const double> mine, std::span<const std::size_t> counts,
                                    std::span<double> all) {
  counts_.resize(counts.size());
  offsets_.resize(counts.size());
  std::size_t total = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    if (counts[r] > static_cast<std::size_t>(INT_MAX) || total > static_cast<std::size_t>(INT_MAX)) {
      throw std::length_error("a split run's all-gather above 2^31 values (use more ranks or a smaller d)");
    }
    counts_[r] = static_cast<int>(counts[r]);
    offsets_[r] = static_cast<int>(total);
    total += counts[r];
  }
  if (total != all.size() || mine.size() != counts[static_cast<std::size_t>(world_.rank())]) {
    throw std::invalid_argument("MpiRankCollectives::all_gather: the counts do not match the buffers");
  }
  MPI_Allgatherv(mine.data(), counts_[static_cast<std::size_t>(world_.rank())], MPI_DOUBLE, all.data(),
                 counts_.data(), offsets_.data(), MPI_DOUBLE, MPI_COMM_WORLD);
  values_sent_ += static_cast<double>(mine.size());
  values_received_ += static_cast<double>(total - mine.size());
  ++exchanges_;
}

MpiSession::MpiSession(int* argc, char*** argv) {
  int provided = 0;
  // FUNNELED: only the main thread calls MPI (the runs' threads never do).
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &world_.rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &world_.size_);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, world_.rank_, MPI_INFO_NULL, &node);
  MPI_Comm_size(node, &world_.ranks_on_node_);
  MPI_Comm_free(&node);
}

MpiSession::~MpiSession() {
  if (finalize_) MPI_Finalize();
}

}  // namespace localsgd
