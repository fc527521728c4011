#include "vecnn/tensor/bf16_gemm.hpp"

#include <cblas.h>
#include <immintrin.h>
#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <cstddef>
#include <stdexcept>

#include "vecnn/tensor/cpu_features.hpp"
#include "vecnn/tensor/gemm_route.hpp"
#include "vecnn/tensor/kernel_cache.hpp"
#include "vecnn/tensor/thread_buffer.hpp"
#include "vecnn/tensor/transpose.hpp"
#include "vecnn/tensor/xsmm_gemm.hpp"

#ifdef VECNN_WITH_LIBXSMM
#include <libxsmm.h>
#endif

namespace vecnn {
namespace {

float rounded(float x) {
    return bfloat16_to_float(bfloat16_bits(x));
}

// bfloat16_bits on 16 floats at once, in the low halves of 32-bit lanes.
__attribute__((target("avx512f,avx512bw"))) __m512i bfloat16_lanes(__m512 x) {
    const __m512i u = _mm512_castps_si512(x);
    const __mmask16 nan =
        _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)), _mm512_set1_epi32(0x7f800000));
    const __m512i high = _mm512_srli_epi32(u, 16);
    const __m512i bias = _mm512_add_epi32(_mm512_set1_epi32(0x7fff), _mm512_and_si512(high, _mm512_set1_epi32(1)));
    const __m512i nearest = _mm512_srli_epi32(_mm512_add_epi32(u, bias), 16);
    return _mm512_mask_blend_epi32(nan, nearest, _mm512_or_si512(high, _mm512_set1_epi32(0x40)));
}

__attribute__((target("avx512f,avx512bw"))) void bits_of_row_avx512(const float* x, std::uint16_t* out, std::size_t n) {
    for (std::size_t i = 0; i < n; i += 16) {
        const __mmask16 live = n - i >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - i)) - 1);
        _mm512_mask_cvtepi32_storeu_epi16(out + i, live, bfloat16_lanes(_mm512_maskz_loadu_ps(live, x + i)));
    }
}

__attribute__((target("avx512f,avx512bw"))) void pairs_of_rows_avx512(const float* even, const float* odd,
                                                                      std::uint32_t* out, std::size_t n) {
    for (std::size_t i = 0; i < n; i += 16) {
        const __mmask16 live = n - i >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - i)) - 1);
        __m512i words = bfloat16_lanes(_mm512_maskz_loadu_ps(live, even + i));
        if (odd) {
            const __m512i high = bfloat16_lanes(_mm512_maskz_loadu_ps(live, odd + i));
            words = _mm512_or_si512(words, _mm512_slli_epi32(high, 16));
        }
        _mm512_mask_storeu_epi32(out + i, live, words);
    }
}

// The AVX512-BF16 packing: vcvtneps2bf16 rounds to nearest even and makes a
// NaN quiet with the same bit as bfloat16_bits, but reads a denormal input as
// zero; a vector holding one (vfpclassps) takes the integer steps instead.
// Full vectors load and store unmasked: masked stores cost ~10% more here.
#define VECNN_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))

VECNN_BF16_TARGET __m256i bfloat16_halves(__m512 x) {
    constexpr int kDenormal = 0x20;
    if (_mm512_fpclass_ps_mask(x, kDenormal)) return _mm512_cvtepi32_epi16(bfloat16_lanes(x));
    return reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(x));
}

VECNN_BF16_TARGET void bits_of_row_bf16(const float* x, std::uint16_t* out, std::size_t n) {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), bfloat16_halves(_mm512_loadu_ps(x + i)));
    }
    if (i < n) {
        const __mmask16 live = static_cast<__mmask16>((1u << (n - i)) - 1);
        _mm256_mask_storeu_epi16(out + i, live, bfloat16_halves(_mm512_maskz_loadu_ps(live, x + i)));
    }
}

VECNN_BF16_TARGET __m512i bfloat16_words(const float* even, const float* odd, __mmask16 live) {
    __m512i words = _mm512_maskz_cvtepu16_epi32(0xffff, bfloat16_halves(_mm512_maskz_loadu_ps(live, even)));
    if (odd) {
        const __m512i high = _mm512_maskz_cvtepu16_epi32(0xffff, bfloat16_halves(_mm512_maskz_loadu_ps(live, odd)));
        words = _mm512_or_si512(words, _mm512_slli_epi32(high, 16));
    }
    return words;
}

VECNN_BF16_TARGET void pairs_of_rows_bf16(const float* even, const float* odd, std::uint32_t* out, std::size_t n) {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_si512(out + i, bfloat16_words(even + i, odd ? odd + i : nullptr, 0xffff));
    if (i < n) {
        const __mmask16 live = static_cast<__mmask16>((1u << (n - i)) - 1);
        _mm512_mask_storeu_epi32(out + i, live, bfloat16_words(even + i, odd ? odd + i : nullptr, live));
    }
}

#undef VECNN_BF16_TARGET

}  // namespace

Bf16Packing best_bf16_packing() {
    static const Bf16Packing best = cpu_has_avx512bf16() ? Bf16Packing::avx512bf16
                                    : cpu_has_avx512bw() ? Bf16Packing::avx512bw
                                                         : Bf16Packing::scalar;
    return best;
}

bool bf16_packing_runs_here(Bf16Packing packing) {
    switch (packing) {
        case Bf16Packing::avx512bf16:
            return cpu_has_avx512bf16();
        case Bf16Packing::avx512bw:
            return cpu_has_avx512bw();
        case Bf16Packing::scalar:
            return true;
    }
    return false;
}

namespace {
void require_runs_here(Bf16Packing packing, const char* who) {
    if (!bf16_packing_runs_here(packing)) {
        throw std::invalid_argument(std::string(who) + ": this CPU lacks the instructions of the packing asked for");
    }
}
}  // namespace

void bfloat16_bits_of_row(const float* x, std::uint16_t* out, std::size_t n, Bf16Packing packing) {
    require_runs_here(packing, "bfloat16_bits_of_row");
    switch (packing) {
        case Bf16Packing::avx512bf16:
            bits_of_row_bf16(x, out, n);
            return;
        case Bf16Packing::avx512bw:
            bits_of_row_avx512(x, out, n);
            return;
        case Bf16Packing::scalar:
            for (std::size_t i = 0; i < n; ++i) out[i] = bfloat16_bits(x[i]);
            return;
    }
}

void bfloat16_pairs_of_rows(const float* even, const float* odd, std::uint32_t* out, std::size_t n,
                            Bf16Packing packing) {
    require_runs_here(packing, "bfloat16_pairs_of_rows");
    switch (packing) {
        case Bf16Packing::avx512bf16:
            pairs_of_rows_bf16(even, odd, out, n);
            return;
        case Bf16Packing::avx512bw:
            pairs_of_rows_avx512(even, odd, out, n);
            return;
        case Bf16Packing::scalar:
            for (std::size_t i = 0; i < n; ++i) {
                const std::uint32_t high = odd ? bfloat16_bits(odd[i]) : 0;
                out[i] = static_cast<std::uint32_t>(bfloat16_bits(even[i])) | (high << 16);
            }
            return;
    }
}

void bfloat16_round_row(const float* x, float* out, std::size_t n) {
    // bfloat16_bits' integer steps on SIMD lanes (xsimd: AVX2 or AVX-512, as
    // built), the result widened back to float: the same bits.
    using Floats = xsimd::batch<float>;
    using Words = xsimd::batch<std::uint32_t>;
    constexpr std::size_t lanes = Floats::size;
    const Words high_half(0xffff0000u), round_bias(0x7fffu), one(1u), quiet(0x00400000u);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) {
        const Floats f = Floats::load_unaligned(x + i);
        const Words u = xsimd::bitwise_cast<Words>(f);
        const Words nearest = (u + round_bias + ((u >> 16) & one)) & high_half;
        const Words nan = (u | quiet) & high_half;
        // The select on floats: xsimd 8.1's AVX512BW select of 32-bit
        // integers does not compile without optimisation (its 8- and 16-bit
        // branches cast the batch). isnan(f) is bfloat16_bits' NaN test.
        xsimd::select(xsimd::isnan(f), xsimd::bitwise_cast<Floats>(nan), xsimd::bitwise_cast<Floats>(nearest))
            .store_unaligned(out + i);
    }
    for (; i < n; ++i) out[i] = rounded(x[i]);
}

void bf16_sgemm_fallback(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                         int ldb, float beta, float* c, int ldc) {
    if (m <= 0 || n <= 0 || k <= 0) {  // nothing to round: C = beta C (BLAS does it)
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, alpha, a,
                    lda > 0 ? lda : 1, b, ldb > 0 ? ldb : 1, beta, c, ldc > 0 ? ldc : 1);
        return;
    }
    // Each operand rounded as stored, row by row (contiguous reads and
    // writes, transposes kept as flags), then the float32 route of the shape:
    // a batch-1 product takes gemv there, as in float32, not a gemm.
    // Slots 2 and 3: the float32 route's libxsmm driver uses 0 and 1.
    const int a_rows = ta ? k : m, a_cols = ta ? m : k, b_rows = tb ? n : k, b_cols = tb ? k : n;
    float* ar = detail::thread_buffer<float, 2>(static_cast<std::size_t>(a_rows) * a_cols);
    float* br = detail::thread_buffer<float, 3>(static_cast<std::size_t>(b_rows) * b_cols);
    for (int r = 0; r < a_rows; ++r) {
        bfloat16_round_row(a + static_cast<std::size_t>(r) * lda, ar + static_cast<std::size_t>(r) * a_cols,
                           static_cast<std::size_t>(a_cols));
    }
    for (int r = 0; r < b_rows; ++r) {
        bfloat16_round_row(b + static_cast<std::size_t>(r) * ldb, br + static_cast<std::size_t>(r) * b_cols,
                           static_cast<std::size_t>(b_cols));
    }
    float32_route_product(ta, tb, m, n, k, alpha, ar, a_cols, br, b_cols, beta, c, ldc);
}

namespace {

#ifdef VECNN_WITH_LIBXSMM
constexpr long kBf16WholeUpTo = 256 * 1024;

bool cpu_has_bf16_dot() {
    libxsmm_init();
    return libxsmm_get_target_archid() >= LIBXSMM_X86_AVX512_CPX;  // AVX512-BF16's vdpbf16ps
}

// libxsmm's column-major C' (n, m) = A' (n, kp) B' (kp, m) is the row-major
// C (m, n) = op(A) op(B): A' is op(B) and B' is op(A), each as row-major
// storage reads. The bf16 kernel takes A' in VNNI pairs, [kp/2][n][2]:
// the 32-bit word (q, j) holds op(B)'s rows 2q and 2q+1 at column j. kp is k
// rounded up to even; a missing row 2q+1 is zero.
bool by_kernel(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float beta,
               float* c, int ldc) {
    if (!ta && tb && static_cast<long>(n) * k > static_cast<long>(m) * k + 2L * m * n) {
        // A x W^T forward with the weight W (n, k) the larger operand: the
        // VNNI pairs of W^T would cost a pack and a transpose of all of W.
        // C^T = W x^T instead (the same NT form, roles swapped) reads W as
        // stored and transposes x and the (n, m) result. A's first layer
        // (64x256x784): 1.42x -> 1.55x the float32 step of A, one thread.
        float* ct = detail::thread_buffer<float, 1>(static_cast<std::size_t>(n) * m);
        if (!by_kernel(false, true, n, m, k, b, ldb, a, lda, 0.0f, ct, m)) return false;
        transpose(ct, n, m, m, c, ldc, beta != 0.0f);
        return true;
    }
    const int kp = k + (k & 1), pairs = kp / 2;
    std::uint32_t* vnni = detail::thread_buffer<std::uint32_t, 0>(static_cast<std::size_t>(pairs) * n);
    if (tb) {
        // op(B) = B^T, B (n, k): a row j of B is column j of op(B), so its
        // pairs are adjacent (a row's bfloat16 values, read as 32-bit words,
        // are its pairs); round each row of B, then transpose the (n, kp/2) words.
        std::uint32_t* packed = detail::thread_buffer<std::uint32_t, 1>(static_cast<std::size_t>(pairs) * n);
        for (int j = 0; j < n; ++j) {
            std::uint32_t* out = packed + static_cast<std::size_t>(j) * pairs;
            out[pairs - 1] = 0;  // the zero high half of an odd k's last pair
            bfloat16_bits_of_row(b + static_cast<std::size_t>(j) * ldb, reinterpret_cast<std::uint16_t*>(out),
                                 static_cast<std::size_t>(k));
        }
        transpose_words(packed, n, pairs, pairs, vnni, n);
    } else {
        for (int q = 0; q < pairs; ++q) {
            const float* even = b + static_cast<std::size_t>(2 * q) * ldb;
            bfloat16_pairs_of_rows(even, 2 * q + 1 < k ? even + ldb : nullptr, vnni + static_cast<std::size_t>(q) * n,
                                   static_cast<std::size_t>(n));
        }
    }
    // B': op(A) (m, k) row-major, each row padded to kp.
    const float* op_a = a;
    int ld_op_a = lda;
    if (ta) {
        float* t = detail::thread_buffer<float, 0>(static_cast<std::size_t>(m) * k);
        transpose(a, k, m, lda, t, k, false);
        op_a = t;
        ld_op_a = k;
    }
    std::uint16_t* rows = detail::thread_buffer<std::uint16_t, 0>(static_cast<std::size_t>(m) * kp);
    for (int i = 0; i < m; ++i) {
        std::uint16_t* out = rows + static_cast<std::size_t>(i) * kp;
        bfloat16_bits_of_row(op_a + static_cast<std::size_t>(i) * ld_op_a, out, static_cast<std::size_t>(k));
        if (k & 1) out[k] = 0;
    }
    // Products whose operands fit in about 1 MB run as one kernel, larger ones
    // in blocks (n 64, m 256, kp 512) that stay in a core's L2. Measured on
    // one core, config B's step (784-1024-1024-10, batch 256): 1.33x the
    // float32 step with one kernel per product, 1.55x in these blocks (1.52x
    // with kp blocks of 1024).
    const bool whole = (static_cast<long>(n) + m) * kp <= kBf16WholeUpTo;
    const int bn = whole ? n : 64, bm = whole ? m : 256, bk = whole ? kp : 512;
    const libxsmm_blasint la = n, lb = kp, lc = ldc;
    const float one = 1;
    const int prefetch = LIBXSMM_GEMM_PREFETCH_NONE;
    const auto* vnni16 = reinterpret_cast<const libxsmm_bfloat16*>(vnni);
    for (int i0 = 0; i0 < m; i0 += bm) {
        for (int j0 = 0; j0 < n; j0 += bn) {
            for (int p0 = 0; p0 < kp; p0 += bk) {
                const libxsmm_blasint mm = std::min(bn, n - j0), nn = std::min(bm, m - i0), kk = std::min(bk, kp - p0);
                const float block_beta = p0 == 0 ? beta : 1.0f;
                const int flags = LIBXSMM_GEMM_FLAG_VNNI_A | (block_beta == 0.0f ? LIBXSMM_GEMM_FLAG_BETA_0 : 0);
                const auto kernel = detail::cached_kernel<libxsmm_bsmmfunction>({mm, nn, kk, la, lb, lc, flags}, [&] {
                    return libxsmm_bsmmdispatch(mm, nn, kk, &la, &lb, &lc, &one, &block_beta, &flags, &prefetch);
                });
                if (!kernel) {
                    if (i0 == 0 && j0 == 0 && p0 == 0) return false;  // nothing written yet: the fallback takes it
                    throw std::runtime_error("bf16 GEMM: libxsmm generated no kernel for a block");
                }
                // VNNI word (q, j) of A' sits at bf16 index 2 (q n + j); B' and C are plain.
                kernel(vnni16 + 2 * (static_cast<std::size_t>(p0 / 2) * n + j0),
                       reinterpret_cast<const libxsmm_bfloat16*>(rows) + static_cast<std::size_t>(i0) * kp + p0,
                       c + static_cast<std::size_t>(i0) * ldc + j0);
            }
        }
    }
    return true;
}
#else
bool cpu_has_bf16_dot() {
    return false;
}
#endif

// VECNN_GEMM_LIBRARY=openblas keeps libxsmm out of the bf16 GEMMs too (the
// fallback then runs, and the tests run it on any CPU).
bool kernels_here() {
    static const bool available = !libxsmm_kept_out() && cpu_has_bf16_dot();
    return available;
}

}  // namespace

bool bf16_kernels_available() {
    return kernels_here();
}

std::string bf16_gemm_description() {
#ifdef VECNN_WITH_LIBXSMM
    if (kernels_here()) return "libxsmm bf16 kernels (AVX512-BF16)";
    if (libxsmm_kept_out())
        return "emulated: operands rounded to bf16, then float32 GEMMs (VECNN_GEMM_LIBRARY=openblas)";
    return "emulated: operands rounded to bf16, then float32 GEMMs (this CPU has no AVX512-BF16)";
#else
    return "emulated: operands rounded to bf16, then float32 GEMMs (vecnn built without libxsmm)";
#endif
}

void bf16_sgemm(bool transpose_a, bool transpose_b, int m, int n, int k, float alpha, const float* a, int lda,
                const float* b, int ldb, float beta, float* c, int ldc) {
#ifdef VECNN_WITH_LIBXSMM
    if (kernels_here() && alpha == 1.0f && (beta == 0.0f || beta == 1.0f) && m > 0 && n > 0 && k > 0 &&
        by_kernel(transpose_a, transpose_b, m, n, k, a, lda, b, ldb, beta, c, ldc)) {
        return;
    }
#endif
    bf16_sgemm_fallback(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace vecnn
