#include "vecnn/nn/rmsprop.hpp"

#include <cmath>

#include "vecnn/nn/fused_multiply_add.hpp"
#include "vecnn/nn/layer_spec.hpp"

namespace vecnn {

template <class T>
RMSprop<T>::RMSprop(Layer<T>& model, RmspropOptions options)
    : Optimizer<T>(model, options.lr, "RMSprop"), options_(options) {
    using detail::check_option;
    const std::string rule = detail::finite_rule<T>(">= 0");
    check_option(detail::finite_in<T>(options.eps) && options.eps >= 0, "RMSprop", "eps", options.eps, rule);
    check_option(detail::finite_in<T>(options.alpha) && options.alpha >= 0, "RMSprop", "alpha", options.alpha, rule);
    check_option(detail::finite_in<T>(options.momentum) && options.momentum >= 0, "RMSprop", "momentum",
                 options.momentum, rule);
    check_option(detail::finite_in<T>(options.weight_decay) && options.weight_decay >= 0, "RMSprop", "weight_decay",
                 options.weight_decay, rule);
    square_avg_ = this->add_buffer("square_avg");
    if (options.momentum > 0) momentum_buffer_ = this->add_buffer("momentum_buffer");
    if (options.centered) grad_avg_ = this->add_buffer("grad_avg");
}

template <class T>
RmspropOptions RMSprop<T>::options() const {
    RmspropOptions o = options_;
    o.lr = this->lr();
    return o;
}

template <class T>
std::string RMSprop<T>::describe() const {
    return "rmsprop(lr=" + format_number(this->lr()) + ", alpha=" + format_number(options_.alpha) +
           ", eps=" + format_number(options_.eps) + ", weight_decay=" + format_number(options_.weight_decay) +
           ", momentum=" + format_number(options_.momentum) + ", centered=" + (options_.centered ? "true" : "false") +
           ")";
}

template <class T>
void RMSprop<T>::update(T* p, const T* grad, std::size_t n, std::size_t, std::size_t offset) {
    using detail::fused_multiply_add;
    const T alpha = static_cast<T>(options_.alpha), one_minus_alpha = static_cast<T>(1.0 - options_.alpha);
    const T eps = static_cast<T>(options_.eps), weight_decay = static_cast<T>(options_.weight_decay);
    const T momentum = static_cast<T>(options_.momentum), neg_lr = static_cast<T>(-this->lr());
    const bool decay = options_.weight_decay != 0, centered = options_.centered, with_momentum = options_.momentum > 0;
    T* v = this->buffer(square_avg_) + offset;
    T* b = with_momentum ? this->buffer(momentum_buffer_) + offset : nullptr;
    T* a = centered ? this->buffer(grad_avg_) + offset : nullptr;
    for (std::size_t i = 0; i < n; ++i) {
        T g = grad[i];
        if (decay) g = fused_multiply_add(weight_decay, p[i], g);            // grad.add(p, alpha=wd)
        v[i] = fused_multiply_add(one_minus_alpha * g, g, v[i] * alpha);    // mul_(alpha).addcmul_(g, g, value=1-alpha)
        T avg;
        if (centered) {
            a[i] = fused_multiply_add(one_minus_alpha, g, a[i] * alpha);     // mul_(alpha).add_(g, alpha=1-alpha)
            avg = std::sqrt(fused_multiply_add(-a[i], a[i], v[i]));          // v.addcmul(a, a, value=-1).sqrt_()
        } else {
            avg = std::sqrt(v[i]);
        }
        avg = avg + eps;                                                     // add_(eps)
        if (with_momentum) {
            b[i] = b[i] * momentum + g / avg;                                // mul_(momentum).addcdiv_(g, avg)
            p[i] = fused_multiply_add(neg_lr, b[i], p[i]);                   // p.add_(buf, alpha=-lr)
        } else {
            p[i] = p[i] + (neg_lr * g) / avg;                                // p.addcdiv_(g, avg, value=-lr)
        }
    }
}

template <class T>
std::vector<std::pair<std::string, std::string>> RMSprop<T>::settings() const {
    return {{"weight_decay", format_number(options_.weight_decay)}, {"alpha", format_number(options_.alpha)},
            {"eps", format_number(options_.eps)},                   {"momentum", format_number(options_.momentum)},
            {"centered", options_.centered ? "true" : "false"}};
}

template class RMSprop<float>;
template class RMSprop<double>;

}  // namespace vecnn
