// Kernels in two engines with one table (kernel_list.inc lists every kernel):
//   vectorized  whole-batch xtensor expressions (xsimd) and BLAS GEMM;
//   loop        plain loops over samples and elements, no BLAS, no xtensor
//               expressions, sharing no code with the above.
// The loop engine is the oracle in the tests and the baseline in benchmarks.
// Call a kernel through the table of the engine you want:
//   vecnn::kernels<float>(Engine::vectorized).relu_forward(x, y);
#pragma once

#include <cstdint>

#include "vecnn/tensor/engine.hpp"
#include "vecnn/tensor/matrix.hpp"

namespace vecnn {

// One engine's implementation of every kernel: a function pointer per entry
// of kernel_list.inc, in its order, named as the entry.
template <class T>
struct Kernels {
    Engine engine;
#define VECNN_KERNEL(name, R, params, recipe) R(*name) params;
#include "vecnn/tensor/kernel_list.inc"
#undef VECNN_KERNEL
};

// The tables, defined (for float and double) by kernels_loop.cpp and kernels_vectorized.cpp.
template <class T>
const Kernels<T>& loop_kernels();
template <class T>
const Kernels<T>& vectorized_kernels();

template <class T>
const Kernels<T>& kernels(Engine engine) {
    return engine == Engine::loop ? loop_kernels<T>() : vectorized_kernels<T>();
}

}  // namespace vecnn
