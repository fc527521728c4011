// Which OpenBLAS kernel set runs the GEMMs, for benchmark reports: the same
// OpenBLAS build runs at very different speeds depending on it (on one
// AVX-512 VM, sgemm at 107 GFLOP/s with the Haswell (AVX2) kernels forced by
// OPENBLAS_CORETYPE, 190 with the Cooperlake kernels OpenBLAS detects itself).
#pragma once

#include <string>

namespace vecnn {

// The OpenBLAS kernel set in use: "Haswell", "SkylakeX", "Cooperlake", ...
std::string blas_core();

// The kernel set and how it was chosen, e.g. "Haswell (set by
// OPENBLAS_CORETYPE=Haswell)" or "Cooperlake (detected by OpenBLAS)".
std::string blas_core_description();

}  // namespace vecnn
