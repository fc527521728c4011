// vecnn's own GEMM kernel for toy-sized products (a 2-16-16-2 network's
// layers): register-blocked xsimd code in one call, with no library
// dispatch, JIT cache lookup or packing beyond a small per-thread copy of
// op(B). Measured on an AVX2 Zen 3 (docs/performance.md): 0.6x OpenBLAS's
// time on toy products, about libxsmm's on 4-16 columns, 0.4x libxsmm's on
// 1-3 columns (C^T or dot products there). The engine runs it where
// libxsmm does not take the product (tensor/kernels_vectorized.cpp).
#pragma once

#include <cstddef>

namespace vecnn {

// Whether the kernel takes C (m, n) = alpha op(A) op(B) + beta C: alpha 1
// and beta 0 or 1 (what training asks; libxsmm's rule too), C at most
// small_gemm_max_columns() wide, an inner size of at most 256, and at most
// small_gemm_max_work() multiply-adds; C of 1-3 columns with A transposed
// only when m is 4 to small_gemm_max_columns() (it computes C^T then),
// without only when k is at least a quarter of small_gemm_max_columns() (one
// SIMD width: dot products).
// Shape only: the caller decides whether another library takes precedence.
template <class T>
bool small_gemm_fits(bool transpose_a, std::size_t m, std::size_t n, std::size_t k, T alpha, T beta);

// The largest m * n * k the kernel takes (measured: small_gemm.cpp).
std::size_t small_gemm_max_work();
// The widest C it takes: four SIMD widths of T (32 floats with AVX2).
template <class T>
std::size_t small_gemm_max_columns();

// C (m, n) = op(A) op(B) + beta C, beta 0 or 1, row-major with leading
// dimensions (the stored column counts), op = transpose when the flag is
// set; beta = 0 never reads C. Only for shapes small_gemm_fits() accepts
// (asserted).
template <class T>
void small_gemm(bool transpose_a, bool transpose_b, int m, int n, int k, const T* a, int lda, const T* b, int ldb,
                T beta, T* c, int ldc);

}  // namespace vecnn
