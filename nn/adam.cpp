#include "vecnn/nn/adam.hpp"

#include <cmath>

#include "vecnn/nn/fused_multiply_add.hpp"
#include "vecnn/nn/layer_spec.hpp"

namespace vecnn {

namespace {

template <class T>
struct AdamCoefficients {
    T beta1, one_minus_beta1, beta2, one_minus_beta2, weight_decay, eps;
    T bias_correction2_sqrt, neg_step_size;
};

// One pass over the flat block; weight decay is a template parameter so the
// loop has no branch and vectorises.
template <bool Decay, class T>
void adam_pass(T* __restrict p, const T* __restrict grad, T* __restrict m, T* __restrict v, std::size_t n,
               const AdamCoefficients<T>& c) {
    using detail::fused_multiply_add;
    for (std::size_t i = 0; i < n; ++i) {
        T g = grad[i];
        if constexpr (Decay) g = fused_multiply_add(c.weight_decay, p[i], g);  // grad.add(p, alpha=wd)
        m[i] = fused_multiply_add(c.one_minus_beta1, g, m[i] * c.beta1);       // mul_(b1).add_(g, alpha=1-b1)
        v[i] = fused_multiply_add(c.one_minus_beta2 * g, g, v[i] * c.beta2);   // mul_(b2).addcmul_(g, g, value=1-b2)
        const T denom = std::sqrt(v[i]) / c.bias_correction2_sqrt + c.eps;    // (v.sqrt() / bc2_sqrt).add_(eps)
        p[i] = p[i] + (c.neg_step_size * m[i]) / denom;                       // addcdiv_(m, denom, value=-step_size)
    }
}

}  // namespace

namespace {

// Adam's and AdamW's option rules (PyTorch's, and finite).
template <class T, class Options>
void check_adam_options(const Options& options, const char* title) {
    using detail::check_option;
    check_option(detail::finite_in<T>(options.eps) && options.eps >= 0, title, "eps", options.eps,
                 detail::finite_rule<T>(">= 0"));
    check_option(options.beta1 >= 0 && options.beta1 < 1, title, "beta1", options.beta1, "in [0, 1)");
    check_option(options.beta2 >= 0 && options.beta2 < 1, title, "beta2", options.beta2, "in [0, 1)");
    check_option(detail::finite_in<T>(options.weight_decay) && options.weight_decay >= 0, title, "weight_decay",
                 options.weight_decay, detail::finite_rule<T>(">= 0"));
}

// The coefficients of step `step` (PyTorch computes them from Python floats,
// i.e. doubles, `beta ** step` with C's pow, and rounds them to the dtype
// only inside the kernels); `decay` is Adam's L2 term (0 for AdamW).
template <class T, class Options>
AdamCoefficients<T> adam_coefficients(const Options& o, double lr, double decay, std::size_t step) {
    const double t = static_cast<double>(step);
    const double bias_correction1 = 1.0 - std::pow(o.beta1, t);
    const double bias_correction2 = 1.0 - std::pow(o.beta2, t);
    const double step_size = lr / bias_correction1;
    return {static_cast<T>(o.beta1),     static_cast<T>(1.0 - o.beta1),
            static_cast<T>(o.beta2),     static_cast<T>(1.0 - o.beta2),
            static_cast<T>(decay),       static_cast<T>(o.eps),
            static_cast<T>(std::sqrt(bias_correction2)), static_cast<T>(-step_size)};
}

}  // namespace

template <class T>
Adam<T>::Adam(Layer<T>& model, AdamOptions options) : Optimizer<T>(model, options.lr, "Adam"), options_(options) {
    check_adam_options<T>(options, "Adam");
    exp_avg_ = this->add_buffer("exp_avg");
    exp_avg_sq_ = this->add_buffer("exp_avg_sq");
}

template <class T>
AdamOptions Adam<T>::options() const {
    AdamOptions o = options_;
    o.lr = this->lr();
    return o;
}

template <class T>
std::string Adam<T>::describe() const {
    return "adam(lr=" + format_number(this->lr()) + ", beta1=" + format_number(options_.beta1) +
           ", beta2=" + format_number(options_.beta2) + ", eps=" + format_number(options_.eps) +
           ", weight_decay=" + format_number(options_.weight_decay) + ")";
}

template <class T>
void Adam<T>::update(T* parameters, const T* gradients, std::size_t n, std::size_t step, std::size_t offset) {
    const AdamCoefficients<T> c = adam_coefficients<T>(options_, this->lr(), options_.weight_decay, step);
    T* m = this->buffer(exp_avg_) + offset;
    T* v = this->buffer(exp_avg_sq_) + offset;
    if (options_.weight_decay != 0) adam_pass<true>(parameters, gradients, m, v, n, c);
    else adam_pass<false>(parameters, gradients, m, v, n, c);
}

template <class T>
AdamW<T>::AdamW(Layer<T>& model, AdamWOptions options) : Optimizer<T>(model, options.lr, "AdamW"), options_(options) {
    check_adam_options<T>(options, "AdamW");
    exp_avg_ = this->add_buffer("exp_avg");
    exp_avg_sq_ = this->add_buffer("exp_avg_sq");
}

template <class T>
AdamWOptions AdamW<T>::options() const {
    AdamWOptions o = options_;
    o.lr = this->lr();
    return o;
}

template <class T>
std::string AdamW<T>::describe() const {
    return "adamw(lr=" + format_number(this->lr()) + ", beta1=" + format_number(options_.beta1) +
           ", beta2=" + format_number(options_.beta2) + ", eps=" + format_number(options_.eps) +
           ", weight_decay=" + format_number(options_.weight_decay) + ")";
}

template <class T>
void AdamW<T>::update(T* parameters, const T* gradients, std::size_t n, std::size_t step, std::size_t offset) {
    if (options_.weight_decay != 0) {
        const T keep = static_cast<T>(1.0 - this->lr() * options_.weight_decay);  // param.mul_(1 - lr * wd)
        for (std::size_t i = 0; i < n; ++i) parameters[i] = parameters[i] * keep;
    }
    const AdamCoefficients<T> c = adam_coefficients<T>(options_, this->lr(), 0.0, step);
    adam_pass<false>(parameters, gradients, this->buffer(exp_avg_) + offset, this->buffer(exp_avg_sq_) + offset, n,
                     c);
}

namespace {
template <class Options>
std::vector<std::pair<std::string, std::string>> adam_settings(const Options& o) {
    return {{"weight_decay", format_number(o.weight_decay)},
            {"beta1", format_number(o.beta1)},
            {"beta2", format_number(o.beta2)},
            {"eps", format_number(o.eps)}};
}
}  // namespace

template <class T>
std::vector<std::pair<std::string, std::string>> Adam<T>::settings() const {
    return adam_settings(options_);
}

template <class T>
std::vector<std::pair<std::string, std::string>> AdamW<T>::settings() const {
    return adam_settings(options_);
}

template class Adam<float>;
template class Adam<double>;
template class AdamW<float>;
template class AdamW<double>;

}  // namespace vecnn
