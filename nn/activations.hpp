// Activation layers: elementwise ReLU, Sigmoid, Tanh and row-wise Softmax.
//   input (batch, n) -> output (batch, n); no parameters.
// Each keeps its output, from which its derivative follows:
//   relu' = [y > 0] (0 at 0, as PyTorch), sigmoid' = y (1 - y), tanh' = 1 - y^2,
//   softmax: dx = y * (dy - rowsum(dy * y))  (O(n) per row, no Jacobian).
#pragma once

#include "nn/layer.hpp"

namespace vecnn {

// The two kernels of one activation in each engine.
template <class T>
struct ActivationKernels {
    void (*forward_vectorized)(ConstView<T>, View<T>);
    void (*backward_vectorized)(ConstView<T>, ConstView<T>, View<T>);
    void (*forward_loop)(ConstView<T>, View<T>);
    void (*backward_loop)(ConstView<T>, ConstView<T>, View<T>);
};

template <class T>
class Activation : public Layer<T> {
public:
    Activation(std::string name, ActivationKernels<T> kernels) : name_(std::move(name)), kernels_(kernels) {}
    std::string describe() const override { return name_; }
    const Matrix<T>& forward(ConstView<T> input) override;
    const Matrix<T>& backward(ConstView<T> output_gradient, bool need_input_gradient = true) override;

private:
    std::string name_;
    ActivationKernels<T> kernels_;
    Matrix<T> output_;
    Matrix<T> input_gradient_;
    bool has_output_ = false;
};

template <class T>
class ReLU final : public Activation<T> {
public:
    ReLU();
};

template <class T>
class Sigmoid final : public Activation<T> {
public:
    Sigmoid();
};

template <class T>
class Tanh final : public Activation<T> {
public:
    Tanh();
};

template <class T>
class Softmax final : public Activation<T> {
public:
    Softmax();  // row-wise, max-subtracted
};

}  // namespace vecnn
