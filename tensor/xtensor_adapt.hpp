// vecnn views as xtensor expressions, for vectorized code of your own (a
// layer's forward_vectorized, say): no copy, no allocation.
//   auto X = vecnn::adapt(x);  auto Y = vecnn::adapt(y);
//   xt::noalias(Y) = X / (1 + xt::exp(-X));
// Both are 2-D (rows, cols) row-major adaptors over the view's memory. This
// header also brings xtensor's math functions and xt::noalias.
#pragma once

#include <array>
#include <cstddef>

#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>

#include "vecnn/tensor/matrix.hpp"

namespace vecnn {

template <class T>
auto adapt(View<T> v) {
    return xt::adapt(v.data, v.size(), xt::no_ownership(), std::array<std::size_t, 2>{v.rows(), v.cols()});
}

template <class T>
auto adapt(ConstView<T> v) {
    return xt::adapt(v.data, v.size(), xt::no_ownership(), std::array<std::size_t, 2>{v.rows(), v.cols()});
}

}  // namespace vecnn
