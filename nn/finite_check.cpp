#include "vecnn/nn/finite_check.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace vecnn {
namespace {

// Integer test of the exponent bits: a loop the compiler vectorises (no
// floating-point reduction), so a scan costs little next to a training step.
template <class T>
std::size_t first_non_finite(const T* p, std::size_t n) {
    using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    constexpr Bits exponent = static_cast<Bits>(sizeof(T) == 4 ? 0x7f800000ull : 0x7ff0000000000000ull);
    constexpr std::size_t block = 4096;
    for (std::size_t start = 0; start < n; start += block) {
        const std::size_t end = std::min(n, start + block);
        Bits bad = 0;
        for (std::size_t i = start; i < end; ++i) {
            Bits b;
            std::memcpy(&b, p + i, sizeof b);
            bad |= static_cast<Bits>((b & exponent) == exponent);
        }
        if (bad != 0) {
            for (std::size_t i = start; i < end; ++i) {
                if (!std::isfinite(p[i])) return i;
            }
        }
    }
    return n;
}

std::string describe_value(double v) { return std::isnan(v) ? "NaN" : (v > 0 ? "inf" : "-inf"); }

}  // namespace

template <class T>
std::string non_finite_value(const T* values, std::size_t n, const std::string& name, std::size_t cols) {
    const std::size_t i = first_non_finite(values, n);
    if (i == n) return "";
    const std::string index = cols > 0 ? "[" + std::to_string(i / cols) + ", " + std::to_string(i % cols) + "]"
                                       : "[" + std::to_string(i) + "]";
    return "'" + name + "' " + index + " is " + describe_value(static_cast<double>(values[i]));
}

template <class T>
std::string non_finite_parameter(const Layer<T>& model) {
    const T* values = model.parameter_data();
    for (const auto& p : model.parameters()) {
        const std::string bad = non_finite_value(values + p.offset, p.size(), p.name, p.dims.size() == 2 ? p.dims[1] : 0);
        if (!bad.empty()) return "parameter " + bad;
    }
    return "";
}

template std::string non_finite_parameter<float>(const Layer<float>&);
template std::string non_finite_parameter<double>(const Layer<double>&);
template std::string non_finite_value<float>(const float*, std::size_t, const std::string&, std::size_t);
template std::string non_finite_value<double>(const double*, std::size_t, const std::string&, std::size_t);

}  // namespace vecnn
