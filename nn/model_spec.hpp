// Builds a Sequential from a model spec: comma-separated layer tokens
//   linear(in,out) | relu | sigmoid | tanh | softmax
// e.g. "linear(784,256),relu,linear(256,10)". Parameter keys follow each
// token's position, as torch.nn.Sequential: "0.weight", "0.bias", "2.weight"...
// Linear layers draw PyTorch's default init from one Rng seeded with `seed`,
// in order. A bad token or mismatched sizes throw std::invalid_argument
// naming the token and its position.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "nn/sequential.hpp"

namespace vecnn {

template <class T>
std::unique_ptr<Sequential<T>> build_model(const std::string& spec, std::uint64_t seed = 0);

// Features the model expects per sample and produces per sample (from its
// first and last Linear); throws if the spec has no linear layer.
struct SpecFeatures {
    std::size_t inputs;
    std::size_t outputs;
};
SpecFeatures spec_features(const std::string& spec);

}  // namespace vecnn
