#include "vecnn/nn/dropout.hpp"

#include <algorithm>
#include <stdexcept>

#include "vecnn/nn/layer_spec.hpp"
#include "vecnn/tensor/xtensor_adapt.hpp"

namespace vecnn {

template <class T>
Dropout<T>::Dropout(double p, std::uint64_t stream, std::uint64_t seed) : p_(p), stream_(stream) {
    if (!(p >= 0 && p <= 1)) {
        throw std::invalid_argument("dropout(" + format_number(p) + "): p must be a probability in [0, 1]");
    }
    own_key_.seed = seed;
}

template <class T>
std::string Dropout<T>::describe() const {
    return "dropout(" + format_number(p_) + ")";
}

template <class T>
bool Dropout<T>::prepare_mask(std::size_t rows, std::size_t cols) {
    mask_used_ = this->training() && p_ > 0;
    if (!mask_used_) return false;
    const bool same_shape = mask_.shape()[0] == rows && mask_.shape()[1] == cols;
    if (frozen_ && mask_drawn_ && same_shape) return true;
    ensure_shape(mask_, rows, cols);
    // PyTorch: noise = bernoulli(1 - p) / (1 - p), the division in the dtype.
    const T scale = p_ < 1 ? T(1) / static_cast<T>(1 - p_) : T(0);
    const double keep = 1 - p_;
    const NoiseKey& key = key_ ? *key_ : own_key_;
    for (std::size_t r = 0; r < rows; ++r) {
        const std::uint64_t row = noise_row(key, stream_, r);
        T* m = mask_.data() + r * cols;
        for (std::size_t c = 0; c < cols; ++c) m[c] = noise_uniform(row, c) < keep ? scale : T(0);
    }
    if (!key_) ++own_key_.step;
    mask_drawn_ = true;
    return true;
}

template <class T>
void Dropout<T>::forward_loop(ConstView<T> x, View<T> y) {
    if (!prepare_mask(x.rows(), x.cols())) {
        std::copy(x.data, x.data + x.size(), y.data);
        return;
    }
    for (std::size_t i = 0; i < x.size(); ++i) y.data[i] = x.data[i] * mask_.data()[i];
}

template <class T>
void Dropout<T>::forward_vectorized(ConstView<T> x, View<T> y) {
    if (!prepare_mask(x.rows(), x.cols())) {
        std::copy(x.data, x.data + x.size(), y.data);
        return;
    }
    xt::noalias(adapt(y)) = adapt(x) * mask_;
}

template <class T>
void Dropout<T>::backward_loop(ConstView<T>, ConstView<T>, ConstView<T> dy, View<T> dx) {
    if (!mask_used_) {
        std::copy(dy.data, dy.data + dy.size(), dx.data);
        return;
    }
    for (std::size_t i = 0; i < dy.size(); ++i) dx.data[i] = dy.data[i] * mask_.data()[i];
}

template <class T>
void Dropout<T>::backward_vectorized(ConstView<T>, ConstView<T>, ConstView<T> dy, View<T> dx) {
    if (!mask_used_) {
        std::copy(dy.data, dy.data + dy.size(), dx.data);
        return;
    }
    xt::noalias(adapt(dx)) = adapt(dy) * mask_;
}

template class Dropout<float>;
template class Dropout<double>;

}  // namespace vecnn
