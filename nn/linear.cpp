#include "nn/linear.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "tensor/kernels.hpp"
#include "tensor/shape_check.hpp"

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
const Matrix<T>& Linear<T>::forward(ConstView<T> input) {
    if (input.cols() != in_) {
        throw std::invalid_argument(describe() + " forward: input " + to_string(input.shape) +
                                    " does not fit weight " + to_string(Shape{out_, in_}) + " (expected (" +
                                    std::to_string(input.rows()) + ", " + std::to_string(in_) + "))");
    }
    input_ = input;
    has_input_ = true;
    ensure_shape(output_, input.rows(), out_);
    // Bias first, then one GEMM with beta = 1 adds x W^T on top of it.
    if (this->engine_ == Engine::vectorized) {
        vectorized::broadcast_rows<T>(bias(), output_);
        vectorized::gemm<T>(false, true, T(1), input, weight(), T(1), output_);
    } else {
        loop::broadcast_rows<T>(bias(), output_);
        loop::gemm<T>(false, true, T(1), input, weight(), T(1), output_);
    }
    return output_;
}

template <class T>
const Matrix<T>& Linear<T>::backward(ConstView<T> output_gradient, bool need_input_gradient) {
    if (!has_input_) throw std::logic_error(describe() + " backward: called before forward");
    if (output_gradient.shape != shape_of(output_)) {  // the message is built only on failure: no hot-path allocation
        require_same_shape((describe() + " backward").c_str(), "upstream gradient", output_gradient.shape, "output",
                           shape_of(output_));
    }
    // After zero_grad() the gradients are written, not added to: no pass to clear them first.
    const bool overwrite = this->take_pending_zero();
    const T beta = overwrite ? T(0) : T(1);
    View<T> weight_gradient = this->stored_gradient(0), bias_gradient = this->stored_gradient(1);
    if (overwrite) std::fill(bias_gradient.data, bias_gradient.data + out_, T(0));
    if (this->engine_ == Engine::vectorized) {
        vectorized::gemm<T>(true, false, T(1), output_gradient, input_, beta, weight_gradient);
        vectorized::add_column_sums<T>(output_gradient, bias_gradient);
    } else {
        loop::gemm<T>(true, false, T(1), output_gradient, input_, beta, weight_gradient);
        loop::add_column_sums<T>(output_gradient, bias_gradient);
    }
    if (need_input_gradient) {
        ensure_shape(input_gradient_, output_gradient.rows(), in_);
        if (this->engine_ == Engine::vectorized) {
            vectorized::gemm<T>(false, false, T(1), output_gradient, weight(), T(0), input_gradient_);
        } else {
            loop::gemm<T>(false, false, T(1), output_gradient, weight(), T(0), input_gradient_);
        }
    }
    return input_gradient_;
}

template class Linear<float>;
template class Linear<double>;

}  // namespace vecnn
