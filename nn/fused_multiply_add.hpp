// fused_multiply_add(a, b, c) = a * b + c, rounded the way torch.optim's CPU
// kernels round it, for the optimizers' update loops.
//
// On a CPU with FMA, PyTorch computes `x.add_(y, alpha=a)` and
// `x.addcmul_(y, z, value=v)` with one fused multiply-add (one rounding);
// tools/torch_fixtures.py's docstring records the check. Spelling the FMA out
// makes our results agree with PyTorch to the last bit, whatever the
// compiler's -ffp-contract setting. Without hardware FMA (FP_FAST_FMA unset)
// std::fma would be a slow library call on the hot path, and PyTorch does
// not fuse there either, so we multiply and add.
#pragma once

#include <cmath>

namespace vecnn::detail {

inline double fused_multiply_add(double a, double b, double c) {
#if defined(FP_FAST_FMA) || defined(__FP_FAST_FMA)
    return std::fma(a, b, c);
#else
    return a * b + c;
#endif
}

inline float fused_multiply_add(float a, float b, float c) {
#if defined(FP_FAST_FMAF) || defined(__FP_FAST_FMAF)
    return std::fma(a, b, c);
#else
    return a * b + c;
#endif
}

}  // namespace vecnn::detail
