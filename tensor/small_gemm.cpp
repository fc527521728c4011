#include "vecnn/tensor/small_gemm.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cassert>
#include <type_traits>
#include <xsimd/xsimd.hpp>

#include "vecnn/tensor/thread_buffer.hpp"
#include "vecnn/tensor/transpose.hpp"

namespace vecnn {

namespace {

constexpr int kMaxBatches = 4;    // columns of C: up to four SIMD widths
constexpr int kPanelBatches = 2;  // columns of C per pass: two SIMD widths (a 6 x 16 float tile on AVX2)
// Fewer columns would waste most of each SIMD width (C's rows are padded to
// whole widths): 1-3 columns take dot products or C^T instead.
constexpr std::size_t kMinColumns = 4;
constexpr int kMaxInner = 256;  // rows of the copy of op(B)
// A bound on what counts as a toy product: 2^16 multiply-adds (a 64 x 32 x
// 32 product ran 1.2x libxsmm's time and 0.7x OpenBLAS's, one thread, Zen 3).
constexpr std::size_t kMaxWork = std::size_t(1) << 16;

template <class T>
using Batch = xsimd::batch<T>;

// Rows [r0, r0 + Rows) of C, all of its columns in Batches SIMD widths (the
// last one may be partial: op(B)'s rows are then padded to whole widths with
// zeros, and only C's real columns are written). A (r, p) lies at
// a[r * row_step + p * inner_step], which covers op(A) = A and A^T alike.
// Accumulate: C += op(A) op(B) (beta 1), else C = op(A) op(B) (beta 0, C
// not read). Everything but k is known at compile time but the last
// width: the loops over rows and widths unroll (by pragma: GCC's own limits
// left an 8-row block a loop with its accumulators in memory, 3x slower).
template <class T, int Rows, int Batches, bool Accumulate>
inline __attribute__((always_inline)) void row_block(int r0, int n, int k, const T* a, int row_step, int inner_step,
                                                     const T* b, int ldb, T* c, int ldc) {
    constexpr int lanes = static_cast<int>(Batch<T>::size);
    Batch<T> acc[Rows][Batches];
#pragma GCC unroll 16
    for (int i = 0; i < Rows; ++i) {
#pragma GCC unroll 16
        for (int j = 0; j < Batches; ++j) acc[i][j] = Batch<T>(T(0));
    }
    const T* row_of_a[Rows];
#pragma GCC unroll 16
    for (int i = 0; i < Rows; ++i) row_of_a[i] = a + static_cast<std::size_t>(r0 + i) * row_step;
    for (int p = 0; p < k; ++p) {
        const T* bp = b + static_cast<std::size_t>(p) * ldb;
        Batch<T> bv[Batches];
#pragma GCC unroll 16
        for (int j = 0; j < Batches; ++j) bv[j] = Batch<T>::load_unaligned(bp + j * lanes);
        const std::size_t at = static_cast<std::size_t>(p) * inner_step;
#pragma GCC unroll 16
        for (int i = 0; i < Rows; ++i) {
            const Batch<T> av(row_of_a[i][at]);
#pragma GCC unroll 16
            for (int j = 0; j < Batches; ++j) acc[i][j] = xsimd::fma(av, bv[j], acc[i][j]);
        }
    }
    const int last_width = n - (Batches - 1) * lanes;
#pragma GCC unroll 16
    for (int i = 0; i < Rows; ++i) {
        T* ci = c + static_cast<std::size_t>(r0 + i) * ldc;
#pragma GCC unroll 16
        for (int j = 0; j < Batches; ++j) {
            T* out = ci + j * lanes;
            if (j < Batches - 1 || last_width == lanes) {
                if constexpr (Accumulate) {
                    (acc[i][j] + Batch<T>::load_unaligned(out)).store_unaligned(out);
                } else {
                    acc[i][j].store_unaligned(out);
                }
            } else {
                alignas(64) T lane[lanes];
                acc[i][j].store_aligned(lane);
                for (int t = 0; t < last_width; ++t) out[t] = Accumulate ? out[t] + lane[t] : lane[t];
            }
        }
    }
}

// Rows of C per block: enough independent accumulators to keep both FMA
// pipes busy through each one's latency, few enough that they, a row of
// op(B) and the broadcast fit AVX2's 16 registers.
template <int Batches>
constexpr int kBlockRows = Batches == 1 ? 8 : 6;

// The last rows (fewer than a block) as one block of their count.
template <class T, int Batches, bool Accumulate, int Rows>
void last_rows(int rows, int r0, int n, int k, const T* a, int row_step, int inner_step, const T* b, int ldb, T* c,
               int ldc) {
    if constexpr (Rows > 0) {
        if (rows == Rows) {
            row_block<T, Rows, Batches, Accumulate>(r0, n, k, a, row_step, inner_step, b, ldb, c, ldc);
        } else {
            last_rows<T, Batches, Accumulate, Rows - 1>(rows, r0, n, k, a, row_step, inner_step, b, ldb, c, ldc);
        }
    }
}

template <class T, int Batches, bool Accumulate>
void all_rows(int m, int n, int k, const T* a, int row_step, int inner_step, const T* b, int ldb, T* c, int ldc) {
    constexpr int Rows = kBlockRows<Batches>;
    int r = 0;
    for (; r + Rows <= m; r += Rows) {
        row_block<T, Rows, Batches, Accumulate>(r, n, k, a, row_step, inner_step, b, ldb, c, ldc);
    }
    last_rows<T, Batches, Accumulate, Rows - 1>(m - r, r, n, k, a, row_step, inner_step, b, ldb, c, ldc);
}

// C in panels of two SIMD widths of columns (the last one may be narrower):
// six rows of two widths keep 12 accumulators, a row of op(B) and the
// broadcast in AVX2's 16 registers, 8 loads for 12 FMAs. Wider tiles ran
// out of registers and read op(B) once per FMA (load-bound, 0.9 FMA a
// cycle at 32 columns against 1.6 for libxsmm's kernel).
template <class T, bool Accumulate>
void by_panels(int m, int n, int k, const T* a, int row_step, int inner_step, const T* b, int ldb, T* c, int ldc) {
    constexpr int lanes = static_cast<int>(Batch<T>::size), panel = kPanelBatches * lanes;
    for (int c0 = 0; c0 < n; c0 += panel) {
        const int width = std::min(panel, n - c0);
        if (width > lanes) {
            all_rows<T, 2, Accumulate>(m, width, k, a, row_step, inner_step, b + c0, ldb, c + c0, ldc);
        } else {
            all_rows<T, 1, Accumulate>(m, width, k, a, row_step, inner_step, b + c0, ldb, c + c0, ldc);
        }
    }
}

// sums[t] = the sum of acc[t]'s lanes, t < count. xsimd::haddp does all at
// once, but Debian's xsimd 8.1 returns 16-lane (AVX-512) float sums in a
// permuted order (measured: lanes 2-3 held the sums of acc[4] and acc[5]).
// Its 8-lane sums (AVX2 floats, AVX-512 doubles) are in order: a 16-lane
// batch is folded to 8 lanes (its two halves added) and summed by those.
template <class T>
void sums_of(const Batch<T>* acc, int count, T* sums) {
#if XSIMD_WITH_AVX512F
    if constexpr (std::is_same_v<T, float> && Batch<T>::size == 16) {
        using Half = xsimd::batch<T, xsimd::avx2>;
        Half halves[8];
        for (int g = 0; g < count; g += 8) {
            for (int t = 0; t < 8; ++t) {
                // The masked extracts: GCC 12 warns on the plain ones' undefined
                // pass-through (a false positive in its headers).
                const __m512d v = _mm512_castps_pd(acc[g + t]);
                const __m256 low = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xff, v, 0));
                const __m256 high = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xff, v, 1));
                halves[t] = Half(_mm256_add_ps(low, high));
            }
            xsimd::haddp(halves).store_unaligned(sums + g);
        }
        return;
    }
#endif
    static_assert(Batch<T>::size <= 8 || std::is_same_v<T, float>, "a batch wider than 8 lanes needs the fold above");
    (void)count;
    xsimd::haddp(acc).store_aligned(sums);
}

// N = 1-3 columns of C, op(A) not transposed: C (r, j) is the dot product
// of row r of A and column j of op(B) (`columns`: N rows of k, `ld_columns`
// apart), both contiguous. SIMD along k, a group of rows at a time whose
// N x rows dot products fill one SIMD width, summed together (sums_of).
// A last group with fewer rows reads the group's first row again in their
// place and writes nothing of them.
template <class T, int N>
void dot_columns(int m, int k, const T* a, int lda, const T* columns, int ld_columns, T beta, T* c, int ldc) {
    constexpr int lanes = static_cast<int>(Batch<T>::size), group = lanes / N;
    static_assert(group >= 1, "N dot products must fit one SIMD width");
    const int whole = k / lanes * lanes;
    for (int r0 = 0; r0 < m; r0 += group) {
        const int rows = std::min(group, m - r0);
        const T* row[group];
#pragma GCC unroll 16
        for (int g = 0; g < group; ++g) row[g] = a + static_cast<std::size_t>(r0 + (g < rows ? g : 0)) * lda;
        Batch<T> acc[lanes];
#pragma GCC unroll 16
        for (int t = 0; t < lanes; ++t) acc[t] = Batch<T>(T(0));
        for (int p = 0; p < whole; p += lanes) {
            Batch<T> column[N];
#pragma GCC unroll 4
            for (int j = 0; j < N; ++j) column[j] = Batch<T>::load_unaligned(columns + j * ld_columns + p);
#pragma GCC unroll 16
            for (int g = 0; g < group; ++g) {
                const Batch<T> av = Batch<T>::load_unaligned(row[g] + p);
#pragma GCC unroll 4
                for (int j = 0; j < N; ++j) acc[g * N + j] = xsimd::fma(av, column[j], acc[g * N + j]);
            }
        }
        alignas(64) T sums[lanes];
        sums_of(acc, group * N, sums);
        for (int g = 0; g < rows; ++g) {
            for (int j = 0; j < N; ++j) {
                T v = sums[g * N + j];
                const T* bj = columns + j * ld_columns;
                for (int p = whole; p < k; ++p) v += row[g][p] * bj[p];
                T& out = c[static_cast<std::size_t>(r0 + g) * ldc + j];
                out = beta == T(0) ? v : out + v;
            }
        }
    }
}

// C with 1-3 columns by dot products (see above).
template <class T>
void by_dots(int n, int m, int k, const T* a, int lda, const T* columns, int ld_columns, T beta, T* c, int ldc) {
    switch (n) {
        case 1:
            return dot_columns<T, 1>(m, k, a, lda, columns, ld_columns, beta, c, ldc);
        case 2:
            return dot_columns<T, 2>(m, k, a, lda, columns, ld_columns, beta, c, ldc);
        default:
            // Never with SSE2's 2 doubles (small_gemm_fits says no): not built there.
            if constexpr (Batch<T>::size >= 3) dot_columns<T, 3>(m, k, a, lda, columns, ld_columns, beta, c, ldc);
            return;
    }
}

}  // namespace

std::size_t small_gemm_max_work() {
    return kMaxWork;
}

template <class T>
std::size_t small_gemm_max_columns() {
    return kMaxBatches * Batch<T>::size;
}

template <class T>
bool small_gemm_fits(bool transpose_a, std::size_t m, std::size_t n, std::size_t k, T alpha, T beta) {
    const std::size_t widest = small_gemm_max_columns<T>();
    if (alpha != T(1) || (beta != T(0) && beta != T(1))) return false;
    if (n == 0 || n > widest || k > static_cast<std::size_t>(kMaxInner) || m > kMaxWork) return false;
    // 1-3 columns: with A transposed C^T by the kernel (its m then is C^T's
    // width), else dot products of at least one SIMD width (shorter ones
    // cost more per element than the gemv routes).
    if (n < kMinColumns) {
        if (transpose_a ? m < kMinColumns || m > widest : k < Batch<T>::size || n > Batch<T>::size) return false;
    }
    return m * n * k <= kMaxWork;  // n and k are small: no overflow
}

template <class T>
void small_gemm(bool transpose_a, bool transpose_b, int m, int n, int k, const T* a, int lda, const T* b, int ldb,
                T beta, T* c, int ldc) {
    assert(small_gemm_fits<T>(transpose_a, static_cast<std::size_t>(m), static_cast<std::size_t>(n),
                              static_cast<std::size_t>(k), T(1), beta));
    constexpr int lanes = static_cast<int>(Batch<T>::size);
    if (n < static_cast<int>(kMinColumns)) {
        if (transpose_a) {
            // C^T (n, m) = op(B)^T A, A stored (k, m) as the kernel reads a
            // B; then C = (C +) its transpose. op(B)^T is B read as stored
            // (transpose_b) or transposed.
            alignas(64) T transposed[kMinColumns * kMaxBatches * lanes];
            small_gemm<T>(!transpose_b, false, n, m, k, b, ldb, a, lda, T(0), transposed, m);
            transpose(transposed, n, m, m, c, ldc, beta != T(0));
            return;
        }
        if (transpose_b) {  // B's rows are op(B)'s columns
            by_dots(n, m, k, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        T* columns = detail::thread_buffer<T, 4>(static_cast<std::size_t>(kMinColumns) * kMaxInner);
        transpose(b, k, n, ldb, columns, k, false);  // op(B)'s columns as rows
        by_dots(n, m, k, a, lda, columns, k, beta, c, ldc);
        return;
    }
    const int batches = (n + lanes - 1) / lanes, padded = batches * lanes;
    // op(B) row by row in whole SIMD widths: B itself when it is stored so,
    // else a zero-padded copy in a buffer of this thread (at most 256 x 4
    // widths; a stack array of that size made the kernel 1.5-2x slower).
    const T* rows_of_b = b;
    int rows_step = ldb;
    if (transpose_b || padded != n) {
        T* copy = detail::thread_buffer<T, 4>(static_cast<std::size_t>(kMaxInner) * kMaxBatches * lanes);
        // Plain loops (the file is built without GCC's loop-to-memcpy
        // patterns: a memmove or memset call per row of a few elements
        // cost more than the product, CMakeLists.txt).
        for (int p = 0; p < k; ++p) {
            T* row = copy + static_cast<std::size_t>(p) * padded;
            for (int j = n; j < padded; ++j) row[j] = T(0);
        }
        if (transpose_b) {  // B's row j is column j of op(B)
            // tensor/transpose.hpp's SIMD tiles for floats: a strided element-by-element
            // copy of a 16 x 16 weight cost ~1.5 cycles an element, half the product.
            transpose(b, n, k, ldb, copy, padded, false);
        } else {
            for (int p = 0; p < k; ++p) {
                const T* row = b + static_cast<std::size_t>(p) * ldb;
                for (int j = 0; j < n; ++j) copy[static_cast<std::size_t>(p) * padded + j] = row[j];
            }
        }
        rows_of_b = copy;
        rows_step = padded;
    }
    const int row_step = transpose_a ? 1 : lda, inner_step = transpose_a ? lda : 1;
    if (beta == T(0)) {
        by_panels<T, false>(m, n, k, a, row_step, inner_step, rows_of_b, rows_step, c, ldc);
    } else {
        by_panels<T, true>(m, n, k, a, row_step, inner_step, rows_of_b, rows_step, c, ldc);
    }
}

template bool small_gemm_fits<float>(bool, std::size_t, std::size_t, std::size_t, float, float);
template bool small_gemm_fits<double>(bool, std::size_t, std::size_t, std::size_t, double, double);
template std::size_t small_gemm_max_columns<float>();
template std::size_t small_gemm_max_columns<double>();
template void small_gemm<float>(bool, bool, int, int, int, const float*, int, const float*, int, float, float*, int);
template void small_gemm<double>(bool, bool, int, int, int, const double*, int, const double*, int, double, double*,
                                 int);

}  // namespace vecnn
