#include "core/eigen_blocking.hpp"

#include <Eigen/Core>
#include <mutex>

namespace localsgd {

void pin_eigen_blocking() {
  static std::once_flag once;
  std::call_once(once, [] {
    Eigen::setCpuCacheSizes(kEigenL1Bytes, kEigenL2Bytes, kEigenL3Bytes);
  });
}

const bool kEigenBlockingPinned = (pin_eigen_blocking(), true);

}  // namespace localsgd
