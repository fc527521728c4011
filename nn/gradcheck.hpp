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
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/layer.hpp"
#include "nn/loss.hpp"

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
    std::string reason;  // why it failed; empty when it passed

    std::string summary() const;  // one line
    std::string table() const;    // one row per tensor, then the worst element
};

// f = sum(G * layer(input)), G random from options.seed.
GradCheckReport check_gradients(Layer<double>& layer, const Matrix<double>& input, const GradCheckOptions& options = {});
// f = loss(predictions, targets); checks the gradient with respect to the predictions.
GradCheckReport check_gradients(Loss<double>& loss, const Matrix<double>& predictions, const Targets<double>& targets,
                                const GradCheckOptions& options = {});
// f = loss(model(input), targets); parameters and input.
GradCheckReport check_gradients(Layer<double>& model, Loss<double>& loss, const Matrix<double>& input,
                                const Targets<double>& targets, const GradCheckOptions& options = {});

}  // namespace vecnn
