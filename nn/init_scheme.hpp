// Initialisation schemes of torch.nn.init, applied to a built model.
//
//   default          what each layer draws when built: PyTorch's own (Linear:
//                    weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))); nothing is redrawn
//   xavier-uniform   weight U(-b, b), b = sqrt(6 / (fan_in + fan_out))   (xavier_uniform_, gain 1)
//   xavier-normal    weight N(0, 2 / (fan_in + fan_out))                (xavier_normal_, gain 1)
//   kaiming-uniform  weight U(-b, b), b = sqrt(6 / fan_in)              (kaiming_uniform_, ReLU gain sqrt 2)
//   kaiming-normal   weight N(0, 2 / fan_in)                            (kaiming_normal_, ReLU gain sqrt 2)
//
// Every parameter called "weight" with two or more dimensions (out, in, ...)
// is redrawn, fan_in = in * (the product of the further dimensions) and
// fan_out = out * the same, as torch.nn.init computes them; every "bias" is
// set to zero, as the tutorials that use these schemes do. Other parameters
// keep their values. The draws come from `seed` alone, in parameter order,
// so the same model and seed give the same values on every engine and dtype.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vecnn/nn/layer.hpp"

namespace vecnn {

enum class InitScheme { default_init, xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal };

// The names init_scheme_from_string accepts, in one place.
const std::vector<std::string>& init_scheme_names();
// Throws std::invalid_argument naming the known schemes.
InitScheme init_scheme_from_string(const std::string& name);
const char* to_string(InitScheme scheme);

template <class T>
void apply_init_scheme(Layer<T>& model, InitScheme scheme, std::uint64_t seed);

}  // namespace vecnn
