#pragma once
// Counts heap allocations made by the current thread while a CountAllocations object is alive,
// to check contracts such as "stochastic_gradient must not allocate". The counting operator new
// lives in support/allocations.cpp (a replacement of the global operator new for the test binary).
#include <cstddef>

namespace localsgd::test {

std::size_t& allocation_count();   // allocations by this thread while counting
bool& counting_allocations();      // whether this thread is counting

class CountAllocations {
 public:
  CountAllocations() {
    allocation_count() = 0;
    counting_allocations() = true;
  }
  ~CountAllocations() { counting_allocations() = false; }
  CountAllocations(const CountAllocations&) = delete;
  CountAllocations& operator=(const CountAllocations&) = delete;
  std::size_t count() const { return allocation_count(); }
};

}  // namespace localsgd::test
