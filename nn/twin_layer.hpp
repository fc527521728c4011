// TwinLayer: how a layer is written, built-in or your own. A layer states its
// math twice, once per engine, and this base does everything else: output
// and input-gradient buffers (resized only when the batch size changes, so a
// steady-state step allocates nothing), shape checks with clear messages,
// keeping the input for backward, and running the hooks of the engine chosen
// by set_engine().
//
// The contract of the hooks (rows are samples; x (batch, in), y (batch, out),
// dy and dx shaped like y and x; in = x.cols(), out = output_features(in)):
//   forward_loop(x, y), forward_vectorized(x, y)
//       fill every element of y from x and the parameters.
//   backward_loop(x, y, dy, dx), backward_vectorized(x, y, dy, dx)
//       x and y are the last forward's input and output, dy the gradient of
//       the objective with respect to y. Fill every element of dx with the
//       gradient with respect to x, and ADD the parameter gradients into
//       this->gradient(i) (backward accumulates; zero_grad() clears).
//   The loop hooks are the reference: plain loops over rows and elements, no
//   BLAS, no xtensor expressions. The vectorized hooks work on the whole
//   batch at once (xtensor expressions through vecnn::adapt, BLAS through
//   kernels<T>(Engine::vectorized)). Both must compute the same math;
//   check_layer (layer_check.hpp) tests exactly that, and each against finite
//   differences. When one implementation serves both engines, derive from
//   SingleImplementationLayer instead.
// Parameters: declare them in the constructor with declare_parameter(name, dims)
// and then allocate_parameters(); they are saved and loaded under
// "<position>.<name>" like a torch.nn.Sequential state_dict.
// Widths: override input_features() if the layer takes a fixed number of
// features per row, and output_features(in) if its output width differs from in.
// Also override describe() to return the layer's model-spec token, e.g. "swish(1.5)".
#pragma once

#include "vecnn/nn/layer.hpp"

namespace vecnn {

template <class T>
class TwinLayer : public Layer<T> {
public:
    const Matrix<T>& forward(ConstView<T> input) final;
    const Matrix<T>& backward(ConstView<T> output_gradient, bool need_input_gradient = true) final;

protected:
    virtual void forward_loop(ConstView<T> x, View<T> y) = 0;
    virtual void forward_vectorized(ConstView<T> x, View<T> y) = 0;
    virtual void backward_loop(ConstView<T> x, ConstView<T> y, ConstView<T> dy, View<T> dx) = 0;
    virtual void backward_vectorized(ConstView<T> x, ConstView<T> y, ConstView<T> dy, View<T> dx) = 0;

    // False while a backward runs whose caller does not use dx (the model's first
    // layer): a layer may then skip computing it. Layers without parameters are
    // not called at all then.
    bool input_gradient_wanted() const { return input_gradient_wanted_; }

    // Throws std::invalid_argument when the layer cannot take `input` (the
    // default checks its width against input_features(), naming both).
    virtual void check_input(ConstView<T> input) const;

private:
    ConstView<T> input_;  // what forward saw; the caller keeps it alive until backward
    Matrix<T> output_;
    Matrix<T> input_gradient_;
    bool has_forward_ = false;
    bool input_gradient_wanted_ = true;
};

// A layer whose one implementation serves both engines (say, because it is
// elementwise and simple enough that a loop is also its fastest form):
// implement forward_both_engines and backward_both_engines, with the contract
// of TwinLayer's hooks. has_loop_twin() is false, so check_layer reports that
// the engines cannot differ instead of comparing them.
template <class T>
class SingleImplementationLayer : public TwinLayer<T> {
public:
    bool has_loop_twin() const final { return false; }

protected:
    virtual void forward_both_engines(ConstView<T> x, View<T> y) = 0;
    virtual void backward_both_engines(ConstView<T> x, ConstView<T> y, ConstView<T> dy, View<T> dx) = 0;

private:
    void forward_loop(ConstView<T> x, View<T> y) final { forward_both_engines(x, y); }
    void forward_vectorized(ConstView<T> x, View<T> y) final { forward_both_engines(x, y); }
    void backward_loop(ConstView<T> x, ConstView<T> y, ConstView<T> dy, View<T> dx) final {
        backward_both_engines(x, y, dy, dx);
    }
    void backward_vectorized(ConstView<T> x, ConstView<T> y, ConstView<T> dy, View<T> dx) final {
        backward_both_engines(x, y, dy, dx);
    }
};

}  // namespace vecnn
