#include "vecnn/nn/optimizer_factory.hpp"

#include <stdexcept>

#include "vecnn/nn/adam.hpp"
#include "vecnn/nn/sgd.hpp"

namespace vecnn {

namespace {

// Throws unless an option foreign to `optimizer` was left at its default.
void require_default(bool is_default, const std::string& optimizer, const char* option) {
    if (!is_default) {
        throw std::invalid_argument("optimizer \"" + optimizer + "\" has no option " + option);
    }
}

}  // namespace

const std::vector<std::string>& optimizer_names() {
    static const std::vector<std::string> names{"sgd", "adam"};
    return names;
}

template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(Layer<T>& model, const std::string& name,
                                             const OptimizerOptions& options) {
    const OptimizerOptions defaults;
    if (name == "sgd") {
        require_default(options.beta1 == defaults.beta1, name, "beta1");
        require_default(options.beta2 == defaults.beta2, name, "beta2");
        require_default(options.eps == defaults.eps, name, "eps");
        SgdOptions o;
        o.lr = options.lr.value_or(o.lr);
        o.momentum = options.momentum;
        o.dampening = options.dampening;
        o.weight_decay = options.weight_decay;
        o.nesterov = options.nesterov;
        return std::make_unique<SGD<T>>(model, o);
    }
    if (name == "adam") {
        require_default(options.momentum == defaults.momentum, name, "momentum");
        require_default(options.dampening == defaults.dampening, name, "dampening");
        require_default(options.nesterov == defaults.nesterov, name, "nesterov");
        AdamOptions o;
        o.lr = options.lr.value_or(o.lr);
        o.beta1 = options.beta1;
        o.beta2 = options.beta2;
        o.eps = options.eps;
        o.weight_decay = options.weight_decay;
        return std::make_unique<Adam<T>>(model, o);
    }
    throw std::invalid_argument("unknown optimizer \"" + name + "\" (expected \"sgd\" or \"adam\")");
}

template std::unique_ptr<Optimizer<float>> make_optimizer(Layer<float>&, const std::string&, const OptimizerOptions&);
template std::unique_ptr<Optimizer<double>> make_optimizer(Layer<double>&, const std::string&,
                                                           const OptimizerOptions&);

}  // namespace vecnn
