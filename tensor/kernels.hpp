// Kernels in two flavours with one signature set (kernel_signatures.inc):
//   vecnn::vectorized  whole-batch xtensor expressions (xsimd) and BLAS GEMM;
//   vecnn::loop        plain loops over samples and elements, no BLAS, no
//                      xtensor expressions, sharing no code with the above.
// The loop flavour is the oracle in the tests and the baseline in benchmarks.
// Both are instantiated for float and double in their .cpp files.
#pragma once

#include <cstdint>

#include "tensor/matrix.hpp"

namespace vecnn {
namespace vectorized {
#include "tensor/kernel_signatures.inc"
}  // namespace vectorized
namespace loop {
#include "tensor/kernel_signatures.inc"
}  // namespace loop
}  // namespace vecnn
