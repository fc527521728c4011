// libxsmm's JIT kernels for the float training GEMMs where the CPU has
// AVX-512: libxsmm generates its kernels for the CPU it runs on, at twice
// the AVX2 rate, while OpenBLAS runs the kernel set the environment chose
// (OPENBLAS_CORETYPE, left as set). Its kernels allocate nothing per call
// (oneDNN's sgemm, measured too, allocates on every call), so a training step
// stays allocation-free. vecnn drives them: it blocks large products for the
// caches and transposes the operand libxsmm cannot read transposed, into
// per-thread buffers kept between calls.
//
// Dispatch: libxsmm when vecnn was built with it and the CPU has AVX-512F.
// On an AVX2-only CPU, libxsmm for small products only (4+ columns of C and
// at most 2^20 multiply-adds, or op(B) of at most 8,192 floats), where its
// kernels beat OpenBLAS's per-call and packing cost, and OpenBLAS for the
// rest, where its cache blocking wins (measured: xsmm_gemm.cpp).
// VECNN_GEMM_LIBRARY=openblas (or =libxsmm) in the environment forces one
// library for every shape, for comparisons.
#pragma once

#include <cstddef>
#include <string>

namespace vecnn {

// Whether vecnn was built with libxsmm (libxsmm_sgemm works on any x86-64
// CPU then; the dispatch below uses it only where it is the faster).
bool libxsmm_built_in();

// Whether VECNN_GEMM_LIBRARY=openblas keeps libxsmm out of every GEMM (the
// bf16 ones too). Throws std::invalid_argument, naming the value, when the
// variable holds something other than openblas or libxsmm.
bool libxsmm_kept_out();

// Whether a float GEMM C (m, n) = alpha op(A) op(B) + beta C, inner size k,
// goes to libxsmm.
bool libxsmm_takes_sgemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
                         float beta);
// Whether such GEMMs go to libxsmm whatever their shape (AVX-512 CPUs, or
// VECNN_GEMM_LIBRARY=libxsmm); false where only small ones do.
bool libxsmm_takes_sgemm(bool transpose_a, bool transpose_b, float alpha, float beta);

// C (m, n) = op(A) op(B) + beta C, row-major, beta 0 or 1 (alpha 1), not
// both operands transposed; on the calling thread alone (vecnn splits GEMMs
// over its own threads).
void libxsmm_sgemm(bool transpose_a, bool transpose_b, int m, int n, int k, const float* a, int lda, const float* b,
                   int ldb, float beta, float* c, int ldc);

// A float product libxsmm_sgemm runs as one kernel call: on the operands as
// stored (NN and TN products that fit one kernel, not run as C^T), after
// transposing a small B (NT), or on A transposed into a buffer with the
// result transposed back (NT with 1-4 columns on AVX-512): the kernel and
// the copies around it, so that a caller repeating the same product can
// skip the driver's choices. Empty (false) for any other product (blocks, a
// TN product run as C^T, no libxsmm).
using WholeProductKernel = void (*)(const float*, const float*, float*, ...);
struct WholeProduct {
    enum class Operands { as_stored, b_transposed, a_and_result_transposed };
    WholeProductKernel kernel = nullptr;
    Operands operands = Operands::as_stored;
    bool accumulate = false;  // a_and_result_transposed: C += the result (beta 1)
    explicit operator bool() const { return kernel != nullptr; }
};
WholeProduct libxsmm_whole_product(bool transpose_a, bool transpose_b, int m, int n, int k, int lda, int ldb, int ldc,
                                   float beta);
// Runs it: the same calls libxsmm_sgemm makes for that product.
void run_whole_product(const WholeProduct& product, int m, int n, int k, const float* a, int lda, const float* b,
                       int ldb, float* c, int ldc);

// Which library runs the float GEMMs, for reports: e.g. "libxsmm (cpx kernels)".
std::string gemm_library_description();

}  // namespace vecnn
