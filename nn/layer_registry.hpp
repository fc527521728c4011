// The layer registry: which model-spec names build which layers. build_model
// (model_spec.hpp), and with it the CLI, the examples and check_layer, look
// every token up here. The built-in layers are registered from the start:
//   linear(in,out)  relu  sigmoid  tanh  softmax  log_softmax  leaky_relu(slope)
//   gelu  softplus(beta,threshold)  conv2d(in,out,kernel,stride,padding)
//   maxpool2d(kernel,stride,padding)  flatten  dropout(p)
// A factory that needs the shape of its input samples (conv2d) reads
// LayerSpec::input_shape().
// Register your own before building a model that uses it:
//
//   vecnn::register_layer("swish", "swish(beta)", [](const vecnn::LayerSpec& spec, auto scalar) {
//       using T = decltype(scalar);  // float, then double: one factory serves both
//       return std::make_unique<Swish<T>>(spec.number(0, "beta"));  // "swish(1.5,2)": an error
//   });
//   auto model = vecnn::build_model<float>("linear(4,8),swish(1.5),linear(8,3)");
//
// The registry is process-wide and thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "vecnn/nn/layer.hpp"
#include "vecnn/nn/layer_spec.hpp"

namespace vecnn {

template <class T>
using LayerFactory = std::function<LayerPtr<T>(const LayerSpec&)>;

// Registers `name` (lowercase letters, digits, '_'; not yet registered, else
// std::invalid_argument). `usage` shows how the token is written, e.g.
// "swish(beta)", in error messages. A factory throws std::invalid_argument
// for bad arguments; build_model adds where in the spec they are.
void register_layer(const std::string& name, const std::string& usage, LayerFactory<float> make_float,
                    LayerFactory<double> make_double);

// One generic factory for both scalar types: factory(spec, T{}) returns a
// std::unique_ptr to a Layer<T> (or to a class derived from it).
template <class Factory>
void register_layer(const std::string& name, const std::string& usage, Factory factory) {
    register_layer(
        name, usage, LayerFactory<float>([factory](const LayerSpec& s) -> LayerPtr<float> { return factory(s, 0.0f); }),
        LayerFactory<double>([factory](const LayerSpec& s) -> LayerPtr<double> { return factory(s, 0.0); }));
}

// Removes a registration; false when `name` was not registered.
bool unregister_layer(const std::string& name);

bool is_layer_registered(const std::string& name);

// The usage of every registered layer, in the order of registration (built-ins first).
std::vector<std::string> registered_layer_usages();

// The layer `spec` names, built by its factory. Throws std::invalid_argument
// for an unknown name (listing the known ones) or bad arguments.
template <class T>
LayerPtr<T> make_layer(const LayerSpec& spec);

}  // namespace vecnn
