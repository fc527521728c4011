#include "vecnn/nn/adagrad.hpp"

#include <algorithm>
#include <cmath>

#include "vecnn/nn/fused_multiply_add.hpp"
#include "vecnn/nn/layer_spec.hpp"

namespace vecnn {

template <class T>
Adagrad<T>::Adagrad(Layer<T>& model, AdagradOptions options)
    : Optimizer<T>(model, options.lr, "Adagrad"), options_(options) {
    using detail::check_option;
    const std::string rule = detail::finite_rule<T>(">= 0");
    check_option(detail::finite_in<T>(options.lr_decay) && options.lr_decay >= 0, "Adagrad", "lr_decay",
                 options.lr_decay, rule);
    check_option(detail::finite_in<T>(options.weight_decay) && options.weight_decay >= 0, "Adagrad", "weight_decay",
                 options.weight_decay, rule);
    check_option(detail::finite_in<T>(options.initial_accumulator_value) && options.initial_accumulator_value >= 0,
                 "Adagrad", "initial_accumulator_value", options.initial_accumulator_value, rule);
    check_option(detail::finite_in<T>(options.eps) && options.eps >= 0, "Adagrad", "eps", options.eps, rule);
    sum_ = this->add_buffer("sum");
    T* s = this->buffer(sum_);
    std::fill(s, s + this->size(), static_cast<T>(options.initial_accumulator_value));  // torch.full_like
}

template <class T>
AdagradOptions Adagrad<T>::options() const {
    AdagradOptions o = options_;
    o.lr = this->lr();
    return o;
}

template <class T>
std::string Adagrad<T>::describe() const {
    return "adagrad(lr=" + format_number(this->lr()) + ", lr_decay=" + format_number(options_.lr_decay) +
           ", weight_decay=" + format_number(options_.weight_decay) +
           ", initial_accumulator_value=" + format_number(options_.initial_accumulator_value) +
           ", eps=" + format_number(options_.eps) + ")";
}

template <class T>
void Adagrad<T>::update(T* p, const T* grad, std::size_t n, std::size_t step, std::size_t offset) {
    using detail::fused_multiply_add;
    // A Python float in PyTorch: computed in double, rounded to T in the kernel.
    const double clr = this->lr() / (1.0 + static_cast<double>(step - 1) * options_.lr_decay);
    const T neg_clr = static_cast<T>(-clr), eps = static_cast<T>(options_.eps);
    const T weight_decay = static_cast<T>(options_.weight_decay);
    const bool decay = options_.weight_decay != 0;
    T* s = this->buffer(sum_) + offset;
    for (std::size_t i = 0; i < n; ++i) {
        T g = grad[i];
        if (decay) g = fused_multiply_add(weight_decay, p[i], g);  // grad.add(p, alpha=wd)
        s[i] = fused_multiply_add(g, g, s[i]);                      // sum.addcmul_(g, g, value=1)
        const T std_dev = std::sqrt(s[i]) + eps;                    // sum.sqrt().add_(eps)
        p[i] = p[i] + (neg_clr * g) / std_dev;                      // p.addcdiv_(g, std, value=-clr)
    }
}

template <class T>
std::vector<std::pair<std::string, std::string>> Adagrad<T>::settings() const {
    return {{"weight_decay", format_number(options_.weight_decay)},
            {"lr_decay", format_number(options_.lr_decay)},
            {"initial_accumulator_value", format_number(options_.initial_accumulator_value)},
            {"eps", format_number(options_.eps)}};
}

template class Adagrad<float>;
template class Adagrad<double>;

}  // namespace vecnn
