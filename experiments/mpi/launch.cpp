#include "experiments/mpi/launch.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace localsgd {

namespace {

std::optional<int> integer_variable(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr) return std::nullopt;
  int value = 0;
  const char* end = text + std::strlen(text);
  const auto [ptr, error] = std::from_chars(text, end, value);
  if (error != std::errc() || ptr != end || value < 0) return std::nullopt;
  return value;
}

}  // namespace

bool built_with_mpi() {
#ifdef LOCALSGD_HAVE_MPI
  return true;
#else
  return false;
#endif
}

std::optional<LaunchedRanks> launched_ranks() {
  if (const auto size = integer_variable("OMPI_COMM_WORLD_SIZE")) {
    return LaunchedRanks{size, integer_variable("OMPI_COMM_WORLD_RANK")};
  }
  if (const auto size = integer_variable("PMI_SIZE")) return LaunchedRanks{size, integer_variable("PMI_RANK")};
  if (const auto rank = integer_variable("PMIX_RANK")) return LaunchedRanks{std::nullopt, rank};
  return std::nullopt;
}

}  // namespace localsgd
