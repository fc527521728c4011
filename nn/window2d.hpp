// Window2d: where a square window (convolution kernel, pooling window) slides
// over a (channels, height, width) sample, as torch.nn.Conv2d and MaxPool2d
// place it: `padding` rows and columns on each side, steps of `stride`,
// output size floor((size + 2 padding - kernel) / stride) + 1.
#pragma once

#include <cstddef>
#include <string>

#include "vecnn/nn/layer.hpp"

namespace vecnn {

struct Window2d {
    std::size_t channels = 0, height = 0, width = 0;  // the input sample (C, H, W)
    std::size_t kernel = 1, stride = 1, padding = 0;

    // From the input's sample shape, which must be (C, H, W); throws
    // std::invalid_argument naming `layer` when the shape or the window does not fit.
    static Window2d over(const SampleShape& input, std::size_t kernel, std::size_t stride, std::size_t padding,
                         const std::string& layer);

    std::size_t out_height() const { return (height + 2 * padding - kernel) / stride + 1; }
    std::size_t out_width() const { return (width + 2 * padding - kernel) / stride + 1; }
    std::size_t out_pixels() const { return out_height() * out_width(); }
    std::size_t in_pixels() const { return height * width; }
    SampleShape input_shape() const { return {channels, height, width}; }

    // The input row (ih) or column (iw) under window offset `k` at output position `o`,
    // or false when it falls into the padding.
    bool input_index(std::size_t o, std::size_t k, std::size_t size, std::size_t& i) const {
        const std::size_t padded = o * stride + k;
        if (padded < padding || padded - padding >= size) return false;
        i = padded - padding;
        return true;
    }
};

}  // namespace vecnn
