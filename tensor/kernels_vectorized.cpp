// Vectorized kernels: whole-batch xtensor expressions (SIMD through xsimd)
// and OpenBLAS GEMM. Views are wrapped with xt::adapt (no copy, no allocation:
// the shape lives in a std::array).
#include <cblas.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <xsimd/xsimd.hpp>
#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xoperation.hpp>

#include "vecnn/tensor/bf16_gemm.hpp"
#include "vecnn/tensor/gemm_route.hpp"
#include "vecnn/tensor/kernel_checks.hpp"
#include "vecnn/tensor/kernels.hpp"
#include "vecnn/tensor/precision.hpp"
#include "vecnn/tensor/small_gemm.hpp"
#include "vecnn/tensor/threads.hpp"
#include "vecnn/tensor/worker_pool.hpp"
#include "vecnn/tensor/xsmm_gemm.hpp"

namespace vecnn::vectorized {

// GELU's constants, as PyTorch spells them: M_SQRT1_2 and M_2_SQRTPI * M_SQRT1_2 / 2.
constexpr double kSqrtHalf = 0.70710678118654752440;        // 1 / sqrt(2)
constexpr double kInverseSqrt2Pi = 0.39894228040143267794;  // 1 / sqrt(2 pi)

namespace {

// The adaptors' allocator type (they own nothing, so it never allocates).
// Being local to this file, it makes every xtensor expression type built on
// the adaptors below local too, and so the instances of xtensor's templates
// for them: a program that links vecnn and instantiates xtensor for the same
// expressions under other flags (no -march, no XTENSOR_USE_XSIMD) cannot have
// its copies chosen over these at link time.
template <class T>
struct LocalAllocator : std::allocator<T> {
    template <class U>
    struct rebind {
        using other = LocalAllocator<U>;
    };
};

// A view as a flat 1-D xtensor adaptor: elementwise ops over contiguous
// memory take xtensor's linear SIMD assignment path.
template <class T>
auto flat(View<T> v) {
    return xt::adapt(v.data, v.size(), xt::no_ownership(), std::array<std::size_t, 1>{v.size()},
                     xt::layout_type::row_major, LocalAllocator<T>());
}
template <class T>
auto flat(ConstView<T> v) {
    return xt::adapt(v.data, v.size(), xt::no_ownership(), std::array<std::size_t, 1>{v.size()},
                     xt::layout_type::row_major, LocalAllocator<T>());
}
void blas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha, const float* a, int lda,
               const float* b, int ldb, float beta, float* c, int ldc) {
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void blas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, double alpha, const double* a, int lda,
               const double* b, int ldb, double beta, double* c, int ldc) {
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void blas_gemv(CBLAS_TRANSPOSE t, int m, int n, float alpha, const float* a, int lda, const float* x, int incx,
               float beta, float* y, int incy) {
    cblas_sgemv(CblasRowMajor, t, m, n, alpha, a, lda, x, incx, beta, y, incy);
}
void blas_gemv(CBLAS_TRANSPOSE t, int m, int n, double alpha, const double* a, int lda, const double* x, int incx,
               double beta, double* y, int incy) {
    cblas_dgemv(CblasRowMajor, t, m, n, alpha, a, lda, x, incx, beta, y, incy);
}

// OpenBLAS 0.3.21's gemm packs all of op(B) into a buffer even when C has a
// single row, so a batch-1 Linear forward (1x784 times 784x256) took 64 us
// against gemv's 9 us, and one gemv per row stays faster up to 6 rows
// (measured on one thread; at 8 rows the two are even). Newer OpenBLAS
// forwards such calls to gemv itself.
constexpr int kMaxGemvRows = 6;

// OpenBLAS's gemm packs its operands for 2 or 3 columns of C as for many:
// one gemv per column measured 1.2-5x faster (one thread, Zen 3, m and k
// from 8 to 2,048, all three transpose cases), except with an inner size
// under 16 at more than 128 rows, where gemm was even or ahead (0.5-1.0x).
constexpr int kMaxGemvColumns = 3;
constexpr int kGemvColumnsMinInner = 16;
constexpr int kGemvColumnsMaxRowsAtSmallInner = 128;

// gemv scales y by beta, and 0 * NaN stays NaN; gemm's (and BLAS's) beta = 0
// means y is not read. So clear y (n elements, `stride` apart) and add onto it instead.
template <class T>
T clear_for_beta_zero(T beta, T* y, int n, int stride = 1) {
    if (beta != T(0)) return beta;
    if (stride == 1) {
        std::fill(y, y + n, T(0));
    } else {
        for (int i = 0; i < n; ++i) y[static_cast<std::size_t>(i) * stride] = T(0);
    }
    return T(1);
}

// y (n) = alpha * x (k) op(B) + beta * y for one row x of op(A), op(B) (k, n).
template <class T>
void row_times_matrix(bool transpose_b, int n, int k, T alpha, const T* x, int incx, const T* b, int ldb, T beta,
                      T* y) {
    beta = clear_for_beta_zero(beta, y, n);
    // op(B) = B stored (k, n): y = B^T x; op(B) = B^T with B stored (n, k): y = B x.
    if (transpose_b) {
        blas_gemv(CblasNoTrans, n, k, alpha, b, ldb, x, incx, beta, y, 1);
    } else {
        blas_gemv(CblasTrans, k, n, alpha, b, ldb, x, incx, beta, y, 1);
    }
}

// The k = 1 product, c (m, n) = alpha * u v^T + beta * c: one pass writing c.
// gemm spent as long clearing and packing as multiplying (a 256x784 batch-1
// weight gradient: 20 us, this loop 7 us; ger 15 us, as it cannot skip
// reading c when beta is 0).
template <class T>
void outer_product(int m, int n, T alpha, const T* u, const T* v, T beta, T* c, int ldc) {
    for (int i = 0; i < m; ++i) {
        const T s = alpha * u[i];
        T* __restrict ci = c + static_cast<std::size_t>(i) * ldc;
        const T* __restrict vv = v;
        if (beta == T(0)) {
            for (int j = 0; j < n; ++j) ci[j] = s * vv[j];
        } else if (beta == T(1)) {
            for (int j = 0; j < n; ++j) ci[j] += s * vv[j];
        } else {
            for (int j = 0; j < n; ++j) ci[j] = beta * ci[j] + s * vv[j];
        }
    }
}

// Under MatmulPrecision::bfloat16 every float product, whatever its shape,
// goes to the bf16 GEMM (tensor/bf16_gemm.hpp); float64 ones never do.
bool bf16_precision(float) {
    return matmul_precision() == MatmulPrecision::bfloat16;
}
bool bf16_precision(double) {
    return false;
}
bool libxsmm_takes(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
                   float beta) {
    return libxsmm_takes_sgemm(transpose_a, transpose_b, m, n, k, alpha, beta);
}
bool libxsmm_takes(bool, bool, std::size_t, std::size_t, std::size_t, double, double) {
    return false;
}

// The cheapest route for the shape (gemm_route.hpp): a plain loop for an
// inner size of 1, vecnn's own kernel for toy products, gemv for few rows or
// one column, a GEMM library otherwise. libxsmm's size rule is asked once.
template <class T>
GemmRoute float_route_of(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, T alpha,
                         T beta) {
    if (k == 1) return GemmRoute::outer_product;
    const bool jit = libxsmm_takes(transpose_a, transpose_b, m, n, k, alpha, beta);
    // vecnn's own kernel where its shape fits and libxsmm would not take the
    // product. libxsmm first: over a grid of Linear shapes (vecnn_gemm_grid,
    // Zen 3) the kernel took 1.04x libxsmm's time on 4-16 columns, 1.09-1.14x
    // on TN products, and 0.42x on 1-3 columns, which libxsmm takes on
    // AVX-512 CPUs only (there measured faster than OpenBLAS; this kernel was
    // not measured on AVX-512).
    if (!jit && small_gemm_fits(transpose_a, m, n, k, alpha, beta)) return GemmRoute::small_kernel;
    // Where libxsmm reads the operands in place (B not transposed), its
    // kernel beats gemv row by row even for a few rows (a 4x32x16 weight
    // gradient: one call instead of four).
    if (m <= kMaxGemvRows && !(jit && !transpose_b)) return GemmRoute::gemv_per_row;
    if (n == 1) return GemmRoute::gemv_column;
    if (jit) return GemmRoute::libxsmm;
    if (n <= kMaxGemvColumns && (k >= kGemvColumnsMinInner || m <= kGemvColumnsMaxRowsAtSmallInner)) {
        return GemmRoute::gemv_per_column;
    }
    return GemmRoute::blas_gemm;
}

template <class T>
GemmRoute route_of(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, T alpha, T beta) {
    if (bf16_precision(alpha)) return GemmRoute::bf16;
    return float_route_of(transpose_a, transpose_b, m, n, k, alpha, beta);
}

void libxsmm_product(bool transpose_a, bool transpose_b, int m, int n, int k, const float* a, int lda, const float* b,
                     int ldb, float beta, float* c, int ldc) {
    libxsmm_sgemm(transpose_a, transpose_b, m, n, k, a, lda, b, ldb, beta, c, ldc);
}
void libxsmm_product(bool, bool, int, int, int, const double*, int, const double*, int, double, double*, int) {
    assert(false && "float64 products never take the libxsmm route");
}

void bf16_product(bool transpose_a, bool transpose_b, int m, int n, int k, float alpha, const float* a, int lda,
                  const float* b, int ldb, float beta, float* c, int ldc) {
    bf16_sgemm(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void bf16_product(bool, bool, int, int, int, double, const double*, int, const double*, int, double, double*, int) {
    assert(false && "float64 products never take the bf16 route");
}

// C (m, n) = alpha op(A) op(B) + beta C on raw row-major pointers, by the
// route of route_of. Leading dimensions are the stored column counts, so a
// stored matrix with one column (ld 1) or one row is a contiguous vector
// either way: only a row of a transposed A is strided.
template <class T>
void product_by(GemmRoute route, bool transpose_a, bool transpose_b, int m, int n, int k, T alpha, const T* a, int lda,
                const T* b, int ldb, T beta, T* c, int ldc) {
    const auto ta = transpose_a ? CblasTrans : CblasNoTrans, tb = transpose_b ? CblasTrans : CblasNoTrans;
    switch (route) {
        case GemmRoute::bf16:
            bf16_product(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        case GemmRoute::outer_product:
            // op(A) is a column u (m), op(B) a row v (n): both stored contiguously.
            assert((transpose_a || lda == 1) && (!transpose_b || ldb == 1));
            outer_product(m, n, alpha, a, b, beta, c, ldc);
            return;
        case GemmRoute::small_kernel:
            small_gemm(transpose_a, transpose_b, m, n, k, a, lda, b, ldb, beta, c, ldc);
            return;
        case GemmRoute::gemv_per_row:
            for (int r = 0; r < m; ++r) {
                // Row r of op(A): a row of A, or a column of A when transposed.
                const T* x = transpose_a ? a + r : a + static_cast<std::size_t>(r) * lda;
                row_times_matrix(transpose_b, n, k, alpha, x, transpose_a ? lda : 1, b, ldb, beta,
                                 c + static_cast<std::size_t>(r) * ldc);
            }
            return;
        case GemmRoute::gemv_column:  // n = 1
        case GemmRoute::gemv_per_column:
            // Strided, not contiguous: a one-column C may be the last part of
            // a product split by columns, inside a wider C (and B).
            for (int j = 0; j < n; ++j) {
                // Column j of C (stride ldc) = alpha op(A) x + beta, x column j of op(B):
                // a row of B when transposed (contiguous), else a column (stride ldb).
                const T* x = transpose_b ? b + static_cast<std::size_t>(j) * ldb : b + j;
                const int incx = transpose_b ? 1 : ldb;
                const T column_beta = clear_for_beta_zero(beta, c + j, m, ldc);
                if (transpose_a) {
                    blas_gemv(CblasTrans, k, m, alpha, a, lda, x, incx, column_beta, c + j, ldc);
                } else {
                    blas_gemv(CblasNoTrans, m, k, alpha, a, lda, x, incx, column_beta, c + j, ldc);
                }
            }
            return;
        case GemmRoute::libxsmm:  // JIT kernels: every shape on AVX-512, small ones on AVX2 (float only)
            libxsmm_product(transpose_a, transpose_b, m, n, k, a, lda, b, ldb, beta, c, ldc);
            return;
        case GemmRoute::blas_gemm:
            blas_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
    }
}

template <class T>
void product(bool transpose_a, bool transpose_b, int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb,
             T beta, T* c, int ldc) {
    product_by(route_of(transpose_a, transpose_b, static_cast<std::size_t>(m), static_cast<std::size_t>(n),
                        static_cast<std::size_t>(k), alpha, beta),
               transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// sum_i term(a_i, b_i) in xsimd batches with four independent accumulators
// (one addition's latency hides behind the other three), for a term that
// works on batches and on scalars alike. xtensor's xt::sum over an expression
// is a scalar reducer: 0.43x the plain loop in the vectorization budget, and
// ~4x slower than a loop on softmax-sized rows.
template <class T, class Term>
T sum_of_terms(const T* a, const T* b, std::size_t n, Term term) {
    using Batch = xsimd::batch<T>;
    constexpr std::size_t lanes = Batch::size;
    if (n < lanes) {  // a short row (10 classes, say): the lane sum would cost more than the terms
        T total = 0;
        for (std::size_t i = 0; i < n; ++i) total += term(a[i], b[i]);
        return total;
    }
    Batch s0(T(0)), s1(T(0)), s2(T(0)), s3(T(0));
    std::size_t i = 0;
    auto at = [&](std::size_t k) { return term(Batch::load_unaligned(a + k), Batch::load_unaligned(b + k)); };
    for (; i + 4 * lanes <= n; i += 4 * lanes) {
        s0 += at(i);
        s1 += at(i + lanes);
        s2 += at(i + 2 * lanes);
        s3 += at(i + 3 * lanes);
    }
    for (; i + lanes <= n; i += lanes) s0 += at(i);
    // Lane sum through memory: xsimd::hadd's AVX-512 path trips GCC 12's
    // -Wuninitialized (a false positive in its intrinsics headers).
    alignas(64) T lane[lanes];
    ((s0 + s1) + (s2 + s3)).store_unaligned(lane);
    T total = 0;
    for (std::size_t l = 0; l < lanes; ++l) total += lane[l];
    for (; i < n; ++i) total += term(a[i], b[i]);
    return total;
}

template <class T>
T sum_of_squared_differences(const T* a, const T* b, std::size_t n) {
    return sum_of_terms(a, b, n, [](auto x, auto y) {
        const auto d = x - y;
        return d * d;
    });
}

template <class T>
T dot_product(const T* a, const T* b, std::size_t n) {
    return sum_of_terms(a, b, n, [](auto x, auto y) { return x * y; });
}

template <class T>
T sum_of(const T* a, std::size_t n) {
    return sum_of_terms(a, a, n, [](auto x, auto) { return x; });
}

// cond ? a : b, for scalars and for xsimd batches alike (the terms of sum_of_terms).
template <class A, class B>
auto choose(bool cond, A a, B b) {
    return cond ? a : b;
}
template <class Bool, class A, class B>
auto choose(const Bool& cond, const A& a, const B& b) {
    return xsimd::select(cond, a, b);
}

// out[i] = f(a[i], b[i]) in xsimd batches, then the same f on the scalars
// of the tail (f works on both, as sum_of_terms' terms do). out may be a or b.
template <class T, class F>
void elementwise(const T* a, const T* b, T* out, std::size_t n, F&& f) {
    using Batch = xsimd::batch<T>;
    std::size_t i = 0;
    for (; i + Batch::size <= n; i += Batch::size) {
        f(Batch::load_unaligned(a + i), Batch::load_unaligned(b + i)).store_unaligned(out + i);
    }
    for (; i < n; ++i) out[i] = f(a[i], b[i]);
}

// A toy network's products repeat step after step, and where libxsmm runs
// one as a single kernel call (libxsmm_whole_product) the route, the thread
// split and the driver's choices cost as much as the product (a 32x16x2
// product: 52 ns through gemm, 16 in the kernel). This thread's last 16
// products too small to split over threads keep, by everything those choices
// read (sizes, leading dimensions, transposes, beta 0 or 1), that kernel, or
// an empty one for a product that takes the general path. The key is two
// words: each size and leading dimension of such a product is under 2^15.
WholeProduct remembered_whole_product(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k,
                                      int lda, int ldb, int ldc, float alpha, float beta) {
    if (alpha != 1.0f || (beta != 0.0f && beta != 1.0f) || bf16_precision(alpha) || !gemm_never_split(m, n, k)) {
        return {};
    }
    using Word = std::uint64_t;
    const Word sizes = Word{m} | Word{n} << 20 | Word{k} << 40 | Word{transpose_a} << 60 | Word{transpose_b} << 61 |
                       Word{beta == 0.0f} << 62;
    const Word strides = static_cast<Word>(lda) | static_cast<Word>(ldb) << 20 | static_cast<Word>(ldc) << 40;
    struct Slot {
        Word sizes = 0, strides = 0;  // sizes 0: unused (a product has m, n >= 1)
        WholeProduct product;
    };
    constexpr std::size_t kSlots = 16;
    thread_local Slot slots[kSlots];
    thread_local std::size_t next = 0;
    for (const Slot& slot : slots) {
        if (slot.sizes == sizes && slot.strides == strides) return slot.product;
    }
    WholeProduct product;
    if (float_route_of(transpose_a, transpose_b, m, n, k, alpha, beta) == GemmRoute::libxsmm) {
        product = libxsmm_whole_product(transpose_a, transpose_b, static_cast<int>(m), static_cast<int>(n),
                                        static_cast<int>(k), lda, ldb, ldc, beta);
    }
    slots[next] = {sizes, strides, product};
    next = (next + 1) % kSlots;
    return product;
}

}  // namespace

template <class T>
void gemm(bool transpose_a, bool transpose_b, T alpha, ConstView<T> a, ConstView<T> b, T beta, View<T> c) {
    const auto d = detail::check_gemm(transpose_a, transpose_b, a.shape, b.shape, c.shape);
    if (d.m == 0 || d.n == 0) return;
    if (d.k == 0) {  // BLAS wants leading dimensions >= 1; the product is empty, so c = beta * c.
        auto fc = flat(c);
        if (beta == T(0)) {
            fc.fill(T(0));
        } else {
            xt::noalias(fc) = beta * fc;
        }
        return;
    }
    // Row-major leading dimension = stored columns; the transpose is a flag, never a copy.
    const int lda = static_cast<int>(a.cols()), ldb = static_cast<int>(b.cols()), ldc = static_cast<int>(c.cols());
    if constexpr (std::is_same_v<T, float>) {
        const WholeProduct whole =
            remembered_whole_product(transpose_a, transpose_b, d.m, d.n, d.k, lda, ldb, ldc, alpha, beta);
        if (whole) {
            run_whole_product(whole, static_cast<int>(d.m), static_cast<int>(d.n), static_cast<int>(d.k), a.data, lda,
                              b.data, ldb, c.data, ldc);
            return;
        }
    }
    const GemmSplit split = gemm_split(d.m, d.n, d.k);
    if (split.parts <= 1) {
        product(transpose_a, transpose_b, static_cast<int>(d.m), static_cast<int>(d.n), static_cast<int>(d.k), alpha,
                a.data, lda, b.data, ldb, beta, c.data, ldc);
        return;
    }
    // Each part computes a block of rows (or columns) of C from the matching
    // rows of op(A) (or columns of op(B)): plain pointer offsets, same strides.
    auto part = [&](std::size_t i) {
        const std::size_t total = split.by_rows ? d.m : d.n;
        const std::size_t begin = split.block * i, end = std::min(total, begin + split.block);
        if (begin >= end) return;
        const int len = static_cast<int>(end - begin);
        if (split.by_rows) {
            const T* ap = transpose_a ? a.data + begin : a.data + begin * a.cols();
            product(transpose_a, transpose_b, len, static_cast<int>(d.n), static_cast<int>(d.k), alpha, ap, lda, b.data,
                    ldb, beta, c.data + begin * c.cols(), ldc);
        } else {
            const T* bp = transpose_b ? b.data + begin * b.cols() : b.data + begin;
            product(transpose_a, transpose_b, static_cast<int>(d.m), len, static_cast<int>(d.k), alpha, a.data, lda, bp,
                    ldb, beta, c.data + begin, ldc);
        }
    };
    compute_pool().run(split.parts, part);
}

// broadcast_rows and add_column_sums work row by row on contiguous memory
// with plain loops the compiler turns into SIMD: an xtensor expression per
// row costs tens of ns to set up, which at 16-32 columns (the tiny
// networks) was more than the arithmetic, and xtensor's reducer over axis 0
// is not vectorised at all.
template <class T>
void broadcast_rows(ConstView<T> bias, View<T> y) {
    detail::check_row("broadcast_rows", bias.shape, y.shape);
    const std::size_t cols = y.cols(), rows = y.rows();
    using Batch = xsimd::batch<T>;
    constexpr std::size_t lanes = Batch::size;
    if (cols >= 8 * lanes) {  // wide rows: memcpy's own loop is as fast as any
        for (std::size_t r = 0; r < rows; ++r) std::copy(bias.data, bias.data + cols, y.data + r * cols);
        return;
    }
    if (cols < lanes && lanes % cols == 0) {
        // Rows narrower than a SIMD width that divide it (1, 2, 4, 8 columns):
        // y is the bias repeated, written a whole width at a time.
        alignas(64) T pattern[lanes];
        for (std::size_t l = 0; l < lanes; ++l) pattern[l] = bias.data[l % cols];
        const Batch repeated = Batch::load_aligned(pattern);
        const std::size_t total = rows * cols;
        std::size_t i = 0;
        for (; i + lanes <= total; i += lanes) repeated.store_unaligned(y.data + i);
        for (; i < total; ++i) y.data[i] = pattern[i % lanes];
        return;
    }
    // Narrow rows (a toy network's 16 or 32 columns): the bias stays in
    // registers and each row is a few stores, not a call to memmove (5% of
    // a 2-16-16-2 step went to those calls).
    std::size_t c0 = 0;
    for (; c0 + lanes <= cols; c0 += lanes) {
        const Batch b = Batch::load_unaligned(bias.data + c0);
        for (std::size_t r = 0; r < rows; ++r) b.store_unaligned(y.data + r * cols + c0);
    }
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = c0; c < cols; ++c) y.data[r * cols + c] = bias.data[c];
    }
}

template <class T>
void add_column_sums(ConstView<T> x, View<T> acc) {
    detail::check_row("add_column_sums", acc.shape, x.shape);
    using Batch = xsimd::batch<T>;
    constexpr std::size_t lanes = Batch::size, block = 4 * lanes;
    const std::size_t cols = x.cols(), rows = x.rows();
    T* __restrict a = acc.data;
    if (cols < lanes && lanes % cols == 0) {
        // Rows narrower than a SIMD width that divide it (1, 2, 4, 8
        // columns): whole widths of the flat array summed in one register,
        // lane l holding column l % cols, then folded. A 32x2 bias gradient
        // took 76 ns by the row loop below, the loop engine 31 (one thread).
        const std::size_t total = rows * cols;
        Batch sum(T(0));
        std::size_t i = 0;
        for (; i + lanes <= total; i += lanes) sum += Batch::load_unaligned(x.data + i);
        alignas(64) T lane[lanes];
        sum.store_aligned(lane);
        for (std::size_t l = 0; l < lanes; ++l) a[l % cols] += lane[l];
        for (; i < total; ++i) a[i % cols] += x.data[i];  // whole rows: a width divides into rows
        return;
    }
    // Each block of 4 SIMD widths of columns sums down all rows in registers,
    // reading the rows contiguously; a loop that adds row after row into acc
    // loads and stores acc once per row (12% of a 2-16-16-2 step).
    std::size_t c0 = 0;
    for (; c0 + block <= cols; c0 += block) {
        Batch s0 = Batch::load_unaligned(a + c0), s1 = Batch::load_unaligned(a + c0 + lanes),
              s2 = Batch::load_unaligned(a + c0 + 2 * lanes), s3 = Batch::load_unaligned(a + c0 + 3 * lanes);
        for (std::size_t r = 0; r < rows; ++r) {
            const T* xr = x.data + r * cols + c0;
            s0 += Batch::load_unaligned(xr);
            s1 += Batch::load_unaligned(xr + lanes);
            s2 += Batch::load_unaligned(xr + 2 * lanes);
            s3 += Batch::load_unaligned(xr + 3 * lanes);
        }
        s0.store_unaligned(a + c0);
        s1.store_unaligned(a + c0 + lanes);
        s2.store_unaligned(a + c0 + 2 * lanes);
        s3.store_unaligned(a + c0 + 3 * lanes);
    }
    for (; c0 + lanes <= cols; c0 += lanes) {
        Batch s = Batch::load_unaligned(a + c0);
        for (std::size_t r = 0; r < rows; ++r) s += Batch::load_unaligned(x.data + r * cols + c0);
        s.store_unaligned(a + c0);
    }
    if (c0 == cols) return;
    // The last columns (fewer than one SIMD width): a local array the
    // compiler keeps in registers.
    T tail[lanes] = {};
    const std::size_t width = cols - c0;
    for (std::size_t c = 0; c < width; ++c) tail[c] = a[c0 + c];
    for (std::size_t r = 0; r < rows; ++r) {
        const T* xr = x.data + r * cols + c0;
        for (std::size_t c = 0; c < width; ++c) tail[c] += xr[c];
    }
    for (std::size_t c = 0; c < width; ++c) a[c0 + c] = tail[c];
}

// ReLU in xsimd batches, not xtensor expressions: setting one up cost more
// than a toy layer's arithmetic (32x16, one thread: forward 35 ns and
// backward 59 ns, the loop engine's 26 and 33). The same selects as
// xt::maximum and xt::where (a NaN input gives 0, as it did).
template <class T>
void relu_forward(ConstView<T> x, View<T> y) {
    require_same_shape("relu_forward", "input", x.shape, "output", y.shape);
    elementwise(x.data, x.data, y.data, x.size(),
                [](auto v, auto) { return choose(v > decltype(v)(0), v, decltype(v)(0)); });
}

template <class T>
void relu_backward(ConstView<T> y, ConstView<T> dy, View<T> dx) {
    require_same_shape("relu_backward", "output", y.shape, "upstream gradient", dy.shape);
    require_same_shape("relu_backward", "upstream gradient", dy.shape, "input gradient", dx.shape);
    elementwise(y.data, dy.data, dx.data, y.size(),
                [](auto out, auto grad) { return choose(out > decltype(out)(0), grad, decltype(grad)(0)); });
}

template <class T>
void leaky_relu_forward(ConstView<T> x, T slope, View<T> y) {
    require_same_shape("leaky_relu_forward", "input", x.shape, "output", y.shape);
    auto fx = flat(x);
    auto fy = flat(y);
    xt::noalias(fy) = xt::where(fx > T(0), fx, fx * slope);
}

template <class T>
void leaky_relu_backward(ConstView<T> x, ConstView<T> dy, T slope, View<T> dx) {
    require_same_shape("leaky_relu_backward", "input", x.shape, "upstream gradient", dy.shape);
    require_same_shape("leaky_relu_backward", "upstream gradient", dy.shape, "input gradient", dx.shape);
    auto fdy = flat(dy);
    auto fdx = flat(dx);
    xt::noalias(fdx) = xt::where(flat(x) > T(0), fdy, fdy * slope);
}

// PyTorch's constants and order of operations (its GeluKernel, approximate="none");
// xsimd's erf and exp run the whole array in SIMD registers.
template <class T>
void gelu_forward(ConstView<T> x, View<T> y) {
    require_same_shape("gelu_forward", "input", x.shape, "output", y.shape);
    auto fx = flat(x);
    auto fy = flat(y);
    xt::noalias(fy) = fx * T(0.5) * (T(1) + xt::erf(fx * T(kSqrtHalf)));
}

template <class T>
void gelu_backward(ConstView<T> x, ConstView<T> dy, View<T> dx) {
    require_same_shape("gelu_backward", "input", x.shape, "upstream gradient", dy.shape);
    require_same_shape("gelu_backward", "upstream gradient", dy.shape, "input gradient", dx.shape);
    const T beta = T(kInverseSqrt2Pi);
    auto fx = flat(x);
    auto fdx = flat(dx);
    xt::noalias(fdx) =
        flat(dy) * (T(0.5) * (T(1) + xt::erf(fx * T(kSqrtHalf))) + fx * (xt::exp(T(-0.5) * fx * fx) * beta));
}

// Where beta x > threshold the other branch may overflow to inf (or inf / inf):
// where() selects x (or dy) there, so nothing of it reaches the output.
template <class T>
void softplus_forward(ConstView<T> x, T beta, T threshold, View<T> y) {
    require_same_shape("softplus_forward", "input", x.shape, "output", y.shape);
    auto fx = flat(x);
    auto fy = flat(y);
    xt::noalias(fy) = xt::where(fx * beta > threshold, fx, xt::log1p(xt::exp(fx * beta)) / beta);
}

template <class T>
void softplus_backward(ConstView<T> x, ConstView<T> dy, T beta, T threshold, View<T> dx) {
    require_same_shape("softplus_backward", "input", x.shape, "upstream gradient", dy.shape);
    require_same_shape("softplus_backward", "upstream gradient", dy.shape, "input gradient", dx.shape);
    auto fx = flat(x);
    auto fdy = flat(dy);
    auto fdx = flat(dx);
    xt::noalias(fdx) = xt::where(fx * beta > threshold, fdy, fdy * xt::exp(fx * beta) / (xt::exp(fx * beta) + T(1)));
}

template <class T>
void sigmoid_forward(ConstView<T> x, View<T> y) {
    require_same_shape("sigmoid_forward", "input", x.shape, "output", y.shape);
    auto fx = flat(x);
    auto fy = flat(y);
    // e = exp(-|x|) <= 1 never overflows; both branches are then exact.
    xt::noalias(fy) = xt::exp(-xt::abs(fx));
    xt::noalias(fy) = xt::where(fx >= T(0), T(1) / (T(1) + fy), fy / (T(1) + fy));
}

template <class T>
void sigmoid_backward(ConstView<T> y, ConstView<T> dy, View<T> dx) {
    require_same_shape("sigmoid_backward", "output", y.shape, "upstream gradient", dy.shape);
    require_same_shape("sigmoid_backward", "upstream gradient", dy.shape, "input gradient", dx.shape);
    auto fy = flat(y);
    auto fdx = flat(dx);
    xt::noalias(fdx) = flat(dy) * fy * (T(1) - fy);
}

template <class T>
void tanh_forward(ConstView<T> x, View<T> y) {
    require_same_shape("tanh_forward", "input", x.shape, "output", y.shape);
    auto fy = flat(y);
    xt::noalias(fy) = xt::tanh(flat(x));
}

template <class T>
void tanh_backward(ConstView<T> y, ConstView<T> dy, View<T> dx) {
    require_same_shape("tanh_backward", "output", y.shape, "upstream gradient", dy.shape);
    require_same_shape("tanh_backward", "upstream gradient", dy.shape, "input gradient", dx.shape);
    auto fy = flat(y);
    auto fdx = flat(dx);
    xt::noalias(fdx) = flat(dy) * (T(1) - fy * fy);
}

namespace {
// Rows of a softmax chunk: eight SIMD widths, so that its per-row scalars
// (maxima, sums, reciprocals, logs) sit in small stack arrays and go through
// SIMD lanes, not one scalar division or log call a row.
template <class T>
constexpr std::size_t kSoftmaxChunk = 8 * xsimd::batch<T>::size;

// n rows of a chunk rounded up to whole SIMD widths: the widths the chunk's
// SIMD steps (reciprocals, logs) run over. A batch of 32 took all eight
// widths of AVX-512's 128-row chunk before, a quarter of them useful.
template <class T>
std::size_t live_rows(std::size_t n) {
    constexpr std::size_t lanes = xsimd::batch<T>::size;
    return (n + lanes - 1) / lanes * lanes;
}

// Softmax of every row of x into y, a chunk of rows at a time: the row maxima
// subtracted in one sweep, exp of the chunk in ONE SIMD expression, the row
// sums' reciprocals in SIMD, then each row scaled. Per-row xtensor
// expressions cost tens of ns each to set up, which for few classes (10 for
// MNIST, 2 for the tiny configs) was most of the loss's time.
// chunk_done(r0, n, sums, maxes) gets what log-sum-exp needs for rows
// r0 .. r0 + n - 1: sums[i] = sum of exp(x - max) of row r0 + i (aligned, the
// chunk filled with positive sums up to live_rows(n)), maxes[i] its maximum.
// Classes up to which a chunk's softmax runs across rows (softmax_narrow_chunk).
constexpr std::size_t kNarrowSoftmaxClasses = 10;

// Softmax of n rows of few classes, SIMD across rows: the chunk copied
// class-major into a local array (class c of row i at c * chunk + i), where
// each step is one SIMD width per class for a whole width of rows; then
// copied back into y. The same operations per row as the row path below (the
// maximum by x > m, exp(x - max), the sum from class 0 up, times its
// reciprocal). Row loops of 2-10 classes spent their time in loop set-up and
// scalar stores. One thread, Zen 5, softmax of 32x2: 137 ns by rows, 61
// this way; 64x4: 365 against 166; 64x10: 458 against 420; 64x16: 538
// against 711, so rows from 11 classes up.
template <class T>
void softmax_narrow_chunk(const T* x, T* y, std::size_t n, std::size_t cols, T* maxes, T* sums) {
    using Batch = xsimd::batch<T>;
    constexpr std::size_t chunk = kSoftmaxChunk<T>;
    alignas(64) T classes[kNarrowSoftmaxClasses * chunk];
    const std::size_t live = live_rows<T>(n);
    // Class by class: loops over the rows, long enough to pay their set-up.
    for (std::size_t c = 0; c < cols; ++c) {
        const T* __restrict from = x + c;
        T* __restrict to = classes + c * chunk;
        for (std::size_t i = 0; i < n; ++i) to[i] = from[i * cols];
        for (std::size_t i = n; i < live; ++i) to[i] = T(0);  // rows past n: zeros, so every lane stays finite
    }
    for (std::size_t i0 = 0; i0 < live; i0 += Batch::size) {
        T* column = classes + i0;
        Batch m = Batch::load_aligned(column);
        for (std::size_t c = 1; c < cols; ++c) {
            const Batch v = Batch::load_aligned(column + c * chunk);
            m = xsimd::select(v > m, v, m);
        }
        Batch sum(T(0));
        for (std::size_t c = 0; c < cols; ++c) {
            const Batch e = xsimd::exp(Batch::load_aligned(column + c * chunk) - m);
            e.store_aligned(column + c * chunk);
            sum += e;
        }
        const Batch inverse = Batch(T(1)) / sum;
        for (std::size_t c = 0; c < cols; ++c) {
            (Batch::load_aligned(column + c * chunk) * inverse).store_aligned(column + c * chunk);
        }
        m.store_aligned(maxes + i0);
        sum.store_aligned(sums + i0);
    }
    for (std::size_t c = 0; c < cols; ++c) {
        const T* __restrict from = classes + c * chunk;
        T* __restrict to = y + c;
        for (std::size_t i = 0; i < n; ++i) to[i * cols] = from[i];
    }
}

template <class T, class ChunkDone>
void softmax_batch(ConstView<T> x, View<T> y, ChunkDone&& chunk_done) {
    using Batch = xsimd::batch<T>;
    constexpr std::size_t chunk = kSoftmaxChunk<T>;
    const std::size_t rows = x.rows(), cols = x.cols();
    if (cols == 0) return;
    alignas(64) T maxes[chunk], sums[chunk], inverses[chunk];
    for (std::size_t r0 = 0; r0 < rows; r0 += chunk) {
        const std::size_t n = std::min(chunk, rows - r0);
        if (cols <= kNarrowSoftmaxClasses) {
            softmax_narrow_chunk(x.data + r0 * cols, y.data + r0 * cols, n, cols, maxes, sums);
            chunk_done(r0, n, sums, maxes);
            continue;
        }
        for (std::size_t i = 0; i < n; ++i) {
            const T* xr = x.data + (r0 + i) * cols;
            T* yr = y.data + (r0 + i) * cols;
            T m = xr[0];
            for (std::size_t c = 1; c < cols; ++c) m = xr[c] > m ? xr[c] : m;
            maxes[i] = m;
            for (std::size_t c = 0; c < cols; ++c) yr[c] = xr[c] - m;
        }
        T* chunk_y = y.data + r0 * cols;  // exp in place: xsimd's on whole widths, std::exp on the tail
        elementwise(chunk_y, chunk_y, chunk_y, n * cols, [](auto v, auto) {
            using std::exp;
            using xsimd::exp;
            return exp(v);
        });
        for (std::size_t i = 0; i < n; ++i) {
            const T* yr = y.data + (r0 + i) * cols;
            T sum = 0;
            for (std::size_t c = 0; c < cols; ++c) sum += yr[c];
            sums[i] = sum;
        }
        const std::size_t live = live_rows<T>(n);
        for (std::size_t i = n; i < live; ++i) sums[i] = T(1);
        for (std::size_t i = 0; i < live; i += Batch::size) {
            (Batch(T(1)) / Batch::load_aligned(sums + i)).store_aligned(inverses + i);
        }
        for (std::size_t i = 0; i < n; ++i) {
            T* yr = y.data + (r0 + i) * cols;
            for (std::size_t c = 0; c < cols; ++c) yr[c] *= inverses[i];
        }
        chunk_done(r0, n, sums, maxes);
    }
}

// logs[i] = log(sums[i]) for the n rows of a chunk (sums as softmax_batch
// leaves them), in whole SIMD widths.
template <class T>
void log_of_chunk(const T* sums, T* logs, std::size_t n) {
#if XSIMD_WITH_AVX512BW && !defined(__OPTIMIZE__)
    // Unoptimised builds (Debug, the sanitizer build) on AVX512BW: GCC's
    // AVX-512 intrinsics are macros there, and xsimd 8.1's AVX512BW select
    // of integers inside xsimd::log does not compile through them. std::log
    // a row instead (within an ulp of xsimd's).
    for (std::size_t i = 0; i < n; ++i) logs[i] = std::log(sums[i]);
#else
    using Batch = xsimd::batch<T>;
    for (std::size_t i = 0; i < live_rows<T>(n); i += Batch::size) {
        using xsimd::log;
        log(Batch::load_aligned(sums + i)).store_aligned(logs + i);
    }
#endif
}
}  // namespace

template <class T>
void softmax_forward(ConstView<T> x, View<T> y) {
    require_same_shape("softmax_forward", "input", x.shape, "output", y.shape);
    softmax_batch(x, y, [](std::size_t, std::size_t, const T*, const T*) {});
}

template <class T>
void softmax_backward(ConstView<T> y, ConstView<T> dy, View<T> dx) {
    require_same_shape("softmax_backward", "output", y.shape, "upstream gradient", dy.shape);
    require_same_shape("softmax_backward", "upstream gradient", dy.shape, "input gradient", dx.shape);
    // Row loops, not per-row xtensor expressions: setting one up cost more
    // than the arithmetic of a 10-class row (64x10: 1.3 us against the loop
    // engine's 0.35 us).
    const std::size_t cols = y.cols();
    for (std::size_t r = 0; r < y.rows(); ++r) {
        const T* yr = y.data + r * cols;
        const T* dyr = dy.data + r * cols;
        T* dxr = dx.data + r * cols;
        const T dot = dot_product(yr, dyr, cols);
        for (std::size_t c = 0; c < cols; ++c) dxr[c] = yr[c] * (dyr[c] - dot);
    }
}

template <class T>
void log_softmax_forward(ConstView<T> x, View<T> y) {
    require_same_shape("log_softmax_forward", "input", x.shape, "output", y.shape);
    const std::size_t cols = x.cols();
    if (cols == 0) return;
    for (std::size_t r = 0; r < x.rows(); ++r) {
        const T* xr = x.data + r * cols;
        T* yr = y.data + r * cols;
        T max = xr[0];
        for (std::size_t c = 1; c < cols; ++c) max = xr[c] > max ? xr[c] : max;
        for (std::size_t c = 0; c < cols; ++c) yr[c] = xr[c] - max;
        // exp in SIMD batches straight into the sum: no buffer for exp(x - max).
        const T log_sum = std::log(sum_of_terms(yr, yr, cols, [](auto v, auto) {
            using std::exp;
            using xsimd::exp;
            return exp(v);
        }));
        for (std::size_t c = 0; c < cols; ++c) yr[c] -= log_sum;
    }
}

template <class T>
void log_softmax_backward(ConstView<T> y, ConstView<T> dy, View<T> dx) {
    require_same_shape("log_softmax_backward", "output", y.shape, "upstream gradient", dy.shape);
    require_same_shape("log_softmax_backward", "upstream gradient", dy.shape, "input gradient", dx.shape);
    auto fdx = flat(dx);
    xt::noalias(fdx) = xt::exp(flat(y));  // the softmax, whole batch in one SIMD expression
    const std::size_t cols = y.cols();
    for (std::size_t r = 0; r < y.rows(); ++r) {
        const T* dyr = dy.data + r * cols;
        T* dxr = dx.data + r * cols;
        const T sum = sum_of(dyr, cols);
        for (std::size_t c = 0; c < cols; ++c) dxr[c] = dyr[c] - dxr[c] * sum;
    }
}

template <class T>
T cross_entropy_labels(ConstView<T> logits, const std::int64_t* labels, View<T> probabilities) {
    require_same_shape("cross_entropy", "logits", logits.shape, "probabilities", probabilities.shape);
    detail::check_labels("cross_entropy", labels, logits.shape);
    // -log softmax(x)[label] = log sum exp(x - max) + max - x[label], the
    // logs of a chunk's sums in SIMD (one std::log a row was ~4% of a
    // 2-16-16-2 step, perf, batch 32).
    T total = 0;
    softmax_batch(logits, probabilities, [&](std::size_t r0, std::size_t n, const T* sums, const T* maxes) {
        alignas(64) T logs[kSoftmaxChunk<T>];
        log_of_chunk(sums, logs, n);
        for (std::size_t i = 0; i < n; ++i) {
            total += logs[i] + (maxes[i] - logits(r0 + i, static_cast<std::size_t>(labels[r0 + i])));
        }
    });
    return total;
}

template <class T>
T cross_entropy_targets(ConstView<T> logits, ConstView<T> targets, View<T> probabilities) {
    require_same_shape("cross_entropy", "logits", logits.shape, "targets", targets.shape);
    require_same_shape("cross_entropy", "logits", logits.shape, "probabilities", probabilities.shape);
    T total = 0;
    const std::size_t cols = logits.cols();
    softmax_batch(logits, probabilities, [&](std::size_t r0, std::size_t n, const T* sums, const T* maxes) {
        alignas(64) T logs[kSoftmaxChunk<T>];
        log_of_chunk(sums, logs, n);
        for (std::size_t i = 0; i < n; ++i) {
            // -sum_c t_c (x_c - lse) = lse * sum_c t_c - sum_c t_c x_c
            const T* tr = targets.data + (r0 + i) * cols;
            const T* xr = logits.data + (r0 + i) * cols;
            T mass = 0, dot = 0;
            for (std::size_t c = 0; c < cols; ++c) {
                mass += tr[c];
                dot += tr[c] * xr[c];
            }
            total += (logs[i] + maxes[i]) * mass - dot;
        }
    });
    return total;
}

template <class T>
void cross_entropy_labels_backward(ConstView<T> probabilities, const std::int64_t* labels, T scale, View<T> dlogits) {
    require_same_shape("cross_entropy_backward", "probabilities", probabilities.shape, "logits gradient",
                       dlogits.shape);
    detail::check_labels("cross_entropy_backward", labels, probabilities.shape);
    elementwise(probabilities.data, probabilities.data, dlogits.data, probabilities.size(),
                [scale](auto p, auto) { return p * scale; });
    for (std::size_t r = 0; r < dlogits.rows(); ++r) {
        dlogits(r, static_cast<std::size_t>(labels[r])) -= scale;
    }
}

template <class T>
void cross_entropy_targets_backward(ConstView<T> probabilities, ConstView<T> targets, T scale, View<T> dlogits) {
    require_same_shape("cross_entropy_backward", "probabilities", probabilities.shape, "targets", targets.shape);
    require_same_shape("cross_entropy_backward", "probabilities", probabilities.shape, "logits gradient",
                       dlogits.shape);
    const std::size_t cols = dlogits.cols();
    for (std::size_t r = 0; r < dlogits.rows(); ++r) {
        const T* tr = targets.data + r * cols;
        const T* pr = probabilities.data + r * cols;
        T* dr = dlogits.data + r * cols;
        T mass = 0;
        for (std::size_t c = 0; c < cols; ++c) mass += tr[c];
        for (std::size_t c = 0; c < cols; ++c) dr[c] = scale * (pr[c] * mass - tr[c]);
    }
}

template <class T>
T squared_error(ConstView<T> predictions, ConstView<T> targets) {
    require_same_shape("mse", "predictions", predictions.shape, "targets", targets.shape);
    return sum_of_squared_differences(predictions.data, targets.data, predictions.size());
}

template <class T>
void squared_error_backward(ConstView<T> predictions, ConstView<T> targets, T scale, View<T> dpredictions) {
    require_same_shape("mse_backward", "predictions", predictions.shape, "targets", targets.shape);
    require_same_shape("mse_backward", "predictions", predictions.shape, "predictions gradient", dpredictions.shape);
    auto fd = flat(dpredictions);
    xt::noalias(fd) = (T(2) * scale) * (flat(predictions) - flat(targets));
}

template <class T>
T nll_labels(ConstView<T> log_probabilities, const std::int64_t* labels) {
    detail::check_labels("nll", labels, log_probabilities.shape);
    // A gather, one element per row: nothing for SIMD to do.
    T total = 0;
    const std::size_t cols = log_probabilities.cols();
    for (std::size_t r = 0; r < log_probabilities.rows(); ++r) {
        total -= log_probabilities.data[r * cols + static_cast<std::size_t>(labels[r])];
    }
    return total;
}

template <class T>
void nll_labels_backward(const std::int64_t* labels, T scale, View<T> dx) {
    detail::check_labels("nll_backward", labels, dx.shape);
    auto fdx = flat(dx);
    fdx.fill(T(0));
    const std::size_t cols = dx.cols();
    for (std::size_t r = 0; r < dx.rows(); ++r) dx.data[r * cols + static_cast<std::size_t>(labels[r])] = -scale;
}

// Unweighted: one flat SIMD expression over the whole batch. Weighted: one
// per row, pos_weight being a row (per-row expressions cost tens of ns to set
// up; PyTorch's pos_weight is for few, wide outputs).
template <class T>
T bce_with_logits(ConstView<T> logits, ConstView<T> targets, ConstView<T> pos_weight, bool weighted) {
    require_same_shape("bce_with_logits", "logits", logits.shape, "targets", targets.shape);
    detail::check_row("bce_with_logits", pos_weight.shape, logits.shape);
    // A scalar loop over rows and columns (pos_weight is a row): xsimd's
    // batch log does not compile with GCC 12 at -O0 on AVX-512 (its integer
    // select casts a batch where an intrinsic macro wants a vector type).
    T total = 0;
    const std::size_t cols = logits.cols();
    for (std::size_t r = 0; r < logits.rows(); ++r) {
        const T* xr = logits.data + r * cols;
        const T* tr = targets.data + r * cols;
        for (std::size_t c = 0; c < cols; ++c) {
            const T x = xr[c], t = tr[c];
            const T m = -x > T(0) ? -x : T(0);
            const T log_term = std::log(std::exp(-m) + std::exp(-x - m));
            total += weighted ? (T(1) - t) * x + ((pos_weight.data[c] - T(1)) * t + T(1)) * (log_term + m)
                              : (T(1) - t) * x + m + log_term;
        }
    }
    return total;
}

template <class T>
void bce_with_logits_backward(ConstView<T> logits, ConstView<T> targets, ConstView<T> pos_weight, bool weighted,
                              T scale, View<T> dlogits) {
    require_same_shape("bce_with_logits_backward", "logits", logits.shape, "targets", targets.shape);
    require_same_shape("bce_with_logits_backward", "logits", logits.shape, "logits gradient", dlogits.shape);
    detail::check_row("bce_with_logits_backward", pos_weight.shape, logits.shape);
    auto fx = flat(logits);
    auto ft = flat(targets);
    auto fd = flat(dlogits);
    if (!weighted) {
        xt::noalias(fd) = scale * (T(1) / (T(1) + xt::exp(-fx)) - ft);
        return;
    }
    xt::noalias(fd) = T(1) / (T(1) + xt::exp(-fx));  // the sigmoid, whole batch; then the per-column weights
    const std::size_t cols = logits.cols();
    for (std::size_t r = 0; r < logits.rows(); ++r) {
        for (std::size_t c = 0; c < cols; ++c) {
            const std::size_t i = r * cols + c;
            const T pt = pos_weight.data[c] * targets.data[i];
            dlogits.data[i] = scale * ((pt + T(1) - targets.data[i]) * dlogits.data[i] - pt);
        }
    }
}

template <class T>
T huber(ConstView<T> predictions, ConstView<T> targets, T delta) {
    require_same_shape("huber", "predictions", predictions.shape, "targets", targets.shape);
    return sum_of_terms(predictions.data, targets.data, predictions.size(), [delta](auto p, auto t) {
        using std::abs;
        using xsimd::abs;
        const auto z = abs(p - t);
        return choose(z < delta, T(0.5) * z * z, delta * (z - T(0.5) * delta));
    });
}

template <class T>
void huber_backward(ConstView<T> predictions, ConstView<T> targets, T delta, T scale, View<T> dpredictions) {
    require_same_shape("huber_backward", "predictions", predictions.shape, "targets", targets.shape);
    require_same_shape("huber_backward", "predictions", predictions.shape, "predictions gradient", dpredictions.shape);
    auto d = flat(predictions) - flat(targets);
    auto fd = flat(dpredictions);
    xt::noalias(fd) = xt::where(d <= -delta, -scale * delta, xt::where(d >= delta, scale * delta, scale * d));
}

template <class T>
T smooth_l1(ConstView<T> predictions, ConstView<T> targets, T beta) {
    require_same_shape("smooth_l1", "predictions", predictions.shape, "targets", targets.shape);
    return sum_of_terms(predictions.data, targets.data, predictions.size(), [beta](auto p, auto t) {
        using std::abs;
        using xsimd::abs;
        const auto z = abs(p - t);
        return choose(z < beta, T(0.5) * z * z / beta, z - T(0.5) * beta);
    });
}

template <class T>
void smooth_l1_backward(ConstView<T> predictions, ConstView<T> targets, T beta, T scale, View<T> dpredictions) {
    require_same_shape("smooth_l1_backward", "predictions", predictions.shape, "targets", targets.shape);
    require_same_shape("smooth_l1_backward", "predictions", predictions.shape, "predictions gradient",
                       dpredictions.shape);
    auto d = flat(predictions) - flat(targets);
    auto fd = flat(dpredictions);
    xt::noalias(fd) = xt::where(d <= -beta, -scale, xt::where(d >= beta, scale, scale * d / beta));
}

}  // namespace vecnn::vectorized

namespace vecnn {

void float32_route_product(bool transpose_a, bool transpose_b, int m, int n, int k, float alpha, const float* a,
                           int lda, const float* b, int ldb, float beta, float* c, int ldc) {
    const GemmRoute route =
        vectorized::float_route_of(transpose_a, transpose_b, static_cast<std::size_t>(m), static_cast<std::size_t>(n),
                                   static_cast<std::size_t>(k), alpha, beta);
    vectorized::product_by(route, transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

GemmRoute vectorized_gemm_route(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k,
                                float alpha, float beta) {
    return vectorized::route_of(transpose_a, transpose_b, m, n, k, alpha, beta);
}
GemmRoute vectorized_gemm_route(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k,
                                double alpha, double beta) {
    return vectorized::route_of(transpose_a, transpose_b, m, n, k, alpha, beta);
}

const char* to_string(GemmRoute route) {
    switch (route) {
        case GemmRoute::bf16:
            return "bf16";
        case GemmRoute::outer_product:
            return "outer product";
        case GemmRoute::small_kernel:
            return "small kernel";
        case GemmRoute::gemv_per_row:
            return "gemv per row";
        case GemmRoute::gemv_column:
            return "gemv";
        case GemmRoute::gemv_per_column:
            return "gemv per column";
        case GemmRoute::libxsmm:
            return "libxsmm";
        case GemmRoute::blas_gemm:
            return "BLAS gemm";
    }
    return "?";
}

}  // namespace vecnn

#define VECNN_ENGINE_NAMESPACE vectorized
#define VECNN_ENGINE_TABLE vectorized_kernels
#include "vecnn/tensor/kernel_table.inc"
#undef VECNN_ENGINE_TABLE
#undef VECNN_ENGINE_NAMESPACE
