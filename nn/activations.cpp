#include "nn/activations.hpp"

#include <stdexcept>

#include "tensor/kernels.hpp"
#include "tensor/shape_check.hpp"

namespace vecnn {

template <class T>
const Matrix<T>& Activation<T>::forward(ConstView<T> input) {
    ensure_shape(output_, input.rows(), input.cols());
    if (this->engine_ == Engine::vectorized) {
        kernels_.forward_vectorized(input, output_);
    } else {
        kernels_.forward_loop(input, output_);
    }
    has_output_ = true;
    return output_;
}

template <class T>
const Matrix<T>& Activation<T>::backward(ConstView<T> output_gradient, bool need_input_gradient) {
    if (!has_output_) throw std::logic_error(name_ + " backward: called before forward");
    if (output_gradient.shape != shape_of(output_)) {  // the message is built only on failure: no hot-path allocation
        require_same_shape((name_ + " backward").c_str(), "upstream gradient", output_gradient.shape, "output",
                           shape_of(output_));
    }
    if (!need_input_gradient) return input_gradient_;  // no parameters: nothing else to do
    ensure_shape(input_gradient_, output_gradient.rows(), output_gradient.cols());
    if (this->engine_ == Engine::vectorized) {
        kernels_.backward_vectorized(output_, output_gradient, input_gradient_);
    } else {
        kernels_.backward_loop(output_, output_gradient, input_gradient_);
    }
    return input_gradient_;
}

template <class T>
ReLU<T>::ReLU()
    : Activation<T>("relu", {&vectorized::relu_forward<T>, &vectorized::relu_backward<T>, &loop::relu_forward<T>,
                             &loop::relu_backward<T>}) {}

template <class T>
Sigmoid<T>::Sigmoid()
    : Activation<T>("sigmoid", {&vectorized::sigmoid_forward<T>, &vectorized::sigmoid_backward<T>,
                                &loop::sigmoid_forward<T>, &loop::sigmoid_backward<T>}) {}

template <class T>
Tanh<T>::Tanh()
    : Activation<T>("tanh", {&vectorized::tanh_forward<T>, &vectorized::tanh_backward<T>, &loop::tanh_forward<T>,
                             &loop::tanh_backward<T>}) {}

template <class T>
Softmax<T>::Softmax()
    : Activation<T>("softmax", {&vectorized::softmax_forward<T>, &vectorized::softmax_backward<T>,
                                &loop::softmax_forward<T>, &loop::softmax_backward<T>}) {}

template class Activation<float>;
template class Activation<double>;
template class ReLU<float>;
template class ReLU<double>;
template class Sigmoid<float>;
template class Sigmoid<double>;
template class Tanh<float>;
template class Tanh<double>;
template class Softmax<float>;
template class Softmax<double>;

}  // namespace vecnn
