#include "vecnn/nn/init_scheme.hpp"

#include <cmath>
#include <stdexcept>

#include "vecnn/tensor/random.hpp"

namespace vecnn {

namespace {
const char* const kNames[] = {"default", "xavier-uniform", "xavier-normal", "kaiming-uniform", "kaiming-normal"};
}  // namespace

const std::vector<std::string>& init_scheme_names() {
    static const std::vector<std::string> names(std::begin(kNames), std::end(kNames));
    return names;
}

InitScheme init_scheme_from_string(const std::string& name) {
    for (std::size_t i = 0; i < std::size(kNames); ++i) {
        if (name == kNames[i]) return static_cast<InitScheme>(i);
    }
    std::string known;
    for (const char* n : kNames) known += (known.empty() ? "" : ", ") + std::string(n);
    throw std::invalid_argument("unknown init scheme '" + name + "' (expected " + known + ")");
}

const char* to_string(InitScheme scheme) { return kNames[static_cast<std::size_t>(scheme)]; }

template <class T>
void apply_init_scheme(Layer<T>& model, InitScheme scheme, std::uint64_t seed) {
    if (scheme == InitScheme::default_init) return;
    Rng rng(seed);
    for (std::size_t i = 0; i < model.parameters().size(); ++i) {
        const ParameterInfo& info = model.parameters()[i];
        View<T> values = model.parameter(i);
        const std::string& name = info.name;
        const bool is_bias = name == "bias" || (name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0);
        const bool is_weight =
            name == "weight" || (name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0);
        if (is_bias) {
            for (std::size_t k = 0; k < values.size(); ++k) values.data[k] = T(0);
            continue;
        }
        if (!is_weight || info.dims.size() < 2) continue;
        double receptive = 1;  // the product of the dimensions after (out, in)
        for (std::size_t d = 2; d < info.dims.size(); ++d) receptive *= static_cast<double>(info.dims[d]);
        const double fan_in = static_cast<double>(info.dims[1]) * receptive;
        const double fan_out = static_cast<double>(info.dims[0]) * receptive;
        const bool uniform = scheme == InitScheme::xavier_uniform || scheme == InitScheme::kaiming_uniform;
        const bool xavier = scheme == InitScheme::xavier_uniform || scheme == InitScheme::xavier_normal;
        // The standard deviation of the scheme; a uniform U(-b, b) has std b / sqrt(3).
        const double std_dev = xavier ? std::sqrt(2.0 / (fan_in + fan_out)) : std::sqrt(2.0) / std::sqrt(fan_in);
        const double bound = std::sqrt(3.0) * std_dev;
        for (std::size_t k = 0; k < values.size(); ++k) {
            values.data[k] = static_cast<T>(uniform ? rng.uniform(-bound, bound) : std_dev * rng.normal());
        }
    }
}

template void apply_init_scheme<float>(Layer<float>&, InitScheme, std::uint64_t);
template void apply_init_scheme<double>(Layer<double>&, InitScheme, std::uint64_t);

}  // namespace vecnn
