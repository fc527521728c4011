// Adam and AdamW. Adam, exactly torch.optim.Adam (1.13, foreach=False, amsgrad=False).
// Step t (t = 1 for the first) updates every element of the flat block:
//
//   g = grad + weight_decay * p                     (if weight_decay != 0)
//   m = beta1 * m + (1 - beta1) * g                 "exp_avg"
//   v = beta2 * v + (1 - beta2) * g * g             "exp_avg_sq"
//   step_size = lr / (1 - beta1^t)                  (scalars, in double)
//   denom = sqrt(v) / sqrt(1 - beta2^t) + eps
//   p = p - step_size * m / denom
//
// The order of operations and roundings is PyTorch's: m = fma(1-beta1, g,
// m*beta1); v = fma((1-beta2)*g, g, v*beta2); p = p + (-step_size*m)/denom,
// each scalar rounded to T as PyTorch rounds it to the tensor's dtype (see
// fused_multiply_add.hpp). The weight decay is the L2 kind added to the
// gradient (Adam, not AdamW).
// State: "step", "exp_avg", "exp_avg_sq" (PyTorch's names).
// Options are checked as PyTorch does (lr, eps, weight_decay >= 0,
// 0 <= beta < 1) and must be finite; violations throw std::invalid_argument.
#pragma once

#include "vecnn/nn/optimizer_base.hpp"

namespace vecnn {

// Fields in torch.optim.Adam's argument order (betas split): code
// aggregate-initialises AdamOptions{lr, beta1, beta2, eps, weight_decay}. Keep it.
struct AdamOptions {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 0;
};

template <class T>
class Adam final : public Optimizer<T> {
public:
    explicit Adam(Layer<T>& model, AdamOptions options = {});

    std::string name() const override { return "adam"; }
    std::string describe() const override;
    std::vector<std::pair<std::string, std::string>> settings() const override;
    // The options as given, with lr as it is now.
    AdamOptions options() const;

private:
    void update(T* parameters, const T* gradients, std::size_t n, std::size_t step, std::size_t offset) override;

    AdamOptions options_;
    std::size_t exp_avg_ = 0;     // buffer indices
    std::size_t exp_avg_sq_ = 0;
};

// AdamW, exactly torch.optim.AdamW (1.13, foreach=False, amsgrad=False):
// decoupled weight decay. Before Adam's step (without the L2 term):
//   p = p * (1 - lr * weight_decay)       (the factor in double, rounded to T)
// then m, v and p as Adam above. PyTorch's default weight_decay here is 0.01.
// State and option rules as Adam's.
struct AdamWOptions {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 1e-2;
};

template <class T>
class AdamW final : public Optimizer<T> {
public:
    explicit AdamW(Layer<T>& model, AdamWOptions options = {});
    std::string name() const override { return "adamw"; }
    std::string describe() const override;
    std::vector<std::pair<std::string, std::string>> settings() const override;
    AdamWOptions options() const;  // as given, with lr as it is now

private:
    void update(T* parameters, const T* gradients, std::size_t n, std::size_t step, std::size_t offset) override;

    AdamWOptions options_;
    std::size_t exp_avg_ = 0, exp_avg_sq_ = 0;
};

}  // namespace vecnn
