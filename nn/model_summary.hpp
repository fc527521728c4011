// The model summary (vecnn summary, and the first lines of vecnn train): per
// layer its output features, parameters, forward FLOPs per sample (a
// multiply-add counts 2; elementwise layers 1 per output) and the activation
// memory per sample (the output the layer keeps for backward), then totals.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "vecnn/nn/sequential.hpp"

namespace vecnn {

struct LayerSummary {
    std::string layer;  // its model-spec token
    std::size_t output_features = 0;
    SampleShape output_shape;  // (C, H, W) after image layers, else {output_features}
    std::size_t parameters = 0;
    double flops_per_sample = 0;
    std::size_t activation_bytes_per_sample = 0;
};

struct ModelSummary {
    std::size_t input_features = 0;
    SampleShape input_shape;
    std::vector<LayerSummary> layers;
    std::size_t parameters = 0;
    double flops_per_sample = 0;
    std::size_t activation_bytes_per_sample = 0;
    std::size_t parameter_bytes = 0;
    std::string table() const;  // one line per layer, then the totals
};

// input_features 0: the first layer's own width (throws std::invalid_argument
// naming the layer when it takes any width: give the input width then).
template <class T>
ModelSummary summarize(const Sequential<T>& model, std::size_t input_features = 0);

}  // namespace vecnn
