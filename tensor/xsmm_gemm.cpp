#include "vecnn/tensor/xsmm_gemm.hpp"

#include "vecnn/tensor/kernel_cache.hpp"
#include "vecnn/tensor/thread_buffer.hpp"
#include "vecnn/tensor/transpose.hpp"

#include <cblas.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#ifdef VECNN_WITH_LIBXSMM
#include <libxsmm.h>
#endif

namespace vecnn {
namespace {

enum class Choice { by_cpu, openblas, libxsmm };

Choice forced_choice() {
    const char* v = std::getenv("VECNN_GEMM_LIBRARY");
    if (!v || !*v) return Choice::by_cpu;
    const std::string s = v;
    if (s == "openblas") return Choice::openblas;
    if (s == "libxsmm") return Choice::libxsmm;
    throw std::invalid_argument("VECNN_GEMM_LIBRARY='" + s + "': expected openblas or libxsmm");
}

#ifdef VECNN_WITH_LIBXSMM
constexpr bool kBuiltWithLibxsmm = true;
bool cpu_has_avx512() {
    libxsmm_init();
    return libxsmm_get_target_archid() >= LIBXSMM_X86_AVX512_CORE;
}
#else
constexpr bool kBuiltWithLibxsmm = false;
bool cpu_has_avx512() {
    return false;
}
#endif

struct Policy {
    Choice choice = forced_choice();
    bool avx512 = cpu_has_avx512();
    // Every product (AVX-512 CPUs, or forced); on AVX2-only CPUs small ones.
    bool every_shape = kBuiltWithLibxsmm && (choice == Choice::libxsmm || (choice == Choice::by_cpu && avx512));
    bool small_shapes = kBuiltWithLibxsmm && choice == Choice::by_cpu && !avx512;
};

const Policy& policy() {
    static const Policy p;
    return p;
}

// Where libxsmm's AVX2 kernels beat OpenBLAS's, measured on a Zen 3 core
// (AVX2 only) over the three GEMMs of a Linear layer, C (m, n) with inner
// size k: in, out from 2 to 1024 at batch 8 to 256, and 4 to 144 at 2,048 to
// 50,176 rows (a convolution's im2col products). libxsmm wins by OpenBLAS's
// per-call and packing cost on small products (up to ~1M multiply-adds) and
// on any number of rows times a small op(B) (k n up to 8,192 floats, 32 KB:
// 1.5-9x there); OpenBLAS's cache blocking wins beyond (0.2-0.4x at 2^25
// multiply-adds). Fewer than 4 columns of C fill too little of libxsmm's
// 8-float vectors (0.2-0.4x). Over those two grids (vecnn_gemm_grid,
// tools/budget/gemm_grid.cpp) the time with this rule is 1.06x and
// 1.06-1.11x the faster library's (geometric means), OpenBLAS alone's
// 1.49-1.53x and 1.66-1.67x.
constexpr std::size_t kSmallMaxMultiplyAdds = std::size_t{1} << 20;
constexpr std::size_t kSmallMaxRightOperand = std::size_t{1} << 13;
constexpr std::size_t kSmallMinColumns = 4;

bool small_product(std::size_t m, std::size_t n, std::size_t k) {
    // Each factor checked first, so no product below overflows.
    const std::size_t most = kSmallMaxMultiplyAdds;
    if (n < kSmallMinColumns || n > most || k > most) return false;
    return n * k <= kSmallMaxRightOperand || (m <= most && m * n * k <= most);
}

#ifdef VECNN_WITH_LIBXSMM
// Products whose two operand blocks fit in about 1 MB (a core's L2) run as
// one kernel; larger ones in blocks of 64 x 256 x 256 (A' 64 KB, B' 256 KB).
// Measured on one core (GFLOP/s, AVX-512 peak ~209): 256x64x784 whole 217,
// in blocks 170; 1024x256x1024 whole 169, in blocks 199.
constexpr long kWholeUpToFloats = 256 * 1024;
constexpr int kBlockM = 64, kBlockN = 256, kBlockK = 256;

// Column-major C' (M, N; ldc) = A' (M, K; lda) B' + beta C', with B' stored
// (K, N; ldb), or (N, K) when b_transposed. Every block is a GEMM of its
// own: one libxsmm kernel, or OpenBLAS for a shape libxsmm generates none for.
void column_major_product(int M, int N, int K, const float* a, int lda, const float* b, int ldb, bool b_transposed,
                          float beta, float* c, int ldc) {
    const bool whole = static_cast<long>(M) * K + static_cast<long>(K) * N <= kWholeUpToFloats;
    const int bm = whole ? M : kBlockM, bn = whole ? N : kBlockN, bk = whole ? K : kBlockK;
    for (int j0 = 0; j0 < N; j0 += bn) {
        for (int i0 = 0; i0 < M; i0 += bm) {
            for (int p0 = 0; p0 < K; p0 += bk) {
                const libxsmm_blasint mm = std::min(bm, M - i0), nn = std::min(bn, N - j0), kk = std::min(bk, K - p0);
                const libxsmm_blasint la = lda, lb = ldb, lc = ldc;
                const float one = 1;
                const float block_beta = p0 == 0 ? beta : 1.0f;
                const int flags =
                    (b_transposed ? LIBXSMM_GEMM_FLAG_TRANS_B : 0) | (block_beta == 0 ? LIBXSMM_GEMM_FLAG_BETA_0 : 0);
                const int prefetch = LIBXSMM_GEMM_PREFETCH_NONE;
                const float* ab = a + i0 + static_cast<std::size_t>(p0) * lda;
                const float* bb = b_transposed ? b + j0 + static_cast<std::size_t>(p0) * ldb
                                               : b + p0 + static_cast<std::size_t>(j0) * ldb;
                float* cb = c + i0 + static_cast<std::size_t>(j0) * ldc;
                const auto kernel = detail::cached_kernel<libxsmm_smmfunction>({mm, nn, kk, la, lb, lc, flags}, [&] {
                    return libxsmm_smmdispatch(mm, nn, kk, &la, &lb, &lc, &one, &block_beta, &flags, &prefetch);
                });
                if (kernel) {
                    kernel(ab, bb, cb);
                } else {
                    cblas_sgemm(CblasColMajor, CblasNoTrans, b_transposed ? CblasTrans : CblasNoTrans, mm, nn, kk, 1.0f,
                                ab, lda, bb, ldb, block_beta, cb, ldc);
                }
            }
        }
    }
}

// libxsmm vectorises along its M, which is C's column count n: below one
// AVX-512 width of floats its kernel costs as much as a whole width (one
// thread, Zen 5: M 2, N 32, K 16 in 85 ns, the same product as M 32, N 2 in
// 19 ns). A product with 1-4 columns and 16+ rows can run as C^T, with
// M = m, and a transpose of the small result. A weight gradient dY^T X
// reads both operands in place that way: over vecnn_gemm_grid's Linear
// shapes that fit, 0.24-1.14x the time before (0.32-0.62x at 256 rows). An
// NT product (forward X W^T) must transpose X instead of W: with inner
// size 16+ and up to 64 rows 0.50-0.94x (grid, in 16-784, batch 16-64), at
// 256 rows 0.69-1.12x, with inner size 2-10 up to 4.2x slower, so only the
// former. 10 columns, and NN products (A to transpose first and B read
// transposed), lost up to 6x and keep the plain way.
constexpr int kTransposedResultMaxColumns = 4, kTransposedResultMinRows = 16;
constexpr int kTransposedNtMinInner = 16, kTransposedNtMaxRows = 64;
bool narrow_result(int m, int n) {
    return policy().avx512 && n <= kTransposedResultMaxColumns && m >= kTransposedResultMinRows;
}
bool by_transposed_result(bool transpose_a, int m, int n) {
    return transpose_a && narrow_result(m, n);
}
// An NT product transposes B, or A and then the result: whichever moves
// fewer floats, but the second for a narrow result where that measured
// faster (above).
bool nt_transposes_b_first(int m, int n, int k) {
    if (narrow_result(m, n) && k >= kTransposedNtMinInner && m <= kTransposedNtMaxRows) return false;
    return static_cast<long>(n) * k <= static_cast<long>(m) * k + 2L * m * n;
}
#endif

}  // namespace

bool libxsmm_built_in() {
    return kBuiltWithLibxsmm;
}

bool libxsmm_kept_out() {
    return policy().choice == Choice::openblas;
}

namespace {
// What libxsmm's kernels (and vecnn's driver) can do at all.
bool libxsmm_can(bool transpose_a, bool transpose_b, float alpha, float beta) {
    return alpha == 1.0f && (beta == 0.0f || beta == 1.0f) && !(transpose_a && transpose_b);
}
}  // namespace

bool libxsmm_takes_sgemm(bool transpose_a, bool transpose_b, float alpha, float beta) {
    return policy().every_shape && libxsmm_can(transpose_a, transpose_b, alpha, beta);
}

bool libxsmm_takes_sgemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
                         float beta) {
    const Policy& p = policy();
    return (p.every_shape || (p.small_shapes && small_product(m, n, k))) &&
           libxsmm_can(transpose_a, transpose_b, alpha, beta);
}

void libxsmm_sgemm(bool transpose_a, bool transpose_b, int m, int n, int k, const float* a, int lda, const float* b,
                   int ldb, float beta, float* c, int ldc) {
#ifdef VECNN_WITH_LIBXSMM
    // Row-major C (m, n) is column-major C^T (n, m) = op(B)^T op(A)^T: libxsmm's
    // A' is B as stored, its B' is A as stored (transposed when A is).
    // libxsmm reads its B' transposed but not its A', so op(B) = B^T needs a
    // transpose first: of B, or of A and then of the (m, n) result, whichever
    // moves fewer floats.
    if (transpose_a && transpose_b) throw std::logic_error("libxsmm_sgemm: both operands transposed");
    if (by_transposed_result(transpose_a, m, n)) {
        // Column-major C^T' (m, n) = A' (m, k) B' (k, n): A' is A as stored
        // (k, m), B' is op(B)^T = B (k, n) read transposed by the kernel.
        float* ct = detail::thread_buffer<float, 1>(static_cast<std::size_t>(m) * n);
        column_major_product(m, n, k, a, lda, b, ldb, true, 0.0f, ct, m);
        transpose(ct, n, m, m, c, ldc, beta != 0.0f);
        return;
    }
    if (!transpose_b) {
        column_major_product(n, m, k, b, ldb, a, lda, transpose_a, beta, c, ldc);
        return;
    }
    if (nt_transposes_b_first(m, n, k)) {
        float* bt = detail::thread_buffer<float, 0>(static_cast<std::size_t>(n) * k);  // B^T, (k, n)
        transpose(b, n, k, ldb, bt, n, false);
        column_major_product(n, m, k, bt, n, a, lda, false, beta, c, ldc);
    } else {
        // C^T (n, m) = B A^T, row-major: column-major (m, n) = A^T' B', from A^T (k, m).
        float* at = detail::thread_buffer<float, 0>(static_cast<std::size_t>(m) * k);
        float* ct = detail::thread_buffer<float, 1>(static_cast<std::size_t>(m) * n);
        transpose(a, m, k, lda, at, m, false);
        column_major_product(m, n, k, at, m, b, ldb, false, 0.0f, ct, m);
        transpose(ct, n, m, m, c, ldc, beta != 0.0f);
    }
#else
    (void)transpose_a, (void)transpose_b, (void)m, (void)n, (void)k, (void)a, (void)lda, (void)b, (void)ldb, (void)beta,
        (void)c, (void)ldc;
    throw std::logic_error("libxsmm_sgemm: vecnn was built without libxsmm");
#endif
}

WholeProduct libxsmm_whole_product(bool transpose_a, bool transpose_b, int m, int n, int k, int lda, int ldb, int ldc,
                                   float beta) {
    WholeProduct product;
#ifdef VECNN_WITH_LIBXSMM
    // libxsmm_sgemm's choices, and column_major_product's for a whole
    // kernel (both operands in about 1 MB), in the same order.
    if ((transpose_a && transpose_b) || by_transposed_result(transpose_a, m, n) || (beta != 0.0f && beta != 1.0f)) {
        return product;
    }
    if (static_cast<long>(n) * k + static_cast<long>(k) * m > kWholeUpToFloats) return product;
    const float one = 1;
    const int prefetch = LIBXSMM_GEMM_PREFETCH_NONE;
    if (transpose_b && !nt_transposes_b_first(m, n, k)) {
        // Column-major C^T' (m, n) = A^T' (m, k) B' into a buffer (beta 0), then C (+)= its transpose.
        product.operands = WholeProduct::Operands::a_and_result_transposed;
        product.accumulate = beta != 0.0f;
        const libxsmm_blasint mm = m, nn = n, kk = k, la = m, lb = ldb, lc = m;
        const float zero = 0;
        const int flags = LIBXSMM_GEMM_FLAG_BETA_0;
        product.kernel = reinterpret_cast<WholeProductKernel>(
            libxsmm_smmdispatch(mm, nn, kk, &la, &lb, &lc, &one, &zero, &flags, &prefetch));
        return product;
    }
    product.operands = transpose_b ? WholeProduct::Operands::b_transposed : WholeProduct::Operands::as_stored;
    const libxsmm_blasint mm = n, nn = m, kk = k, la = transpose_b ? n : ldb, lb = lda, lc = ldc;
    const int flags = (transpose_a ? LIBXSMM_GEMM_FLAG_TRANS_B : 0) | (beta == 0 ? LIBXSMM_GEMM_FLAG_BETA_0 : 0);
    product.kernel = reinterpret_cast<WholeProductKernel>(
        libxsmm_smmdispatch(mm, nn, kk, &la, &lb, &lc, &one, &beta, &flags, &prefetch));
#else
    (void)transpose_a, (void)transpose_b, (void)m, (void)n, (void)k, (void)lda, (void)ldb, (void)ldc, (void)beta;
#endif
    return product;
}

void run_whole_product(const WholeProduct& product, int m, int n, int k, const float* a, int lda, const float* b,
                       int ldb, float* c, int ldc) {
    switch (product.operands) {
        case WholeProduct::Operands::as_stored:
            product.kernel(b, a, c);
            return;
        case WholeProduct::Operands::b_transposed: {
            float* bt = detail::thread_buffer<float, 0>(static_cast<std::size_t>(n) * k);  // B^T, (k, n)
            transpose(b, n, k, ldb, bt, n, false);
            product.kernel(bt, a, c);
            return;
        }
        case WholeProduct::Operands::a_and_result_transposed: {
            float* at = detail::thread_buffer<float, 0>(static_cast<std::size_t>(m) * k);  // A^T, (k, m)
            float* ct = detail::thread_buffer<float, 1>(static_cast<std::size_t>(m) * n);  // C^T, (n, m)
            transpose(a, m, k, lda, at, m, false);
            product.kernel(at, b, ct);
            transpose(ct, n, m, m, c, ldc, product.accumulate);
            return;
        }
    }
}

std::string gemm_library_description() {
    const Policy& p = policy();
    if (!kBuiltWithLibxsmm) return "OpenBLAS (built without libxsmm)";
    if (p.choice == Choice::openblas) return "OpenBLAS (VECNN_GEMM_LIBRARY=openblas)";
#ifdef VECNN_WITH_LIBXSMM
    const std::string arch = libxsmm_get_target_arch();
    if (p.every_shape) {
        return "libxsmm (" + arch + " kernels" + (p.choice == Choice::libxsmm ? ", VECNN_GEMM_LIBRARY=libxsmm" : "") +
               ")";
    }
    return "OpenBLAS, and libxsmm (" + arch + " kernels) for small products (no AVX-512)";
#else
    return "OpenBLAS";
#endif
}

}  // namespace vecnn
