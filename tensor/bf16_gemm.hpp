// The vectorized engine's float GEMM under MatmulPrecision::bfloat16
// (precision.hpp): operands rounded to bfloat16, products accumulated in
// float32. Where the CPU has AVX512-BF16 (and vecnn was built with libxsmm),
// libxsmm's bf16 kernels run it at twice the float32 FMA rate: vecnn rounds
// the operands into per-thread buffers in the layouts the kernel reads (the
// right-hand operand in VNNI pairs: rows 2q and 2q+1 interleaved). Elsewhere
// it runs a documented fallback with the same numerics: the operands rounded
// into float32 buffers, then the float32 GEMM (no faster than float32).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace vecnn {

// Whether bfloat16 GEMMs run on bf16 hardware kernels here (else the fallback).
bool bf16_kernels_available();

// "libxsmm bf16 kernels (AVX512-BF16)" or the fallback and why.
std::string bf16_gemm_description();

// C (m, n) = alpha op(A) op(B) + beta C, row-major, operands rounded to bfloat16.
void bf16_sgemm(bool transpose_a, bool transpose_b, int m, int n, int k, float alpha, const float* a, int lda,
                const float* b, int ldb, float beta, float* c, int ldc);

// The fallback alone, on any CPU: both operands rounded into float32
// buffers as stored, then the float32 GEMM route of the shape
// (gemm_route.hpp: gemv, libxsmm or OpenBLAS). Products of two bfloat16
// values are exact in float32, so the numerics are those of the bf16
// kernels but for the order of the sums.
void bf16_sgemm_fallback(bool transpose_a, bool transpose_b, int m, int n, int k, float alpha, const float* a, int lda,
                         const float* b, int ldb, float beta, float* c, int ldc);

// The bfloat16 bits nearest to x (ties to even; NaN stays a quiet NaN).
inline std::uint16_t bfloat16_bits(float x) {
    std::uint32_t u;
    std::memcpy(&u, &x, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x40u);  // NaN
    u += 0x7fffu + ((u >> 16) & 1u);
    return static_cast<std::uint16_t>(u >> 16);
}
// The code that turns rows into bfloat16 bits, all giving the same bits:
// scalar; AVX-512 integer steps, 16 lanes at a time (AVX512BW); AVX512-BF16's
// conversion instructions (which read a denormal input as zero, so a vector
// holding one is redone with the integer steps).
enum class Bf16Packing { scalar, avx512bw, avx512bf16 };

// The fastest packing the running CPU has; the functions below use it.
Bf16Packing best_bf16_packing();
// Whether the running CPU can run that packing (the tests try each one).
bool bf16_packing_runs_here(Bf16Packing packing);

// bfloat16_bits of x[0], ..., x[n-1] into out.
void bfloat16_bits_of_row(const float* x, std::uint16_t* out, std::size_t n, Bf16Packing packing = best_bf16_packing());

// out[j] = the bits of even[j] in the low half, of odd[j] (0 when odd is null)
// in the high half: two rows as bfloat16 pairs in 32-bit words (VNNI order).
void bfloat16_pairs_of_rows(const float* even, const float* odd, std::uint32_t* out, std::size_t n,
                            Bf16Packing packing = best_bf16_packing());

// out[i] = x[i] rounded to bfloat16 (bfloat16_bits), as a float; SIMD
// lanes on every CPU. x and out may be the same array.
void bfloat16_round_row(const float* x, float* out, std::size_t n);

inline float bfloat16_to_float(std::uint16_t bits) {
    const std::uint32_t u = static_cast<std::uint32_t>(bits) << 16;
    float x;
    std::memcpy(&x, &u, sizeof x);
    return x;
}

}  // namespace vecnn
