#include "vecnn/tensor/precision.hpp"

#include <atomic>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace vecnn {
namespace {
std::atomic<MatmulPrecision> current{MatmulPrecision::float32};
}

void set_matmul_precision(MatmulPrecision precision) {
    current.store(precision, std::memory_order_relaxed);
}
MatmulPrecision matmul_precision() {
    return current.load(std::memory_order_relaxed);
}

const char* to_string(MatmulPrecision precision) {
    return precision == MatmulPrecision::bfloat16 ? "bf16" : "float32";
}

MatmulPrecision matmul_precision_from_string(const std::string& name) {
    if (name == "float32" || name == "fp32") return MatmulPrecision::float32;
    if (name == "bf16" || name == "bfloat16") return MatmulPrecision::bfloat16;
    throw std::invalid_argument("precision '" + name + "': expected float32 or bf16");
}

float round_to_bfloat16_reference(float x) {
    if (!std::isfinite(x) || x == 0.0f) return x;
    // bfloat16 keeps 8 significant bits (float32's exponent range): the
    // quantum at x is 2^(e - 8) for x = m 2^e, m in [0.5, 1), and never
    // below the smallest subnormal, 2^-133. std::nearbyint rounds ties to
    // even in the default rounding mode.
    int e = 0;
    std::frexp(static_cast<double>(x), &e);
    const int quantum_exponent = e - 8 < -133 ? -133 : e - 8;
    const double q = std::ldexp(1.0, quantum_exponent);
    const double rounded = std::nearbyint(static_cast<double>(x) / q) * q;
    if (std::fabs(rounded) > static_cast<double>(std::numeric_limits<float>::max())) {
        return std::copysign(std::numeric_limits<float>::infinity(), x);  // past bfloat16's largest finite value
    }
    return static_cast<float>(rounded);
}

}  // namespace vecnn
