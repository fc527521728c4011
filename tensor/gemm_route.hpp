// Which code the vectorized engine runs a GEMM (or one thread's part of it)
// on, decided by the shape, the call and the CPU. product() in
// kernels_vectorized.cpp dispatches by this one decision; reports (the
// vectorization budget) print it, so a table can say where each path takes over.
#pragma once

#include <cstddef>

namespace vecnn {

enum class GemmRoute {
    bf16,             // MatmulPrecision::bfloat16: bf16_sgemm (kernels or fallback, bf16_gemm.hpp)
    outer_product,    // k = 1: one pass writing C
    small_kernel,     // toy products: vecnn's own register-blocked kernel (small_gemm.hpp)
    gemv_per_row,     // few rows: one BLAS gemv per row of C
    gemv_column,      // one column: one BLAS gemv
    gemv_per_column,  // 2-3 columns the BLAS gemm would take: one BLAS gemv per column of C
    libxsmm,          // libxsmm's JIT kernels (AVX-512 CPUs; small products on AVX2 ones; xsmm_gemm.hpp)
    blas_gemm         // the BLAS library's gemm (OpenBLAS)
};

// The route of C (m, n) = alpha op(A) op(B) + beta C, for float and double
// (double never takes bf16 or libxsmm), under the current matmul precision.
GemmRoute vectorized_gemm_route(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k,
                                float alpha, float beta);
GemmRoute vectorized_gemm_route(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k,
                                double alpha, double beta);

// "bf16", "outer product", "small kernel", "gemv per row", "gemv", "gemv per column", "libxsmm", "BLAS gemm".
const char* to_string(GemmRoute route);

// C (m, n) = alpha op(A) op(B) + beta C, row-major with leading dimensions,
// on the calling thread by the float32 route of the shape, whatever the
// matmul precision: the bf16 fallback's GEMM on its rounded operands.
void float32_route_product(bool transpose_a, bool transpose_b, int m, int n, int k, float alpha, const float* a,
                           int lda, const float* b, int ldb, float beta, float* c, int ldc);

}  // namespace vecnn
