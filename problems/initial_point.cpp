#include "problems/initial_point.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "core/random.hpp"

namespace localsgd {

Vector initial_point(const InitialPointOptions& options, const Vector& optimum, std::uint64_t seed) {
  const Index d = optimum.size();
  switch (options.kind) {
    case InitKind::zero: return Vector::Zero(d);
    case InitKind::optimum: return optimum;
    case InitKind::distance: {
      Rng rng(seed, StreamPurpose::init, 0, 0);
      Vector direction(d);
      for (Index k = 0; k < d; ++k) direction[k] = standard_normal(rng);
      return optimum + options.distance * (direction / direction.norm());
    }
    case InitKind::point:
      if (options.point.size() != d) {
        throw std::invalid_argument(fmt::format("must have {} entries (the problem's dimension), got {}", d,
                                                options.point.size()));
      }
      return options.point;
  }
  throw std::logic_error("initial_point: unknown kind");
}

}  // namespace localsgd
