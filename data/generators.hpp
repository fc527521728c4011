// Built-in toy data sets, generated from a seed: the examples' data.
//   xor:      the 4 points of {0,1}^2, label = x0 xor x1            (4, 2), labels
//   spirals:  two interleaved spirals, classes 0 and 1              (2n, 2), labels
//   sine:     x uniform in [-pi, pi], y = sin(x)                    (n, 1), rows (n, 1)
#pragma once

#include <cstdint>
#include <vector>

#include "vecnn/tensor/matrix.hpp"

namespace vecnn {

template <class T>
struct ClassificationData {
    Matrix<T> x;
    std::vector<std::int64_t> labels;
};

template <class T>
struct RegressionData {
    Matrix<T> x;
    Matrix<T> y;
};

template <class T>
ClassificationData<T> make_xor();

// `points_per_class` points per spiral over `turns` turns, radius growing
// linearly to 1, Gaussian noise of std `noise` added to each coordinate.
template <class T>
ClassificationData<T> make_spirals(std::size_t points_per_class, double turns, double noise, std::uint64_t seed);

template <class T>
RegressionData<T> make_sine(std::size_t n, std::uint64_t seed);

}  // namespace vecnn
