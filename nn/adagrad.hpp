// Adagrad, exactly torch.optim.Adagrad (1.13, foreach=False, dense
// gradients). Step t, every element of the flat block:
//
//   g = grad + weight_decay * p                       (if weight_decay != 0)
//   clr = lr / (1 + (t - 1) * lr_decay)               (a scalar, in double)
//   s = s + g * g                                     "sum", starts at initial_accumulator_value
//   p = p - clr * g / (sqrt(s) + eps)
//
// Rounding as PyTorch's CPU kernels: s = fma(g, g, s); p + (-clr g) / std.
// State: "step" and "sum" (PyTorch's names). Options are checked as
// PyTorch does (lr, lr_decay, weight_decay, initial_accumulator_value, eps
// >= 0) and must be finite.
#pragma once

#include "vecnn/nn/optimizer_base.hpp"

namespace vecnn {

// Fields in torch.optim.Adagrad's argument order.
struct AdagradOptions {
    double lr = 1e-2;
    double lr_decay = 0;
    double weight_decay = 0;
    double initial_accumulator_value = 0;
    double eps = 1e-10;
};

template <class T>
class Adagrad final : public Optimizer<T> {
public:
    explicit Adagrad(Layer<T>& model, AdagradOptions options = {});
    std::string name() const override { return "adagrad"; }
    std::string describe() const override;
    std::vector<std::pair<std::string, std::string>> settings() const override;
    AdagradOptions options() const;  // as given, with lr as it is now

private:
    void update(T* parameters, const T* gradients, std::size_t n, std::size_t step, std::size_t offset) override;

    AdagradOptions options_;
    std::size_t sum_ = 0;  // buffer index
};

}  // namespace vecnn
