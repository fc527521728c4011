// The precision of the float32 GEMMs (Linear, Conv2d, through either engine),
// as torch.autocast("cpu", dtype=torch.bfloat16) sets it for matmuls: with
// bfloat16, each GEMM's two operands are rounded to bfloat16 (round to
// nearest, ties to even) and multiplied with float32 accumulation into a
// float32 result. Everything else stays float32: parameters, gradients and
// optimizer state (the master copy), bias, activations, loss and softmax.
// Unlike autocast, a GEMM's output is not rounded to bfloat16 afterwards.
// float64 models are not affected.
//
// Process-wide (vecnn's worker threads compute parts of one GEMM), read at
// each GEMM: set it before training, not while a step runs.
#pragma once

#include <string>

namespace vecnn {

enum class MatmulPrecision { float32, bfloat16 };

void set_matmul_precision(MatmulPrecision precision);
MatmulPrecision matmul_precision();
const char* to_string(MatmulPrecision precision);                       // "float32" | "bf16"
MatmulPrecision matmul_precision_from_string(const std::string& name);  // "float32" | "fp32" | "bf16" | "bfloat16"

// Sets a precision for a scope and restores the previous one at its end.
class ScopedMatmulPrecision {
public:
    explicit ScopedMatmulPrecision(MatmulPrecision precision) : previous_(matmul_precision()) {
        set_matmul_precision(precision);
    }
    ~ScopedMatmulPrecision() { set_matmul_precision(previous_); }
    ScopedMatmulPrecision(const ScopedMatmulPrecision&) = delete;
    ScopedMatmulPrecision& operator=(const ScopedMatmulPrecision&) = delete;

private:
    MatmulPrecision previous_;
};

// x rounded to the nearest bfloat16 (ties to even), as a float: the loop
// engine's rounding, computed arithmetically (the vectorized engine rounds
// the bits instead; the tests hold the two to the same results).
float round_to_bfloat16_reference(float x);

// A GEMM operand as the loop engine multiplies it under the current precision.
inline float matmul_operand(float x, MatmulPrecision p) {
    return p == MatmulPrecision::bfloat16 ? round_to_bfloat16_reference(x) : x;
}
inline double matmul_operand(double x, MatmulPrecision) {
    return x;
}

}  // namespace vecnn
