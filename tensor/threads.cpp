#include "vecnn/tensor/threads.hpp"

#include <cblas.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "vecnn/tensor/worker_pool.hpp"

#if defined(__SSE__)
#include <pmmintrin.h>
#include <xmmintrin.h>
#endif

namespace vecnn {
namespace {

std::once_flag configured;

void flush_denormals_on_this_thread(bool on) {
#if defined(__SSE__)
    _MM_SET_FLUSH_ZERO_MODE(on ? _MM_FLUSH_ZERO_ON : _MM_FLUSH_ZERO_OFF);
    _MM_SET_DENORMALS_ZERO_MODE(on ? _MM_DENORMALS_ZERO_ON : _MM_DENORMALS_ZERO_OFF);
#else
    (void)on;
#endif
}

// VECNN_GEMM_THREADING=openblas hands the threads to OpenBLAS instead of the
// pool (for comparing the two in `vecnn bench`; it allocates per GEMM call).
bool openblas_threading() {
    static const bool on = [] {
        const char* v = std::getenv("VECNN_GEMM_THREADING");
        return v != nullptr && std::string(v) == "openblas";
    }();
    return on;
}

void configure(int threads) {
    if (openblas_threading()) {
        openblas_set_num_threads(threads);
        WorkerPool::instance().resize(1);
    } else {
        openblas_set_num_threads(1);  // the pool is the only source of parallelism
        WorkerPool::instance().resize(static_cast<std::size_t>(threads));
    }
    flush_denormals_on_this_thread(true);
    auto set = [](std::size_t) { flush_denormals_on_this_thread(true); };
    WorkerPool::instance().run_on_every_thread(set);
}

void ensure_configured() {
    std::call_once(configured, [] { configure(static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))); });
}

// When to use a second thread, measured with `vecnn bench` over MLPs from
// 64-64-10 to 784-1024-1024-10 at batch 1 to 1024 on a 2-core VM. Handing a
// part to a worker costs little; what costs is data changing cores: a cache
// line written on one core and read on the other. So a parameter block is
// either split in every pass over it (GEMMs, zero_grad, the update: each
// thread keeps its slice in its own cache, which for a weight too big for
// one core's cache is worth more than the parallelism, up to 3x at batch
// 1-8), or kept whole on one thread.
//
// An elementwise pass over the parameters is split from this many elements
// per thread on.
constexpr std::size_t kMinElementsPerPart = std::size_t{1} << 16;
// A GEMM is split when one of its operands is as big as that (a weight whose
// update is split), down to this many multiply-adds per part...
constexpr std::size_t kMinWorkPerPartBigOperand = std::size_t{1} << 14;
// ...and otherwise only from this many multiply-adds per part (~100 us),
// where the compute saved pays for the weight and its gradient moving
// between cores every step (splitting 256-256-10 at batch 128 this way,
// with its 68k-parameter update on one thread, was no faster than 1 thread).
constexpr std::size_t kMinWorkPerPart = std::size_t{1} << 22;
// Parts narrower than this waste the SIMD kernels' register blocks.
constexpr std::size_t kMinBlock = 16;

}  // namespace

void set_compute_threads(int threads) {
    if (threads < 1) throw std::invalid_argument("threads must be at least 1, got " + std::to_string(threads));
    ensure_configured();
    configure(threads);
}

void set_flush_denormals(bool on) {
    ensure_configured();
    flush_denormals_on_this_thread(on);
    auto set = [on](std::size_t) { flush_denormals_on_this_thread(on); };
    WorkerPool::instance().run_on_every_thread(set);
}

WorkerPool& compute_pool() {
    ensure_configured();
    return WorkerPool::instance();
}

int compute_threads() {
    ensure_configured();
    return openblas_threading() ? openblas_get_num_threads() : static_cast<int>(WorkerPool::instance().threads());
}

bool gemm_never_split(std::size_t m, std::size_t n, std::size_t k) {
    // No part could reach the smallest per-part work. Each factor checked
    // first, so the product cannot overflow.
    const std::size_t most = 2 * kMinWorkPerPartBigOperand;
    return m < most && n < most && k < most && m * n * k < most;
}

GemmSplit gemm_split(std::size_t m, std::size_t n, std::size_t k) {
    ensure_configured();
    GemmSplit split;
    const std::size_t work = m * n * k;
    // One part, without the divisions below (a toy product's whole cost is
    // tens of ns).
    if (gemm_never_split(m, n, k)) return split;
    const std::size_t threads = WorkerPool::instance().threads();
    // Split so that the largest of A (m, k), B (k, n) and C (m, n) is cut in
    // blocks: each thread then reads or writes only its share of it. For a
    // Linear layer that is the weight in forward (rows of W via columns of
    // C) and its gradient in backward (rows of C): the same rows of W on the
    // same thread (the pool gives part i to thread i), which keeps them in
    // that core's cache from one call to the next.
    const bool c_largest = m >= k && n >= k;
    split.by_rows = c_largest || m > n;
    // ...unless that dimension is too narrow to cut and the other is not.
    if ((split.by_rows ? m : n) < 2 * kMinBlock && (split.by_rows ? n : m) >= 2 * kMinBlock) {
        split.by_rows = !split.by_rows;
    }
    const std::size_t dim = split.by_rows ? m : n;
    const std::size_t largest = std::max({m * k, k * n, m * n});
    const std::size_t min_work = largest >= 2 * kMinElementsPerPart ? kMinWorkPerPartBigOperand : kMinWorkPerPart;
    std::size_t parts = std::min({threads, work / min_work, dim / kMinBlock});
    if (parts <= 1) return split;
    // Equal blocks, rounded up to a multiple of kMinBlock.
    std::size_t block = (dim + parts - 1) / parts;
    block = (block + kMinBlock - 1) / kMinBlock * kMinBlock;
    split.parts = (dim + block - 1) / block;
    split.block = block;
    return split;
}

std::size_t elementwise_parts(std::size_t n) {
    return std::max<std::size_t>(1, std::min<std::size_t>(compute_pool().threads(), n / kMinElementsPerPart));
}

}  // namespace vecnn
