#include "vecnn/nn/optimizer_factory.hpp"

#include <stdexcept>
#include <utility>

#include "vecnn/nn/adagrad.hpp"
#include "vecnn/nn/adam.hpp"
#include "vecnn/nn/rmsprop.hpp"
#include "vecnn/nn/sgd.hpp"

namespace vecnn {

namespace {
// The options each optimizer has besides lr (all have weight_decay).
struct Accepts {
    bool momentum = false, dampening = false, nesterov = false, betas = false, eps = false, alpha = false,
         centered = false, lr_decay = false, initial_accumulator_value = false;
};

// Throws naming the first option given that `name` does not have.
void require_only(const OptimizerOptions& o, const std::string& name, const Accepts& a) {
    const OptimizerOptions d;
    const std::pair<bool, const char*> foreign[] = {
        {!a.momentum && o.momentum != d.momentum, "momentum"},
        {!a.dampening && o.dampening != d.dampening, "dampening"},
        {!a.nesterov && o.nesterov != d.nesterov, "nesterov"},
        {!a.betas && o.beta1 != d.beta1, "beta1"},
        {!a.betas && o.beta2 != d.beta2, "beta2"},
        {!a.eps && o.eps.has_value(), "eps"},
        {!a.alpha && o.alpha != d.alpha, "alpha"},
        {!a.centered && o.centered != d.centered, "centered"},
        {!a.lr_decay && o.lr_decay != d.lr_decay, "lr_decay"},
        {!a.initial_accumulator_value && o.initial_accumulator_value != d.initial_accumulator_value,
         "initial_accumulator_value"},
    };
    for (const auto& [given, option] : foreign) {
        if (given) throw std::invalid_argument("optimizer \"" + name + "\" has no option " + option);
    }
}

template <class Options>
Options adam_like(const OptimizerOptions& o) {
    Options a;
    a.lr = o.lr.value_or(a.lr);
    a.beta1 = o.beta1;
    a.beta2 = o.beta2;
    a.eps = o.eps.value_or(a.eps);
    a.weight_decay = o.weight_decay.value_or(a.weight_decay);
    return a;
}
}  // namespace

const std::vector<std::string>& optimizer_names() {
    static const std::vector<std::string> names{"sgd", "adam", "adamw", "rmsprop", "adagrad"};
    return names;
}

template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(Layer<T>& model, const std::string& name,
                                             const OptimizerOptions& options) {
    Accepts accepts;
    if (name == "sgd") {
        accepts.momentum = accepts.dampening = accepts.nesterov = true;
        require_only(options, name, accepts);
        SgdOptions o;
        o.lr = options.lr.value_or(o.lr);
        o.momentum = options.momentum;
        o.dampening = options.dampening;
        o.weight_decay = options.weight_decay.value_or(o.weight_decay);
        o.nesterov = options.nesterov;
        return std::make_unique<SGD<T>>(model, o);
    }
    if (name == "adam" || name == "adamw") {
        accepts.betas = accepts.eps = true;
        require_only(options, name, accepts);
        if (name == "adam") return std::make_unique<Adam<T>>(model, adam_like<AdamOptions>(options));
        return std::make_unique<AdamW<T>>(model, adam_like<AdamWOptions>(options));
    }
    if (name == "rmsprop") {
        accepts.momentum = accepts.eps = accepts.alpha = accepts.centered = true;
        require_only(options, name, accepts);
        RmspropOptions o;
        o.lr = options.lr.value_or(o.lr);
        o.alpha = options.alpha;
        o.eps = options.eps.value_or(o.eps);
        o.weight_decay = options.weight_decay.value_or(o.weight_decay);
        o.momentum = options.momentum;
        o.centered = options.centered;
        return std::make_unique<RMSprop<T>>(model, o);
    }
    if (name == "adagrad") {
        accepts.eps = accepts.lr_decay = accepts.initial_accumulator_value = true;
        require_only(options, name, accepts);
        AdagradOptions o;
        o.lr = options.lr.value_or(o.lr);
        o.lr_decay = options.lr_decay;
        o.weight_decay = options.weight_decay.value_or(o.weight_decay);
        o.initial_accumulator_value = options.initial_accumulator_value;
        o.eps = options.eps.value_or(o.eps);
        return std::make_unique<Adagrad<T>>(model, o);
    }
    throw std::invalid_argument("unknown optimizer \"" + name +
                                "\" (expected \"sgd\", \"adam\", \"adamw\", \"rmsprop\" or \"adagrad\")");
}

template std::unique_ptr<Optimizer<float>> make_optimizer(Layer<float>&, const std::string&, const OptimizerOptions&);
template std::unique_ptr<Optimizer<double>> make_optimizer(Layer<double>&, const std::string&,
                                                           const OptimizerOptions&);

}  // namespace vecnn
