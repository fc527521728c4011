// Builds a Sequential from a model spec: comma-separated layer tokens, each
// looked up in the layer registry (layer_registry.hpp), built-in or your own:
//   linear(in,out) | relu | sigmoid | tanh | softmax | conv2d(...) | ... | <registered name>(args)
// e.g. "linear(784,256),relu,linear(256,10)". Whitespace is ignored. A short
// form for ReLU MLPs, "784-256-10", is the same spec written by its sizes.
// Parameter keys follow each token's position, as torch.nn.Sequential:
// "0.weight", "0.bias", "2.weight"... Layers draw their initialisation from
// one Rng seeded with `seed`, in order (Linear: PyTorch's default init).
// A bad token, unknown name, bad argument or a width that does not chain
// throws std::invalid_argument naming the spec, the token and its position.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vecnn/nn/sequential.hpp"

namespace vecnn {

template <class T>
std::unique_ptr<Sequential<T>> build_model(const std::string& spec, std::uint64_t seed = 0);
// The same for samples of `input_shape`, e.g. {1, 28, 28} for (C, H, W)
// images: layers that need an image's shape (conv2d, maxpool2d) take it from
// there and from each other, e.g.
//   build_model<float>("conv2d(1,8,3,padding=1),relu,maxpool2d(2),flatten,linear(1568,10)", 0, {1, 28, 28})
// An empty shape is the same as the overload above.
template <class T>
std::unique_ptr<Sequential<T>> build_model(const std::string& spec, std::uint64_t seed, const SampleShape& input_shape);

// The spec's layer tokens: whitespace removed, the short form expanded
// ("784-256-10" -> "linear(784,256)", "relu", "linear(256,10)"). Throws on an empty spec.
std::vector<std::string> model_spec_tokens(const std::string& spec);

// Features per row the model takes and gives: the first layer of fixed
// width, and the width after the last layer. Throws if no layer fixes the
// input width (e.g. "relu,tanh": no linear layer).
struct SpecFeatures {
    std::size_t inputs;
    std::size_t outputs;
};
SpecFeatures spec_features(const std::string& spec, const SampleShape& input_shape = {});
template <class T>
SpecFeatures model_features(const Layer<T>& model);  // the same, of a built model

}  // namespace vecnn
