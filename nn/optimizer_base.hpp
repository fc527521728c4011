// Optimizer<T>: the interface of every optimizer (sgd.hpp, adam.hpp).
//
// An optimizer works on the model's ONE flat parameter block and its
// gradient block (Layer::parameter_data()/gradient_data(), parameter_count()
// elements each): every step is a single pass over them, with no per-layer
// bookkeeping. Its state buffers (momentum, moments) are flat arrays of the
// same length, allocated once in the constructor, so step() allocates nothing.
// The rules are those of torch.optim (see sgd.hpp, adam.hpp); hyperparameters
// are doubles like PyTorch's Python floats and are rounded to T where PyTorch
// rounds them to the tensor's dtype.
//
// State for resuming bit for bit is a list of named arrays in the model's
// dtype T: "step" (one element, the number of steps taken) followed by the
// optimizer's buffers, each parameter_count() long. load_state() takes
// exactly the arrays state() returns, or throws naming what differs.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "vecnn/nn/layer.hpp"

namespace vecnn {

// Named flat arrays, in a fixed order, e.g. {{"step", {3}}, {"exp_avg", {...}}, ...}.
template <class T>
using OptimizerState = std::vector<std::pair<std::string, std::vector<T>>>;

template <class T>
class Optimizer {
public:
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;
    virtual ~Optimizer() = default;

    virtual std::string name() const = 0;      // "sgd" | "adam"
    virtual std::string describe() const = 0;  // name and every hyperparameter, for logs
    // Every hyperparameter but lr, as (name, value) in a fixed order: what a
    // resumed run must share with the run that wrote its checkpoint.
    virtual std::vector<std::pair<std::string, std::string>> settings() const { return {}; }

    // One update from the gradients now in the model. Throws std::logic_error
    // if the model's parameter count changed since the optimizer was built.
    void step();
    // Clears the model's gradients (backward accumulates into them).
    void zero_grad() { model_.zero_grad(); }
    std::size_t steps_taken() const { return steps_; }

    double lr() const { return lr_; }
    // Takes effect from the next step(), as assigning param_groups[0]["lr"]
    // in PyTorch. Throws std::invalid_argument unless finite and >= 0.
    void set_lr(double lr);

    Layer<T>& model() { return model_; }
    const Layer<T>& model() const { return model_; }

    // "step" first, then the optimizer's buffers in order (state_names()).
    // Throws std::overflow_error if steps_taken() is not exactly
    // representable in T (float: more than 2^24 steps).
    OptimizerState<T> state() const;
    // Restores a state() of an optimizer of the same kind on a model of the
    // same size. Checks everything before changing anything; on a mismatch
    // (missing, unknown or repeated name, wrong length, bad step value)
    // throws std::invalid_argument naming the array, expected and found.
    void load_state(const OptimizerState<T>& state);
    std::vector<std::string> state_names() const;

protected:
    // `title` names the optimizer in error messages ("SGD", "Adam").
    // Checks lr as set_lr does.
    Optimizer(Layer<T>& model, double lr, const char* title);

    // Applies step number `step` (1 for the first) to the n parameters that
    // start at element `offset` of the flat block (`parameters` and
    // `gradients` point there already; state buffers are offset by it).
    // Elements are independent, so step() may split the block over threads.
    virtual void update(T* parameters, const T* gradients, std::size_t n, std::size_t step, std::size_t offset) = 0;

    // For derived constructors: a zero-filled state buffer of parameter_count()
    // elements, saved and loaded under `name`. Returns its index for buffer().
    std::size_t add_buffer(const std::string& name);
    T* buffer(std::size_t index) { return buffers_[index].second.data(); }

    std::size_t size() const { return size_; }
    const char* title() const { return title_; }

private:
    Layer<T>& model_;
    std::size_t size_;  // parameter_count() when built: buffers have this length
    double lr_;
    const char* title_;
    std::size_t steps_ = 0;
    OptimizerState<T> buffers_;  // the state minus "step"
};

namespace detail {
// Throws std::invalid_argument("<optimizer>: invalid <option> <value> (must be <rule>)") unless ok.
void check_option(bool ok, const char* optimizer, const char* option, double value, const std::string& rule);
// A hyperparameter must be finite as a double and in the model's type T:
// 1e39 is a double, but infinity in float32.
template <class T>
bool finite_in(double value) {
    return std::isfinite(value) && std::isfinite(static_cast<T>(value));
}
// "finite in float32 and >= 0" (`more` empty: "finite in float32").
template <class T>
std::string finite_rule(const std::string& more) {
    return std::string(sizeof(T) == 4 ? "finite in float32, the model's type" : "finite") +
           (more.empty() ? "" : " and " + more);
}
}  // namespace detail

}  // namespace vecnn
