// Linear: y = x W^T + b, exactly torch.nn.Linear.
//   input (batch, in) -> output (batch, out)
//   weight (out, in), bias (out,); default init kaiming_uniform(a = sqrt 5),
//   i.e. U(-1/sqrt(in), 1/sqrt(in)) for both, from the given seeded Rng.
// backward: dW += dY^T X, db += sum_rows dY, dX = dY W  (GEMM flags, no transposes);
// the first backward after zero_grad() writes dW and db instead (beta = 0).
#pragma once

#include "vecnn/nn/twin_layer.hpp"
#include "vecnn/tensor/kernels.hpp"
#include "vecnn/tensor/random.hpp"

namespace vecnn {

template <class T>
class Linear final : public TwinLayer<T> {
public:
    Linear(std::size_t in_features, std::size_t out_features, Rng& rng);
    Linear(std::size_t in_features, std::size_t out_features, Rng&& rng);
    explicit Linear(std::size_t in_features, std::size_t out_features, std::uint64_t seed = 0);

    std::string describe() const override;
    std::size_t input_features() const override { return in_; }
    std::size_t output_features(std::size_t in) const override;
    // A multiply and an add per weight, and the bias: 2 in out + out.
    double forward_flops(std::size_t) const override {
        return 2.0 * static_cast<double>(in_) * static_cast<double>(out_) + static_cast<double>(out_);
    }

    std::size_t in_features() const { return in_; }
    std::size_t out_features() const { return out_; }
    View<T> weight() { return this->parameter(0); }
    View<T> bias() { return this->parameter(1); }
    View<T> weight_gradient() { return this->gradient(0); }
    View<T> bias_gradient() { return this->gradient(1); }

    // Re-draws weight and bias with PyTorch's default initialisation.
    void reset_parameters(Rng& rng);

protected:
    // The same composition of kernels on either engine's table.
    void forward_loop(ConstView<T> x, View<T> y) override { forward_with(loop_kernels<T>(), x, y); }
    void forward_vectorized(ConstView<T> x, View<T> y) override { forward_with(vectorized_kernels<T>(), x, y); }
    void backward_loop(ConstView<T> x, ConstView<T>, ConstView<T> dy, View<T> dx) override {
        backward_with(loop_kernels<T>(), x, dy, dx);
    }
    void backward_vectorized(ConstView<T> x, ConstView<T>, ConstView<T> dy, View<T> dx) override {
        backward_with(vectorized_kernels<T>(), x, dy, dx);
    }
    void check_input(ConstView<T> input) const override;

private:
    void forward_with(const Kernels<T>& k, ConstView<T> x, View<T> y);
    void backward_with(const Kernels<T>& k, ConstView<T> x, ConstView<T> dy, View<T> dx);

    std::size_t in_;
    std::size_t out_;
};

}  // namespace vecnn
