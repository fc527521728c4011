// Linear: y = x W^T + b, exactly torch.nn.Linear.
//   input (batch, in) -> output (batch, out)
//   weight (out, in), bias (out,); default init kaiming_uniform(a = sqrt 5),
//   i.e. U(-1/sqrt(in), 1/sqrt(in)) for both, from the given seeded Rng.
// backward: dW += dY^T X, db += sum_rows dY, dX = dY W  (GEMM flags, no transposes);
// the first backward after zero_grad() writes dW and db instead (beta = 0).
#pragma once

#include "nn/layer.hpp"
#include "tensor/random.hpp"

namespace vecnn {

template <class T>
class Linear final : public Layer<T> {
public:
    Linear(std::size_t in_features, std::size_t out_features, Rng& rng);
    Linear(std::size_t in_features, std::size_t out_features, Rng&& rng);
    explicit Linear(std::size_t in_features, std::size_t out_features, std::uint64_t seed = 0);

    std::string describe() const override;
    const Matrix<T>& forward(ConstView<T> input) override;
    const Matrix<T>& backward(ConstView<T> output_gradient, bool need_input_gradient = true) override;

    std::size_t in_features() const { return in_; }
    std::size_t out_features() const { return out_; }
    View<T> weight() { return this->parameter(0); }
    View<T> bias() { return this->parameter(1); }
    View<T> weight_gradient() { return this->gradient(0); }
    View<T> bias_gradient() { return this->gradient(1); }

    // Re-draws weight and bias with PyTorch's default initialisation.
    void reset_parameters(Rng& rng);

private:
    std::size_t in_;
    std::size_t out_;
    ConstView<T> input_;  // what forward saw; read again by backward
    bool has_input_ = false;
    Matrix<T> output_;
    Matrix<T> input_gradient_;
};

}  // namespace vecnn
