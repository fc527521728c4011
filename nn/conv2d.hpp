// Conv2d: torch.nn.Conv2d with a square kernel, stride and zero padding.
//   input (batch, C H W) rows, each an NCHW sample (C, H, W)
//   -> output (batch, OC OH OW), each sample (OC, OH, OW)
//   weight (OC, C, k, k), bias (OC,), PyTorch's layout and default init:
//   U(-1/sqrt(C k k), 1/sqrt(C k k)) for both.
// The input's height and width are fixed when the layer is built (the model's
// --input-shape, or what the layer before gives).
// Engines:
//   loop        the direct sum over output pixel, channel and kernel offset;
//   vectorized  im2col: every output pixel's receptive field becomes one row
//               of a (batch OH OW, C k k) matrix, then ONE GEMM per batch
//               with the weight (OC, C k k) gives every output; backward is
//               two GEMMs (weight gradient, column gradient) and col2im.
//               The buffers are kept, so a steady-state step allocates nothing.
#pragma once

#include <utility>

#include "vecnn/nn/twin_layer.hpp"
#include "vecnn/nn/window2d.hpp"
#include "vecnn/tensor/kernels.hpp"
#include "vecnn/tensor/random.hpp"

namespace vecnn {

template <class T>
class Conv2d final : public TwinLayer<T> {
public:
    // `input` is the sample shape (C, H, W); C is in_channels.
    Conv2d(const SampleShape& input, std::size_t out_channels, std::size_t kernel, std::size_t stride,
           std::size_t padding, Rng& rng);
    Conv2d(const SampleShape& input, std::size_t out_channels, std::size_t kernel, std::size_t stride,
           std::size_t padding, Rng&& rng);
    Conv2d(const SampleShape& input, std::size_t out_channels, std::size_t kernel, std::size_t stride = 1,
           std::size_t padding = 0, std::uint64_t seed = 0);

    std::string describe() const override;  // conv2d(in,out,kernel[,stride=s][,padding=p])
    std::size_t input_features() const override { return window_.channels * window_.in_pixels(); }
    std::size_t output_features(std::size_t in) const override;
    SampleShape input_shape() const override { return window_.input_shape(); }
    SampleShape output_shape(const SampleShape& in) const override;
    // A multiply-add per weight and output pixel, and the bias.
    double forward_flops(std::size_t) const override;

    const Window2d& window() const { return window_; }
    std::size_t out_channels() const { return out_channels_; }
    std::size_t patch_size() const { return window_.channels * window_.kernel * window_.kernel; }  // C k k
    // The weight as an (OC, C k k) matrix, the bias as (1, OC).
    View<T> weight() { return this->parameter(0); }
    View<T> bias() { return this->parameter(1); }

    void reset_parameters(Rng& rng);  // PyTorch's default init again

protected:
    void forward_loop(ConstView<T> x, View<T> y) override;
    void forward_vectorized(ConstView<T> x, View<T> y) override;
    void backward_loop(ConstView<T> x, ConstView<T> y, ConstView<T> dy, View<T> dx) override;
    void backward_vectorized(ConstView<T> x, ConstView<T> y, ConstView<T> dy, View<T> dx) override;

private:
    void im2col(ConstView<T> x);                 // x -> columns_
    void col2im(View<T> dx) const;               // column_gradient_ -> dx
    // The stored gradients (weight, bias), after clearing them when a zero_grad() is pending.
    std::pair<View<T>, View<T>> gradients_to_add_to();

    Window2d window_;
    std::pair<std::size_t, std::size_t> full_columns_;  // output columns whose window has no padding column
    std::size_t out_channels_;
    Matrix<T> columns_;          // (batch OH OW, C k k): one receptive field per row
    Matrix<T> products_;         // (batch OH OW, OC): columns_ times the weight's transpose
    Matrix<T> column_gradient_;  // (batch OH OW, C k k)
};

}  // namespace vecnn
