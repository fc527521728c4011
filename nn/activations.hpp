// Activation layers: elementwise ReLU, Sigmoid, Tanh and row-wise Softmax.
//   input (batch, n) -> output (batch, n); no parameters.
// Each is a pair of kernels from the kernel table (tensor/kernel_list.inc),
// run on the layer's engine. Backward reads the forward output, from which
// each derivative follows:
//   relu' = [y > 0] (0 at 0, as PyTorch), sigmoid' = y (1 - y), tanh' = 1 - y^2,
//   softmax: dx = y * (dy - rowsum(dy * y))  (O(n) per row, no Jacobian).
#pragma once

#include <string>

#include "vecnn/nn/twin_layer.hpp"
#include "vecnn/tensor/kernels.hpp"

namespace vecnn {

template <class T>
class Activation : public TwinLayer<T> {
public:
    // Entries of the kernel table: (x, y) forward and (y, dy, dx) backward.
    using ForwardEntry = void (*Kernels<T>::*)(ConstView<T>, View<T>);
    using BackwardEntry = void (*Kernels<T>::*)(ConstView<T>, ConstView<T>, View<T>);

    Activation(std::string name, ForwardEntry forward, BackwardEntry backward)
        : name_(std::move(name)), forward_(forward), backward_(backward) {}
    std::string describe() const override { return name_; }

protected:
    void forward_loop(ConstView<T> x, View<T> y) override { (loop_kernels<T>().*forward_)(x, y); }
    void forward_vectorized(ConstView<T> x, View<T> y) override { (vectorized_kernels<T>().*forward_)(x, y); }
    void backward_loop(ConstView<T>, ConstView<T> y, ConstView<T> dy, View<T> dx) override {
        (loop_kernels<T>().*backward_)(y, dy, dx);
    }
    void backward_vectorized(ConstView<T>, ConstView<T> y, ConstView<T> dy, View<T> dx) override {
        (vectorized_kernels<T>().*backward_)(y, dy, dx);
    }

private:
    std::string name_;
    ForwardEntry forward_;
    BackwardEntry backward_;
};

template <class T>
class ReLU final : public Activation<T> {
public:
    ReLU() : Activation<T>("relu", &Kernels<T>::relu_forward, &Kernels<T>::relu_backward) {}
};

template <class T>
class Sigmoid final : public Activation<T> {
public:
    Sigmoid() : Activation<T>("sigmoid", &Kernels<T>::sigmoid_forward, &Kernels<T>::sigmoid_backward) {}
};

template <class T>
class Tanh final : public Activation<T> {
public:
    Tanh() : Activation<T>("tanh", &Kernels<T>::tanh_forward, &Kernels<T>::tanh_backward) {}
};

template <class T>
class Softmax final : public Activation<T> {
public:
    // row-wise, max-subtracted
    Softmax() : Activation<T>("softmax", &Kernels<T>::softmax_forward, &Kernels<T>::softmax_backward) {}
};

}  // namespace vecnn
