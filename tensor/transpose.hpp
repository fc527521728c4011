// Out-of-place transposes of float and double matrices (and 32-bit words)
// for the GEMM drivers (tensor/xsmm_gemm.cpp, tensor/bf16_gemm.cpp,
// tensor/small_gemm.cpp): out (cols, rows) = in^T, or out += in^T.
#pragma once

#include <cstdint>

namespace vecnn {

// out (cols, rows; ld_out) = in (rows, cols; ld_in)^T, row-major; with
// accumulate, out += in^T (libxsmm_otrans cannot add). 16 x 16 tiles go
// through AVX-512 registers where the CPU has AVX-512F, 8 x 8 tiles through
// AVX2 ones where it has AVX2; the edges, and other CPUs, element by element. Measured on one core: 64 x 784 in 7.2 us
// (libxsmm_otrans 7.1, a tiled scalar loop 16), 256 x 784 in 37 us (otrans 138).
void transpose(const float* in, int rows, int cols, int ld_in, float* out, int ld_out, bool accumulate);
// Doubles: the element-by-element loop in L1-sized tiles, on every CPU.
void transpose(const double* in, int rows, int cols, int ld_in, double* out, int ld_out, bool accumulate);

// The same for 32-bit words moved bit for bit (pairs of bfloat16, say).
void transpose_words(const std::uint32_t* in, int rows, int cols, int ld_in, std::uint32_t* out, int ld_out);

}  // namespace vecnn
