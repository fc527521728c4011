#include "vecnn/nn/sgd.hpp"

#include <cmath>
#include <type_traits>

#include "vecnn/nn/fused_multiply_add.hpp"
#include "vecnn/nn/layer_spec.hpp"

namespace vecnn {

namespace {

template <class T>
struct SgdCoefficients {
    T neg_lr, momentum, keep, weight_decay;  // keep = 1 - dampening
};

// One pass over the flat block. The choices are template parameters so that
// each variant is a branch-free loop the compiler can vectorise.
template <bool Decay, bool Momentum, bool First, bool Nesterov, class T>
void sgd_pass(T* __restrict p, const T* __restrict grad, T* __restrict buf, std::size_t n,
              const SgdCoefficients<T>& c) {
    using detail::fused_multiply_add;
    for (std::size_t i = 0; i < n; ++i) {
        T g = grad[i];
        if constexpr (Decay) g = fused_multiply_add(c.weight_decay, p[i], g);  // grad.add(p, alpha=wd)
        if constexpr (Momentum) {
            T b = g;                                                          // torch.clone(d_p) on the first step
            if constexpr (!First) b = fused_multiply_add(c.keep, g, buf[i] * c.momentum);  // buf.mul_(m).add_(g, alpha=1-d)
            buf[i] = b;
            if constexpr (Nesterov) g = fused_multiply_add(c.momentum, b, g);  // d_p.add(buf, alpha=m)
            else g = b;
        }
        p[i] = fused_multiply_add(c.neg_lr, g, p[i]);  // p.add_(d_p, alpha=-lr)
    }
}

// Calls f(std::true_type{}) or f(std::false_type{}): a runtime flag becomes a template argument.
template <class F>
void with_flag(bool flag, F&& f) {
    if (flag) f(std::true_type{});
    else f(std::false_type{});
}

}  // namespace

template <class T>
SGD<T>::SGD(Layer<T>& model, SgdOptions options) : Optimizer<T>(model, options.lr, "SGD"), options_(options) {
    using detail::check_option;
    check_option(detail::finite_in<T>(options.momentum) && options.momentum >= 0, "SGD", "momentum", options.momentum,
                 detail::finite_rule<T>(">= 0"));
    check_option(detail::finite_in<T>(options.dampening), "SGD", "dampening", options.dampening, detail::finite_rule<T>(""));
    check_option(detail::finite_in<T>(options.weight_decay) && options.weight_decay >= 0, "SGD", "weight_decay",
                 options.weight_decay, detail::finite_rule<T>(">= 0"));
    if (options.nesterov) {
        check_option(options.momentum > 0, "SGD", "momentum", options.momentum, "> 0 with nesterov");
        check_option(options.dampening == 0, "SGD", "dampening", options.dampening, "0 with nesterov");
    }
    if (options.momentum != 0) momentum_buffer_ = this->add_buffer("momentum_buffer");
}

template <class T>
SgdOptions SGD<T>::options() const {
    SgdOptions o = options_;
    o.lr = this->lr();
    return o;
}

template <class T>
std::string SGD<T>::describe() const {
    return "sgd(lr=" + format_number(this->lr()) + ", momentum=" + format_number(options_.momentum) +
           ", dampening=" + format_number(options_.dampening) + ", weight_decay=" +
           format_number(options_.weight_decay) + ", nesterov=" + (options_.nesterov ? "true" : "false") + ")";
}

template <class T>
void SGD<T>::update(T* parameters, const T* gradients, std::size_t n, std::size_t step, std::size_t offset) {
    // Hyperparameters are Python floats in PyTorch, converted to the tensor's
    // dtype by each kernel: 1 - dampening is formed in double, then rounded.
    const SgdCoefficients<T> c{static_cast<T>(-this->lr()), static_cast<T>(options_.momentum),
                               static_cast<T>(1.0 - options_.dampening), static_cast<T>(options_.weight_decay)};
    const bool momentum = options_.momentum != 0;
    T* buf = momentum ? this->buffer(momentum_buffer_) + offset : nullptr;
    with_flag(options_.weight_decay != 0, [&](auto decay) {
        with_flag(momentum, [&](auto with_momentum) {
            with_flag(momentum && step == 1, [&](auto first) {
                with_flag(options_.nesterov, [&](auto nesterov) {
                    sgd_pass<decltype(decay)::value, decltype(with_momentum)::value, decltype(first)::value,
                             decltype(nesterov)::value>(parameters, gradients, buf, n, c);
                });
            });
        });
    });
}

template <class T>
std::vector<std::pair<std::string, std::string>> SGD<T>::settings() const {
    return {{"weight_decay", format_number(options_.weight_decay)},
            {"momentum", format_number(options_.momentum)},
            {"dampening", format_number(options_.dampening)},
            {"nesterov", options_.nesterov ? "true" : "false"}};
}

template class SGD<float>;
template class SGD<double>;

}  // namespace vecnn
