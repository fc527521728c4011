// Activation layers: elementwise ReLU, Sigmoid, Tanh, LeakyReLU, GELU,
// Softplus, and row-wise Softmax and LogSoftmax.
//   input (batch, n) -> output (batch, n); no parameters.
// Each is a pair of kernels from the kernel table (tensor/kernel_list.inc),
// run on the layer's engine. Backward reads the forward output, from which
// each derivative follows:
//   relu' = [y > 0] (0 at 0, as PyTorch), sigmoid' = y (1 - y), tanh' = 1 - y^2,
//   softmax: dx = y * (dy - rowsum(dy * y))  (O(n) per row, no Jacobian),
//   log_softmax: dx = dy - exp(y) * rowsum(dy).
// LeakyReLU, GELU and Softplus follow torch.nn's (same defaults, same
// formulas and order of operations, tensor/kernel_list.inc) and take their
// derivative from the input: GELU's is no function of its output.
#pragma once

#include <cmath>
#include <stdexcept>
#include <string>

#include "vecnn/nn/layer_spec.hpp"
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

// torch.nn.LogSoftmax(dim=1): row-wise, max-subtracted; pairs with the nll loss.
template <class T>
class LogSoftmax final : public Activation<T> {
public:
    LogSoftmax()
        : Activation<T>("log_softmax", &Kernels<T>::log_softmax_forward, &Kernels<T>::log_softmax_backward) {}
};

namespace detail {
// A layer's numeric argument: finite in the model's type T, and `ok`.
template <class T>
double activation_argument(const char* layer, const char* name, double value, bool ok, const char* rule) {
    if (!std::isfinite(value) || !std::isfinite(static_cast<T>(value)) || !ok) {
        throw std::invalid_argument(std::string(layer) + ": " + name + " " + format_number(value) + " must be " +
                                    rule);
    }
    return value;
}
}  // namespace detail

// torch.nn.LeakyReLU(negative_slope=0.01): y = x for x > 0, slope * x otherwise.
template <class T>
class LeakyReLU final : public TwinLayer<T> {
public:
    explicit LeakyReLU(double slope = 0.01)
        : slope_(detail::activation_argument<T>("leaky_relu", "slope", slope, true, "finite")) {}
    std::string describe() const override { return "leaky_relu(" + format_number(slope_) + ")"; }
    double slope() const { return slope_; }

protected:
    void forward_loop(ConstView<T> x, View<T> y) override { loop_kernels<T>().leaky_relu_forward(x, T(slope_), y); }
    void forward_vectorized(ConstView<T> x, View<T> y) override {
        vectorized_kernels<T>().leaky_relu_forward(x, T(slope_), y);
    }
    void backward_loop(ConstView<T> x, ConstView<T>, ConstView<T> dy, View<T> dx) override {
        loop_kernels<T>().leaky_relu_backward(x, dy, T(slope_), dx);
    }
    void backward_vectorized(ConstView<T> x, ConstView<T>, ConstView<T> dy, View<T> dx) override {
        vectorized_kernels<T>().leaky_relu_backward(x, dy, T(slope_), dx);
    }

private:
    double slope_;
};

// torch.nn.GELU() (approximate="none"): y = x * Phi(x), Phi the normal CDF, through erf.
template <class T>
class GELU final : public TwinLayer<T> {
public:
    std::string describe() const override { return "gelu"; }

protected:
    void forward_loop(ConstView<T> x, View<T> y) override { loop_kernels<T>().gelu_forward(x, y); }
    void forward_vectorized(ConstView<T> x, View<T> y) override { vectorized_kernels<T>().gelu_forward(x, y); }
    void backward_loop(ConstView<T> x, ConstView<T>, ConstView<T> dy, View<T> dx) override {
        loop_kernels<T>().gelu_backward(x, dy, dx);
    }
    void backward_vectorized(ConstView<T> x, ConstView<T>, ConstView<T> dy, View<T> dx) override {
        vectorized_kernels<T>().gelu_backward(x, dy, dx);
    }
};

// torch.nn.Softplus(beta=1, threshold=20): y = log(1 + exp(beta x)) / beta,
// computed as log1p; linear (y = x) where beta x > threshold, so it never overflows.
template <class T>
class Softplus final : public TwinLayer<T> {
public:
    explicit Softplus(double beta = 1, double threshold = 20)
        : beta_(detail::activation_argument<T>("softplus", "beta", beta, beta > 0, "finite and > 0")),
          threshold_(detail::activation_argument<T>("softplus", "threshold", threshold, true, "finite")) {}
    std::string describe() const override {
        return "softplus(beta=" + format_number(beta_) + ",threshold=" + format_number(threshold_) + ")";
    }
    double beta() const { return beta_; }
    double threshold() const { return threshold_; }

protected:
    void forward_loop(ConstView<T> x, View<T> y) override {
        loop_kernels<T>().softplus_forward(x, T(beta_), T(threshold_), y);
    }
    void forward_vectorized(ConstView<T> x, View<T> y) override {
        vectorized_kernels<T>().softplus_forward(x, T(beta_), T(threshold_), y);
    }
    void backward_loop(ConstView<T> x, ConstView<T>, ConstView<T> dy, View<T> dx) override {
        loop_kernels<T>().softplus_backward(x, dy, T(beta_), T(threshold_), dx);
    }
    void backward_vectorized(ConstView<T> x, ConstView<T>, ConstView<T> dy, View<T> dx) override {
        vectorized_kernels<T>().softplus_backward(x, dy, T(beta_), T(threshold_), dx);
    }

private:
    double beta_, threshold_;
};

}  // namespace vecnn
