// Window2d: where a square window (convolution kernel, pooling window) slides
// over a (channels, height, width) sample, as torch.nn.Conv2d and MaxPool2d
// place it: `padding` rows and columns on each side, steps of `stride`,
// output size floor((size + 2 padding - kernel) / stride) + 1.
#pragma once

#include <cstddef>
#include <string>
#include <utility>

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

    // Output positions [first, last) whose input under window offset `k` is
    // inside (not padding), along a side of `size` inputs and `outputs` outputs: a contiguous run.
    std::pair<std::size_t, std::size_t> inside_outputs(std::size_t k, std::size_t size, std::size_t outputs) const {
        std::size_t first = 0, i = 0;
        while (first < outputs && !input_index(first, k, size, i)) ++first;
        std::size_t last = first;
        while (last < outputs && input_index(last, k, size, i)) ++last;
        return {first, last};
    }

    // Output positions [first, last) whose whole window is inside along that side (no padding under any offset).
    std::pair<std::size_t, std::size_t> full_outputs(std::size_t size, std::size_t outputs) const {
        std::size_t first = 0, last = outputs;
        for (std::size_t k = 0; k < kernel; ++k) {
            const auto run = inside_outputs(k, size, outputs);
            first = first > run.first ? first : run.first;
            last = last < run.second ? last : run.second;
        }
        return {first, last > first ? last : first};
    }

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
