#include "vecnn/nn/optimizer_base.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "vecnn/nn/layer_spec.hpp"
#include "vecnn/tensor/threads.hpp"

namespace vecnn {


namespace detail {

void check_option(bool ok, const char* optimizer, const char* option, double value, const std::string& rule) {
    if (ok) return;
    throw std::invalid_argument(std::string(optimizer) + ": invalid " + option + " " + format_number(value) +
                                " (must be " + rule + ")");
}

}  // namespace detail

namespace {

std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "\"" : ", \"") + n + "\"";
    return out;
}

}  // namespace

template <class T>
Optimizer<T>::Optimizer(Layer<T>& model, double lr, const char* title)
    : model_(model), size_(model.parameter_count()), lr_(0), title_(title) {
    set_lr(lr);
}

template <class T>
void Optimizer<T>::set_lr(double lr) {
    detail::check_option(detail::finite_in<T>(lr) && lr >= 0, title_, "learning rate", lr, detail::finite_rule<T>(">= 0"));
    lr_ = lr;
}

template <class T>
std::size_t Optimizer<T>::add_buffer(const std::string& name) {
    buffers_.emplace_back(name, std::vector<T>(size_, T(0)));
    return buffers_.size() - 1;
}

template <class T>
void Optimizer<T>::step() {
    // The buffers were sized for the model as it was; a layer added since
    // (or a model swapped under us) would be read out of bounds.
    if (model_.parameter_count() != size_) {
        throw std::logic_error(std::string(title_) + ": the model has " + std::to_string(model_.parameter_count()) +
                               " parameters, the optimizer was built for " + std::to_string(size_));
    }
    ++steps_;
    // The update is memory-bound: split over the compute threads like every
    // pass over the parameters (threads.hpp), so each thread updates the
    // slice it computed the gradient of. Same bits as one pass.
    T* p = model_.parameter_data();
    const T* g = model_.gradient_data();
    const std::size_t step = steps_;
    for_each_block(size_, [&](std::size_t begin, std::size_t end) {
        update(p + begin, g + begin, end - begin, step, begin);
    });
}

template <class T>
std::vector<std::string> Optimizer<T>::state_names() const {
    std::vector<std::string> names{"step"};
    for (const auto& b : buffers_) names.push_back(b.first);
    return names;
}

template <class T>
OptimizerState<T> Optimizer<T>::state() const {
    const T step = static_cast<T>(steps_);
    if (static_cast<std::size_t>(step) != steps_) {
        throw std::overflow_error(std::string(title_) + ": step count " + std::to_string(steps_) +
                                  " is not exactly representable in the model's dtype");
    }
    OptimizerState<T> out;
    out.reserve(buffers_.size() + 1);
    out.emplace_back("step", std::vector<T>{step});
    for (const auto& b : buffers_) out.push_back(b);
    return out;
}

template <class T>
void Optimizer<T>::load_state(const OptimizerState<T>& state) {
    const std::vector<std::string> names = state_names();
    const std::string where = std::string(title_) + " state: ";
    // Find each expected array exactly once; reject anything else. Nothing
    // is modified until every check has passed.
    std::vector<const std::vector<T>*> found(names.size(), nullptr);
    for (const auto& [name, values] : state) {
        std::size_t k = 0;
        while (k < names.size() && names[k] != name) ++k;
        if (k == names.size()) {
            throw std::invalid_argument(where + "unexpected array \"" + name + "\" (expected " + join(names) + ")");
        }
        if (found[k]) throw std::invalid_argument(where + "array \"" + name + "\" appears twice");
        const std::size_t expected = k == 0 ? 1 : size_;
        if (values.size() != expected) {
            throw std::invalid_argument(where + "array \"" + name + "\" has " + std::to_string(values.size()) +
                                        " elements, expected " + std::to_string(expected));
        }
        found[k] = &values;
    }
    for (std::size_t k = 0; k < names.size(); ++k) {
        if (!found[k]) {
            throw std::invalid_argument(where + "missing array \"" + names[k] + "\" (expected " + join(names) + ")");
        }
    }
    const double step = static_cast<double>((*found[0])[0]);
    // 2^53: every integer below is exact in double; beyond, no dtype can be trusted.
    if (!(step >= 0 && step <= 9007199254740992.0 && std::floor(step) == step)) {
        throw std::invalid_argument(where + "array \"step\" holds " + format_number(step) +
                                    ", expected a whole number >= 0");
    }
    steps_ = static_cast<std::size_t>(step);
    for (std::size_t k = 1; k < names.size(); ++k) buffers_[k - 1].second = *found[k];  // same size: no reallocation
}

template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace vecnn
