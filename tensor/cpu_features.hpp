// What the running CPU supports, asked once per process: the hand-written
// AVX2 and AVX-512 paths (tensor/transpose.cpp, tensor/bf16_gemm.cpp) check it before
// taking their intrinsics, so one binary runs on AVX2-only CPUs too.
#pragma once

namespace vecnn {

bool cpu_has_avx2();
bool cpu_has_avx512f();
bool cpu_has_avx512bw();    // AVX512BW (16-bit lanes) with AVX512F
bool cpu_has_avx512bf16();  // AVX512-BF16 (float32 to bfloat16 conversions, bf16 dot products) with BW, VL, DQ

}  // namespace vecnn
