// make_optimizer: an optimizer chosen by name, for the command line.
//   "sgd"     -> SGD(lr, momentum, dampening, weight_decay, nesterov)             (sgd.hpp)
//   "adam"    -> Adam(lr, beta1, beta2, eps, weight_decay)                        (adam.hpp)
//   "adamw"   -> AdamW(lr, beta1, beta2, eps, weight_decay)                       (adam.hpp)
//   "rmsprop" -> RMSprop(lr, alpha, eps, weight_decay, momentum, centered)        (rmsprop.hpp)
//   "adagrad" -> Adagrad(lr, lr_decay, weight_decay, initial_accumulator_value, eps) (adagrad.hpp)
// One options struct holds the union of all optimizers' options; unset ones
// take the chosen optimizer's PyTorch default. An option the chosen optimizer
// does not have must keep its default: a CLI user who passes --momentum to
// Adam gets an error, not a silently ignored flag. Unknown names and invalid
// values throw std::invalid_argument.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vecnn/nn/optimizer_base.hpp"

namespace vecnn {

struct OptimizerOptions {
    std::optional<double> lr;            // unset: the optimizer's default (sgd 0.01, adam 1e-3, ...)
    std::optional<double> weight_decay;  // all; unset: 0 (adamw: 0.01)
    double momentum = 0;                 // sgd, rmsprop
    double dampening = 0;                // sgd
    bool nesterov = false;               // sgd
    double beta1 = 0.9;                  // adam, adamw
    double beta2 = 0.999;                // adam, adamw
    std::optional<double> eps;           // adam, adamw, rmsprop (1e-8), adagrad (1e-10)
    double alpha = 0.99;                 // rmsprop
    bool centered = false;               // rmsprop
    double lr_decay = 0;                 // adagrad
    double initial_accumulator_value = 0;  // adagrad
};

// The names make_optimizer accepts: {"sgd", "adam", "adamw", "rmsprop", "adagrad"}.
const std::vector<std::string>& optimizer_names();

// The model must outlive the optimizer.
template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(Layer<T>& model, const std::string& name,
                                             const OptimizerOptions& options = {});

}  // namespace vecnn
