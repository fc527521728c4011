// RMSprop, exactly torch.optim.RMSprop (1.13, foreach=False). Step t, every
// element of the flat block:
//
//   g = grad + weight_decay * p                       (if weight_decay != 0)
//   v = alpha * v + (1 - alpha) * g * g               "square_avg"
//   centered: a = alpha * a + (1 - alpha) * g          "grad_avg"
//             avg = sqrt(v - a * a) + eps
//   else:     avg = sqrt(v) + eps
//   momentum > 0: b = momentum * b + g / avg; p = p - lr * b   "momentum_buffer"
//   else:         p = p - lr * g / avg
//
// Rounding as PyTorch's CPU kernels (fused_multiply_add.hpp): v = fma((1 -
// alpha) g, g, alpha v); a = fma(1 - alpha, g, alpha a); v - a a =
// fma(-a, a, v); p = fma(-lr, b, p); p + (-lr g) / avg.
// State: "step", "square_avg", and "momentum_buffer" (momentum > 0) and
// "grad_avg" (centered), PyTorch's names. Options are checked as PyTorch does
// (lr, eps, momentum, weight_decay, alpha >= 0) and must be finite.
#pragma once

#include "vecnn/nn/optimizer_base.hpp"

namespace vecnn {

// Fields in torch.optim.RMSprop's argument order.
struct RmspropOptions {
    double lr = 1e-2;
    double alpha = 0.99;
    double eps = 1e-8;
    double weight_decay = 0;
    double momentum = 0;
    bool centered = false;
};

template <class T>
class RMSprop final : public Optimizer<T> {
public:
    explicit RMSprop(Layer<T>& model, RmspropOptions options = {});
    std::string name() const override { return "rmsprop"; }
    std::string describe() const override;
    std::vector<std::pair<std::string, std::string>> settings() const override;
    RmspropOptions options() const;  // as given, with lr as it is now

private:
    void update(T* parameters, const T* gradients, std::size_t n, std::size_t step, std::size_t offset) override;

    RmspropOptions options_;
    std::size_t square_avg_ = 0, momentum_buffer_ = 0, grad_avg_ = 0;  // buffer indices
};

}  // namespace vecnn
