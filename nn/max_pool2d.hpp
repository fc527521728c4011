// MaxPool2d: torch.nn.MaxPool2d(kernel, stride = kernel, padding), square.
//   input (batch, C H W) rows of NCHW samples -> output (batch, C OH OW)
// Each output is the largest input in its window, PyTorch's choice among
// equals (the first in row-major window order) and NaN (it wins); padding is
// never the maximum. Backward routes each output's gradient to that input.
// Engines:
//   loop        per output, a scan of its window; backward scans again;
//   vectorized  one sweep per window offset over whole output rows (the
//               inner loop runs along a row of the image without branches,
//               over the outputs whose input there is not padding), keeping
//               the winners' indices for a backward that is a single scatter.
#pragma once

#include <utility>
#include <vector>

#include "vecnn/nn/twin_layer.hpp"
#include "vecnn/nn/window2d.hpp"

namespace vecnn {

template <class T>
class MaxPool2d final : public TwinLayer<T> {
public:
    // `input` is the sample shape (C, H, W). PyTorch requires padding <= kernel / 2.
    MaxPool2d(const SampleShape& input, std::size_t kernel, std::size_t stride, std::size_t padding = 0);

    std::string describe() const override;  // maxpool2d(kernel[,stride=s][,padding=p])
    std::size_t input_features() const override { return window_.channels * window_.in_pixels(); }
    std::size_t output_features(std::size_t in) const override;
    SampleShape input_shape() const override { return window_.input_shape(); }
    SampleShape output_shape(const SampleShape& in) const override;
    // One comparison per window element of every output.
    double forward_flops(std::size_t) const override;

    const Window2d& window() const { return window_; }

protected:
    void forward_loop(ConstView<T> x, View<T> y) override;
    void forward_vectorized(ConstView<T> x, View<T> y) override;
    void backward_loop(ConstView<T> x, ConstView<T> y, ConstView<T> dy, View<T> dx) override;
    void backward_vectorized(ConstView<T> x, ConstView<T> y, ConstView<T> dy, View<T> dx) override;

private:
    // The index in the sample's row of the largest input under output (c, oh, ow): a window scan.
    std::size_t scan_window(const T* sample, std::size_t c, std::size_t oh, std::size_t ow) const;

    // The first inside input row (or column) under output position o along a side of `size`.
    std::size_t first_inside_index(std::size_t o, std::size_t size) const;

    Window2d window_;
    std::vector<std::size_t> first_inside_;  // per output row, then per output column
    std::vector<std::pair<std::size_t, std::size_t>> column_runs_;  // per kernel column j
    std::vector<std::size_t> winners_;  // vectorized forward: per output, the index of its input in the batch
};

}  // namespace vecnn
