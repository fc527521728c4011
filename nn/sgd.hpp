// SGD: stochastic gradient descent with momentum, exactly torch.optim.SGD
// (1.13, foreach=False). For every element of the flat parameter block, step t:
//
//   g = grad + weight_decay * p                        (if weight_decay != 0)
//   if momentum != 0:
//       buf = g                                        (t == 1: no dampening)
//       buf = momentum * buf + (1 - dampening) * g     (t > 1)
//       g   = nesterov ? g + momentum * buf : buf
//   p = p - lr * g
//
// Rounding follows PyTorch's CPU kernels: each "x + a * y" above is one
// fused multiply-add where the CPU has FMA (see fused_multiply_add.hpp).
// State: "step" and, when momentum != 0, "momentum_buffer" (PyTorch's name).
// Options are checked as PyTorch does (lr, momentum, weight_decay >= 0;
// nesterov needs momentum > 0 and dampening == 0) and must also be finite;
// violations throw std::invalid_argument.
#pragma once

#include "vecnn/nn/optimizer_base.hpp"

namespace vecnn {

// Fields in torch.optim.SGD's argument order: code aggregate-initialises
// SgdOptions{lr, momentum, dampening, weight_decay, nesterov}. Keep it.
struct SgdOptions {
    double lr = 0.01;  // torch.optim.SGD has no default; this is the CLI's
    double momentum = 0;
    double dampening = 0;
    double weight_decay = 0;
    bool nesterov = false;
};

template <class T>
class SGD final : public Optimizer<T> {
public:
    explicit SGD(Layer<T>& model, SgdOptions options = {});

    std::string name() const override { return "sgd"; }
    std::string describe() const override;
    std::vector<std::pair<std::string, std::string>> settings() const override;
    // The options as given, with lr as it is now.
    SgdOptions options() const;

private:
    void update(T* parameters, const T* gradients, std::size_t n, std::size_t step, std::size_t offset) override;

    SgdOptions options_;
    std::size_t momentum_buffer_ = 0;  // index of the buffer; unused when momentum == 0
};

}  // namespace vecnn
