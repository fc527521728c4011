#include "vecnn/nn/linear.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "vecnn/tensor/shape_check.hpp"

namespace vecnn {

template <class T>
Linear<T>::Linear(std::size_t in_features, std::size_t out_features, Rng& rng) : in_(in_features), out_(out_features) {
    if (in_features == 0 || out_features == 0) {
        throw std::invalid_argument("linear(" + std::to_string(in_features) + "," + std::to_string(out_features) +
                                    "): features must be positive");
    }
    this->declare_parameter("weight", {out_, in_});
    this->declare_parameter("bias", {out_});
    this->allocate_parameters();
    reset_parameters(rng);
}

template <class T>
Linear<T>::Linear(std::size_t in_features, std::size_t out_features, Rng&& rng)
    : Linear(in_features, out_features, rng) {}

template <class T>
Linear<T>::Linear(std::size_t in_features, std::size_t out_features, std::uint64_t seed)
    : Linear(in_features, out_features, Rng(seed)) {}

template <class T>
std::string Linear<T>::describe() const {
    return "linear(" + std::to_string(in_) + "," + std::to_string(out_) + ")";
}

template <class T>
void Linear<T>::reset_parameters(Rng& rng) {
    // kaiming_uniform(a = sqrt 5): gain sqrt(2 / (1 + 5)), bound gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in).
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_));
    View<T> w = weight();
    for (std::size_t i = 0; i < w.size(); ++i) w.data[i] = static_cast<T>(rng.uniform(-bound, bound));
    View<T> b = bias();
    for (std::size_t i = 0; i < b.size(); ++i) b.data[i] = static_cast<T>(rng.uniform(-bound, bound));
}

template <class T>
std::size_t Linear<T>::output_features(std::size_t in) const {
    Layer<T>::output_features(in);  // checks in == in_
    return out_;
}

template <class T>
void Linear<T>::check_input(ConstView<T> input) const {
    if (input.cols() != in_) {
        throw std::invalid_argument(describe() + " forward: input " + to_string(input.shape) +
                                    " does not fit weight " + to_string(Shape{out_, in_}) + " (expected (" +
                                    std::to_string(input.rows()) + ", " + std::to_string(in_) + "))");
    }
}

template <class T>
void Linear<T>::forward_with(const Kernels<T>& k, ConstView<T> x, View<T> y) {
    // Bias first, then one GEMM with beta = 1 adds x W^T on top of it.
    k.broadcast_rows(bias(), y);
    k.gemm(false, true, T(1), x, weight(), T(1), y);
}

template <class T>
void Linear<T>::backward_with(const Kernels<T>& k, ConstView<T> x, ConstView<T> dy, View<T> dx) {
    // After zero_grad() the gradients are written, not added to: no pass to clear them first.
    const bool overwrite = this->take_pending_zero();
    const T beta = overwrite ? T(0) : T(1);
    View<T> weight_gradient = this->stored_gradient(0), bias_gradient = this->stored_gradient(1);
    if (overwrite) std::fill(bias_gradient.data, bias_gradient.data + out_, T(0));
    k.gemm(true, false, T(1), dy, x, beta, weight_gradient);
    k.add_column_sums(dy, bias_gradient);
    // dX = dY W: the largest GEMM of a first layer, which no one reads.
    if (this->input_gradient_wanted()) k.gemm(false, false, T(1), dy, weight(), T(0), dx);
}

template class Linear<float>;
template class Linear<double>;

}  // namespace vecnn
