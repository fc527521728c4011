// Sequential: layers applied in order, itself a Layer.
//   input (batch, in of layer 0) -> output (batch, out of the last layer)
// All parameters of all layers live in ONE flat buffer, gradients in a
// second (see parameter_data()/gradient_data()): zero_grad, optimizer steps,
// norms and checkpoints are single loops over them. Names follow
// torch.nn.Sequential's state_dict: "<index>.<name>", e.g. "0.weight".
// The engine set on the model reaches every layer.
#pragma once

#include <vector>

#include "vecnn/nn/layer.hpp"

namespace vecnn {

template <class T>
class Sequential final : public Layer<T> {
public:
    Sequential() = default;
    explicit Sequential(std::vector<LayerPtr<T>> layers);

    // Appends a layer; its current parameter values move into the flat buffer.
    Sequential& add(LayerPtr<T> layer);
    template <class L, class... Args>
    L& emplace(Args&&... args) {
        auto layer = std::make_unique<L>(std::forward<Args>(args)...);
        L& ref = *layer;
        add(std::move(layer));
        return ref;
    }

    std::size_t size() const { return layers_.size(); }
    Layer<T>& layer(std::size_t i) { return *layers_.at(i); }
    const Layer<T>& layer(std::size_t i) const { return *layers_.at(i); }

    std::string describe() const override;  // comma-separated layer tokens
    // The first layer of fixed width (the layers before it keep the width), or 0.
    std::size_t input_features() const override;
    std::size_t output_features(std::size_t in) const override;  // through every layer
    // The first layer's that fixes one (the layers before it keep the shape), or empty.
    SampleShape input_shape() const override;
    SampleShape output_shape(const SampleShape& in) const override;  // through every layer
    // Every layer to training (true) or evaluation mode, as torch's model.train()/model.eval().
    void set_training(bool training) override;
    void set_noise_key(const NoiseKey* key) override;  // every layer's
    const Matrix<T>& forward(ConstView<T> input) override;
    const Matrix<T>& backward(ConstView<T> output_gradient, bool need_input_gradient = true) override;
    void set_engine(Engine engine) override;
    bool has_loop_twin() const override;  // whether any layer has one
    void bind(T* values, T* gradients) override;
    // Each layer clears (lazily) its own slice of the flat gradient block.
    void zero_grad() override;
    void settle_gradients() const override;

private:
    void rebuild_parameters();
    void bind_children();

    std::vector<LayerPtr<T>> layers_;
    Matrix<T> empty_;  // the output of a model with no layers is an error, never this
};

}  // namespace vecnn
