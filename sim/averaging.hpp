#pragma once
// Deterministic averaging (docs/design.md §7): every coordinate is summed over workers 0, 1, …, p−1 in
// that order and then divided by p, so the result does not depend on the thread count. Large
// vectors are split into coordinate blocks processed in parallel; a coordinate's sum never
// crosses a block, so blocking changes no bit.
#include <cstddef>

#include "core/types.hpp"

namespace localsgd {

template <class ModelAt>
void deterministic_average(std::size_t count, const ModelAt& model_at, Vector& out);

}  // namespace localsgd

#include "sim/averaging_impl.hpp"
