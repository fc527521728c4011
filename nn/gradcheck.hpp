// Finite-difference gradient checker, in double, for any layer, loss or model.
//
// Central differences n = (f(x + eps) - f(x - eps)) / 2 eps against the
// analytic gradient a from backward, for every parameter element AND every
// input element, per element |a - n| <= atol + rtol |n| (PyTorch gradcheck's
// defaults for double). A layer is checked through a random upstream
// gradient G (the vector-Jacobian product f = sum(G * layer(X))), so batch
// rows and outputs are all mixed in. The check refuses to pass when any
// checked tensor's analytic gradient is all zero (it would prove nothing),
// unless allow_zero_gradient is set. Parameter gradients are cleared first.
// The layer or model runs on the engine it is set to; check_layer
// (layer_check.hpp) checks a layer on both engines in one call.
//
// When the check of a model (a Sequential) fails, each layer is then checked
// on its own, on the input it saw in the model, and the report names the
// first layer that fails (its position and spec token), then the loss if no
// layer does: a wrong backward shows up in the tensors before it, so the
// worst tensor alone would point at the wrong layer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vecnn/nn/layer.hpp"
#include "vecnn/nn/loss.hpp"

namespace vecnn {

struct GradCheckOptions {
    double eps = 1e-6;
    double atol = 1e-5;
    double rtol = 1e-3;
    bool check_input = true;            // also the gradient with respect to the input
    bool allow_zero_gradient = false;   // see above
    std::uint64_t seed = 1;             // for the random upstream gradient
};

struct TensorCheck {
    std::string name;          // "input" or a parameter key such as "0.weight"
    std::size_t elements = 0;
    double max_abs_error = 0;  // max |a - n|
    double max_rel_error = 0;  // max |a - n| / max(|n|, tiny)
    std::size_t failures = 0;  // elements outside atol + rtol |n|
    bool all_zero = false;     // analytic gradient identically zero
};

struct GradCheckReport {
    bool passed = false;
    std::vector<TensorCheck> tensors;
    // The element furthest outside its tolerance (or closest to it, when all pass).
    std::string worst_tensor;
    std::size_t worst_index = 0;
    double worst_analytic = 0;
    double worst_numeric = 0;
    std::string worst_layer;  // "layer 2 'linear(8,3)'" when the worst tensor belongs to a layer of a Sequential
    std::string reason;  // why it failed; empty when it passed
    // After a failed check of a model: the first layer whose own check fails,
    // e.g. "layer 1 'swish(1.5)'" (or "loss 'mse'"), with its worst element;
    // empty when none fails on its own.
    std::string failing_layer;
    std::string failing_layer_detail;

    std::string summary() const;  // one line
    std::string table() const;    // one row per tensor, then the worst element
};

// f = sum(G * layer(input)), G random from options.seed.
GradCheckReport check_gradients(Layer<double>& layer, const Matrix<double>& input, const GradCheckOptions& options = {});
// f = loss(predictions, targets); checks the gradient with respect to the predictions.
GradCheckReport check_gradients(Loss<double>& loss, const Matrix<double>& predictions, const Targets<double>& targets,
                                const GradCheckOptions& options = {});
// f = loss(model(input), targets); parameters and input. The model and the
// loss must run the same engine (std::invalid_argument otherwise).
GradCheckReport check_gradients(Layer<double>& model, Loss<double>& loss, const Matrix<double>& input,
                                const Targets<double>& targets, const GradCheckOptions& options = {});

}  // namespace vecnn
