// The JIT kernels a thread used last, by shape, for the GEMM drivers
// (tensor/xsmm_gemm.cpp, tensor/bf16_gemm.cpp): libxsmm's own dispatch (a
// descriptor, its hash and a registry lookup) costs ~50 ns a call, as much as
// a whole 32x16x16 product. A step's GEMMs are the same few shapes in turn,
// so a small per-thread table, searched linearly, finds them.
#pragma once

#include <cstddef>

namespace vecnn::detail {

// Everything a libxsmm GEMM kernel is generated for, but alpha (always 1):
// the shape, the leading dimensions and the flags (transposes, beta = 0, VNNI).
struct KernelKey {
    long m, n, k, lda, ldb, ldc;
    int flags;
    bool operator==(const KernelKey& o) const {
        return m == o.m && n == o.n && k == o.k && lda == o.lda && ldb == o.ldb && ldc == o.ldc && flags == o.flags;
    }
};

// The kernel for `key` from this thread's table of the last 16 (one table
// per kernel type), or from `dispatch()` (cached unless it returns null).
template <class Kernel, class Dispatch>
Kernel cached_kernel(const KernelKey& key, Dispatch dispatch) {
    constexpr std::size_t kSlots = 16;
    struct Slot {
        KernelKey key;
        Kernel kernel;
    };
    thread_local Slot slots[kSlots] = {};
    thread_local std::size_t next = 0;  // round-robin replacement
    for (const Slot& s : slots) {
        if (s.kernel && s.key == key) return s.kernel;
    }
    const Kernel kernel = dispatch();
    if (kernel) {
        slots[next] = {key, kernel};
        next = (next + 1) % kSlots;
    }
    return kernel;
}

}  // namespace vecnn::detail
