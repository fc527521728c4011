// Finite in, finite out: the first parameter of a model that is NaN or
// infinite, named for a message, so training stops at the step that broke
// the model and nothing non-finite is saved or loaded.
#pragma once

#include <string>

#include "vecnn/nn/layer.hpp"

namespace vecnn {

// "" when every parameter is finite; else e.g. "parameter '2.weight' [0, 3] is inf".
template <class T>
std::string non_finite_parameter(const Layer<T>& model);

// The same for `n` values of one array called `name`, shaped (rows, cols)
// for the element's index (cols 0: a flat index).
template <class T>
std::string non_finite_value(const T* values, std::size_t n, const std::string& name, std::size_t cols = 0);

}  // namespace vecnn
