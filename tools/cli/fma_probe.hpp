// The machine's own limit: how many floating-point operations per second
// its cores retire as fused multiply-adds from registers (no memory, no
// dependency stalls), per instruction set the CPU has (AVX2 with FMA3, and
// AVX-512F where present), per dtype (float32, float64, and bfloat16 dot
// products with float32 sums where the CPU has AVX512-BF16) and at a given thread count (all
// threads at once, as a training step would use them). vecnn bench reports
// each step's FLOPs as a share of the best of these: the physical bound,
// next to the bound of the GEMM library as configured.
#pragma once

#include <string>
#include <vector>

namespace vecnn::cli {

struct FmaPeak {
    std::string isa;    // "avx2" or "avx512"
    std::string dtype;  // "float32", "float64" or "bfloat16"
    int threads = 1;
    double gflops = 0;  // all threads together
};

// Each instruction set the CPU supports, fp32 and fp64, on `threads`
// threads for about `seconds` each (the best of three slices).
std::vector<FmaPeak> measure_fma_peaks(int threads, double seconds = 0.15);

// The highest peak of `peaks` for `dtype` (nullptr when there is none).
const FmaPeak* best_peak(const std::vector<FmaPeak>& peaks, const std::string& dtype);
// The same for float32.
const FmaPeak* best_float32_peak(const std::vector<FmaPeak>& peaks);

}  // namespace vecnn::cli
