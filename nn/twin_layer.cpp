#include "vecnn/nn/twin_layer.hpp"

#include <stdexcept>

#include "vecnn/tensor/shape_check.hpp"

namespace vecnn {

template <class T>
void TwinLayer<T>::check_input(ConstView<T> input) const {
    const std::size_t takes = this->input_features();
    if (takes != 0 && input.cols() != takes) {
        throw std::invalid_argument(this->describe() + " forward: input " + to_string(input.shape) +
                                    " does not fit: the layer takes " + std::to_string(takes) +
                                    " features per row (expected (" + std::to_string(input.rows()) + ", " +
                                    std::to_string(takes) + "))");
    }
}

template <class T>
const Matrix<T>& TwinLayer<T>::forward(ConstView<T> input) {
    check_input(input);
    ensure_shape(output_, input.rows(), this->output_features(input.cols()));
    input_ = input;
    has_forward_ = true;
    if (this->engine_ == Engine::vectorized) {
        forward_vectorized(input, output_);
    } else {
        forward_loop(input, output_);
    }
    return output_;
}

template <class T>
const Matrix<T>& TwinLayer<T>::backward(ConstView<T> output_gradient, bool need_input_gradient) {
    if (!has_forward_) throw std::logic_error(this->describe() + " backward: called before forward");
    if (output_gradient.shape != shape_of(output_)) {  // the message is built only on failure: no hot-path allocation
        require_same_shape((this->describe() + " backward").c_str(), "upstream gradient", output_gradient.shape,
                           "output", shape_of(output_));
    }
    if (!need_input_gradient && this->parameter_count() == 0) return input_gradient_;  // nothing to compute
    ensure_shape(input_gradient_, input_.rows(), input_.cols());
    input_gradient_wanted_ = need_input_gradient;
    if (this->engine_ == Engine::vectorized) {
        backward_vectorized(input_, output_, output_gradient, input_gradient_);
    } else {
        backward_loop(input_, output_, output_gradient, input_gradient_);
    }
    input_gradient_wanted_ = true;
    return input_gradient_;
}

template class TwinLayer<float>;
template class TwinLayer<double>;

}  // namespace vecnn
