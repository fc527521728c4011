// Layer: the interface every layer (and Sequential) implements. To write a
// layer, derive from TwinLayer (twin_layer.hpp), which implements this
// interface around a loop and a vectorized pair of forward/backward hooks.
//
// Shapes are row-major mini-batches: forward maps (batch, in) -> (batch, out),
// backward maps the upstream gradient (batch, out) -> (batch, in).
// Buffers: forward fills and returns output(); backward fills and returns the
// input gradient and ADDS into the parameter gradients (zero_grad() clears;
// see there for how a layer may overwrite instead).
// Output and gradient buffers are resized only when the batch size changes,
// so a steady-state step allocates nothing.
//
// Parameters live in one contiguous block per layer (values, and gradients
// beside them in a second block). A layer owns its blocks until a container
// (Sequential) binds it to slices of the container's flat buffers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "vecnn/data/npy.hpp"
#include "vecnn/tensor/engine.hpp"
#include "vecnn/tensor/matrix.hpp"

namespace vecnn {

struct NoiseKey;

// One named parameter: PyTorch shape (`dims`, e.g. {out, in} or {out}) and
// where it starts in the layer's block.
struct ParameterInfo {
    std::string name;
    std::vector<std::size_t> dims;
    std::size_t offset = 0;
    std::size_t size() const;
    Shape matrix_shape() const;  // 1-D {n} is viewed as (1, n); N-D {a, b, ...} as (a, b * ...)
};

// The shape of one sample as the layers see it, PyTorch's order without the
// batch dimension: {features} for rows of a Linear, {channels, height, width}
// for images (a row holds them in that order, NCHW). Empty: not known.
using SampleShape = std::vector<std::size_t>;
std::size_t sample_size(const SampleShape& shape);   // the product, the row width
// Written as shape_string (data/npy.hpp) writes it.

template <class T>
class Layer {
public:
    Layer() = default;
    Layer(const Layer&) = delete;
    Layer& operator=(const Layer&) = delete;
    virtual ~Layer() = default;

    // The layer as a model-spec token, e.g. "linear(784,256)" or "relu".
    virtual std::string describe() const = 0;

    // Keeps what backward needs. `input` must stay alive and unchanged until
    // backward (Linear reads it there rather than copying it).
    virtual const Matrix<T>& forward(ConstView<T> input) = 0;

    // Returns the input gradient (not computed, contents unspecified, when need_input_gradient is false,
    // which saves the largest GEMM of a first layer) and adds parameter gradients.
    virtual const Matrix<T>& backward(ConstView<T> output_gradient, bool need_input_gradient = true) = 0;

    virtual void set_engine(Engine engine) { engine_ = engine; }
    Engine engine() const { return engine_; }
    // False when one implementation serves both engines (SingleImplementationLayer):
    // the engines then agree by construction, and check_layer says so instead of comparing them.
    virtual bool has_loop_twin() const { return true; }

    // ---- widths (features per row) ----
    // Features per row the layer takes, or 0 when it takes any width (elementwise layers).
    virtual std::size_t input_features() const { return 0; }
    // Features per row it gives for `in` features per row. Throws std::invalid_argument
    // when it cannot take `in` (the default: `in`, checked against input_features()).
    virtual std::size_t output_features(std::size_t in) const;
    // Floating-point operations of one sample's forward pass at `in` features
    // (the model summary). Default: one per output element, as an
    // elementwise layer does; layers with products override it.
    virtual double forward_flops(std::size_t in) const { return static_cast<double>(output_features(in)); }

    // ---- sample shapes (images) ----
    // The shape of a sample the layer takes: {input_features()} by default,
    // empty when it takes any width; (C, H, W) for convolution and pooling.
    virtual SampleShape input_shape() const;
    // The shape it gives for a sample of shape `in`. Default: `in` itself when
    // the width does not change (elementwise layers keep an image's shape),
    // else {output_features}: a Linear takes the flattened row.
    virtual SampleShape output_shape(const SampleShape& in) const;

    // ---- training and evaluation modes (torch.nn.Module.train()/eval()) ----
    // Only layers that behave differently in training (Dropout) look at it.
    virtual void set_training(bool training) { training_ = training; }
    bool training() const { return training_; }
    // Where layers that draw random numbers in training (Dropout) draw them
    // (tensor/random.hpp): the Trainer's key, which it sets to each step and
    // micro-batch; nullptr: their own. The key must outlive its use.
    virtual void set_noise_key(const NoiseKey* /*key*/) {}

    // ---- parameters ----
    const std::vector<ParameterInfo>& parameters() const { return parameters_; }
    std::size_t parameter_count() const { return parameter_count_; }
    T* parameter_data() { return values_; }
    const T* parameter_data() const { return values_; }
    T* gradient_data() {
        settle_gradients();
        return gradients_;
    }
    const T* gradient_data() const {
        settle_gradients();
        return gradients_;
    }
    View<T> parameter(std::size_t i);
    View<T> gradient(std::size_t i);
    ConstView<T> parameter(std::size_t i) const;
    ConstView<T> gradient(std::size_t i) const;
    // Index of the parameter called `name`; throws std::invalid_argument naming it.
    std::size_t parameter_index(const std::string& name) const;

    // Clears the parameter gradients, lazily: a layer whose backward writes
    // all of its gradients (Linear) then writes them instead of adding to
    // them, as PyTorch does after zero_grad(set_to_none=True), which saves a
    // pass over the whole gradient block per step. Reading the gradients
    // before that backward (any accessor above) sees zeros.
    virtual void zero_grad();
    // Carries out a pending zero_grad() now (the accessors do this).
    virtual void settle_gradients() const;

    // Moves this layer's parameter and gradient blocks to external storage of
    // parameter_count() elements each, copying the current contents.
    virtual void bind(T* values, T* gradients);

protected:
    // For derived constructors: declare parameters, then allocate owned blocks.
    // allocate_parameters() throws std::length_error, before allocating, when
    // values and gradients would exceed max_parameter_bytes() (tensor/limits.hpp).
    void declare_parameter(const std::string& name, std::vector<std::size_t> dims);
    void allocate_parameters();
    // For containers: replace the parameter list wholesale (names and offsets).
    void set_parameter_list(std::vector<ParameterInfo> list);
    // For a backward that writes every gradient of the layer: true (and no
    // longer pending) if zero_grad() is pending, i.e. overwrite, not add.
    bool take_pending_zero();
    // Gradient i as stored, without carrying out a pending zero_grad().
    View<T> stored_gradient(std::size_t i);

    Engine engine_ = Engine::vectorized;
    bool training_ = true;

private:
    std::vector<ParameterInfo> parameters_;
    std::size_t parameter_count_ = 0;
    Vector<T> owned_values_;
    Vector<T> owned_gradients_;
    T* values_ = nullptr;
    T* gradients_ = nullptr;
    mutable bool zero_pending_ = false;
};

template <class T>
using LayerPtr = std::unique_ptr<Layer<T>>;

}  // namespace vecnn
