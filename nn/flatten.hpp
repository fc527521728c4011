// Flatten: torch.nn.Flatten(). A row already holds its sample flattened
// (NCHW order), so the values pass through unchanged; what changes is the
// sample shape the layers after it see: (C, H, W) becomes (C H W,).
#pragma once

#include <algorithm>

#include "vecnn/nn/twin_layer.hpp"

namespace vecnn {

template <class T>
class Flatten final : public SingleImplementationLayer<T> {
public:
    std::string describe() const override { return "flatten"; }
    SampleShape output_shape(const SampleShape& in) const override {
        return in.empty() ? in : SampleShape{sample_size(in)};
    }
    double forward_flops(std::size_t) const override { return 0; }

protected:
    void forward_both_engines(ConstView<T> x, View<T> y) override { std::copy(x.data, x.data + x.size(), y.data); }
    void backward_both_engines(ConstView<T>, ConstView<T>, ConstView<T> dy, View<T> dx) override {
        std::copy(dy.data, dy.data + dy.size(), dx.data);
    }
};

}  // namespace vecnn
