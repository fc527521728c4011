// How many threads vecnn computes with. vecnn runs OpenBLAS single-threaded
// and splits large GEMMs itself over its WorkerPool (worker_pool.hpp): one
// pool, so threads never fight over the cores, no allocation per call (as
// OpenBLAS's threaded path has), and the split is chosen per GEMM shape, so
// small GEMMs, where a second thread costs more than it saves, stay on one.
#pragma once

#include <cstddef>

namespace vecnn {

// Threads for computing, >= 1. Until first set: the number of cores.
void set_blas_threads(int threads);
int blas_threads();

// Subnormal floats (below 1.2e-38 in float32) are flushed to zero on the
// threads vecnn computes with, as torch.set_flush_denormal(True) does: a
// momentum buffer decaying towards zero otherwise spends thousands of steps
// in the subnormal range, where every multiply takes a ~100-cycle microcode
// assist (measured: the SGD update of a 784-256-10 model went from 0.6 ms to
// 0.05 ms). On by default from the first GEMM (or set_blas_threads) on; this
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

}  // namespace vecnn
