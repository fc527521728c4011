// make_optimizer: an optimizer chosen by name, for the command line.
//   "sgd"  -> SGD(lr, momentum, dampening, weight_decay, nesterov)   (sgd.hpp)
//   "adam" -> Adam(lr, beta1, beta2, eps, weight_decay)              (adam.hpp)
// One options struct holds the union of both optimizers' options. An option
// the chosen optimizer does not have must keep its default: a CLI user who
// passes --momentum to Adam gets an error, not a silently ignored flag.
// Unknown names and invalid values throw std::invalid_argument.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vecnn/nn/optimizer_base.hpp"

namespace vecnn {

struct OptimizerOptions {
    std::optional<double> lr;  // unset: the optimizer's default (sgd 0.01, adam 1e-3)
    double weight_decay = 0;   // both
    double momentum = 0;       // sgd only
    double dampening = 0;      // sgd only
    bool nesterov = false;     // sgd only
    double beta1 = 0.9;        // adam only
    double beta2 = 0.999;      // adam only
    double eps = 1e-8;         // adam only
};

// The names make_optimizer accepts: {"sgd", "adam"}.
const std::vector<std::string>& optimizer_names();

// The model must outlive the optimizer.
template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(Layer<T>& model, const std::string& name,
                                             const OptimizerOptions& options = {});

}  // namespace vecnn
