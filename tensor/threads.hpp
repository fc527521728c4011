// How many threads vecnn computes with. vecnn runs OpenBLAS single-threaded
// and splits large GEMMs itself over its WorkerPool (worker_pool.hpp): one
// pool, so threads never fight over the cores, no allocation per call (as
// OpenBLAS's threaded path has), and the split is chosen per GEMM shape, so
// small GEMMs, where a second thread costs more than it saves, stay on one.
#pragma once

#include <algorithm>
#include <cstddef>

namespace vecnn {

// Threads for computing, >= 1. Until first set: the number of cores.
void set_compute_threads(int threads);
int compute_threads();
// The earlier names of the two above (OpenBLAS itself always runs single-threaded).
inline void set_blas_threads(int threads) { set_compute_threads(threads); }
inline int blas_threads() { return compute_threads(); }

// Subnormal floats (below 1.2e-38 in float32) are flushed to zero on the
// threads vecnn computes with, as torch.set_flush_denormal(True) does: a
// momentum buffer decaying towards zero otherwise spends thousands of steps
// in the subnormal range, where every multiply takes a ~100-cycle microcode
// assist (measured: the SGD update of a 784-256-10 model went from 0.6 ms to
// 0.05 ms). On by default from the first GEMM (or set_compute_threads) on; this
// switches it for the calling thread and the pool's workers.
void set_flush_denormals(bool on);

class WorkerPool;
// The pool kernels split work over, configured on first use (threads = cores,
// OpenBLAS single-threaded, subnormals flushed on every compute thread).
WorkerPool& compute_pool();

// How a GEMM of C (m, n) with inner size k is split over the pool.
struct GemmSplit {
    std::size_t parts = 1;  // 1: not split
    bool by_rows = true;    // split the rows of C (else its columns)
    std::size_t block = 0;  // rows (or columns) per part
};
GemmSplit gemm_split(std::size_t m, std::size_t n, std::size_t k);
// Whether gemm_split gives one part at every thread count (too little work).
bool gemm_never_split(std::size_t m, std::size_t n, std::size_t k);

// How many equal contiguous blocks an elementwise pass over n elements is
// split into (1: not split). Every pass over the flat parameter or gradient
// block (zero_grad, the optimizer update) uses this one split, so each thread
// touches the same slice every step: for a layer whose weight is too big for
// one core's cache, its half stays in each core's own cache, next to the
// rows of the weight the GEMM split (above) gives the same thread.
std::size_t elementwise_parts(std::size_t n);

// Calls f(begin, end) for each block of that split of [0, n), spread over the
// compute pool; the same bits as one pass, since every element is independent.
template <class F>
void for_each_block(std::size_t n, F&& f);

}  // namespace vecnn

#include "vecnn/tensor/worker_pool.hpp"

namespace vecnn {

template <class F>
void for_each_block(std::size_t n, F&& f) {
    const std::size_t parts = elementwise_parts(n);
    if (parts <= 1) {
        f(std::size_t{0}, n);
        return;
    }
    const std::size_t block = (n + parts - 1) / parts;
    auto part = [&](std::size_t i) {
        const std::size_t begin = i * block, end = std::min(n, begin + block);
        if (begin < end) f(begin, end);
    };
    compute_pool().run(parts, part);
}

}  // namespace vecnn
