#include "vecnn/nn/sequential.hpp"

#include <stdexcept>

namespace vecnn {

template <class T>
Sequential<T>::Sequential(std::vector<LayerPtr<T>> layers) {
    for (auto& l : layers) {
        if (!l) throw std::invalid_argument("Sequential: null layer");
        l->set_engine(this->engine_);
        layers_.push_back(std::move(l));
    }
    rebuild_parameters();
}

template <class T>
Sequential<T>& Sequential<T>::add(LayerPtr<T> layer) {
    if (!layer) throw std::invalid_argument("Sequential::add: null layer");
    layer->set_engine(this->engine_);
    layers_.push_back(std::move(layer));
    rebuild_parameters();
    return *this;
}

template <class T>
void Sequential<T>::rebuild_parameters() {
    std::vector<ParameterInfo> list;
    std::size_t offset = 0;
    for (std::size_t i = 0; i < layers_.size(); ++i) {
        for (const auto& p : layers_[i]->parameters()) {
            list.push_back(ParameterInfo{std::to_string(i) + "." + p.name, p.dims, offset + p.offset});
        }
        offset += layers_[i]->parameter_count();
    }
    // The children still hold their values, but those bound by an earlier
    // rebuild live in this container's current block, which
    // allocate_parameters() frees. Park every child in a staging block first
    // (bind copies), then allocate the new flat blocks and let each child
    // copy itself into its slice.
    std::vector<T> staged_values(offset), staged_gradients(offset);
    std::size_t staged = 0;
    for (auto& l : layers_) {
        l->bind(staged_values.data() + staged, staged_gradients.data() + staged);
        staged += l->parameter_count();
    }
    this->set_parameter_list(std::move(list));
    this->allocate_parameters();
    bind_children();
}

template <class T>
void Sequential<T>::bind_children() {
    std::size_t offset = 0;
    for (auto& l : layers_) {
        l->bind(this->parameter_data() + offset, this->gradient_data() + offset);
        offset += l->parameter_count();
    }
}

template <class T>
void Sequential<T>::bind(T* values, T* gradients) {
    // Children first: they copy themselves out of the old block while it is
    // still alive; the base then copies the (same) block and frees the old one.
    std::size_t offset = 0;
    for (auto& l : layers_) {
        l->bind(values + offset, gradients + offset);
        offset += l->parameter_count();
    }
    Layer<T>::bind(values, gradients);
}

template <class T>
std::string Sequential<T>::describe() const {
    std::string s;
    for (std::size_t i = 0; i < layers_.size(); ++i) s += (i ? "," : "") + layers_[i]->describe();
    return s;
}

template <class T>
bool Sequential<T>::has_loop_twin() const {
    for (const auto& l : layers_) {
        if (l->has_loop_twin()) return true;
    }
    return false;
}

template <class T>
std::size_t Sequential<T>::input_features() const {
    for (const auto& l : layers_) {
        if (l->input_features() != 0) return l->input_features();
    }
    return 0;
}

template <class T>
std::size_t Sequential<T>::output_features(std::size_t in) const {
    for (const auto& l : layers_) in = l->output_features(in);
    return in;
}

template <class T>
SampleShape Sequential<T>::input_shape() const {
    for (const auto& l : layers_) {
        if (l->input_features() != 0) return l->input_shape();
    }
    return {};
}

template <class T>
SampleShape Sequential<T>::output_shape(const SampleShape& in) const {
    SampleShape shape = in;
    for (const auto& l : layers_) shape = l->output_shape(shape);
    return shape;
}

template <class T>
void Sequential<T>::set_training(bool training) {
    Layer<T>::set_training(training);
    for (auto& l : layers_) l->set_training(training);
}

template <class T>
void Sequential<T>::set_noise_key(const NoiseKey* key) {
    for (auto& l : layers_) l->set_noise_key(key);
}

template <class T>
const Matrix<T>& Sequential<T>::forward(ConstView<T> input) {
    if (layers_.empty()) throw std::logic_error("Sequential forward: the model has no layers");
    const Matrix<T>* x = &layers_[0]->forward(input);
    for (std::size_t i = 1; i < layers_.size(); ++i) x = &layers_[i]->forward(*x);
    return *x;
}

template <class T>
const Matrix<T>& Sequential<T>::backward(ConstView<T> output_gradient, bool need_input_gradient) {
    if (layers_.empty()) throw std::logic_error("Sequential backward: the model has no layers");
    ConstView<T> g = output_gradient;
    const Matrix<T>* dx = &empty_;
    for (std::size_t i = layers_.size(); i-- > 0;) {
        dx = &layers_[i]->backward(g, i > 0 || need_input_gradient);
        g = *dx;
    }
    return *dx;
}

template <class T>
void Sequential<T>::zero_grad() {
    for (auto& l : layers_) l->zero_grad();
}

template <class T>
void Sequential<T>::settle_gradients() const {
    for (const auto& l : layers_) l->settle_gradients();
}

template <class T>
void Sequential<T>::set_engine(Engine engine) {
    Layer<T>::set_engine(engine);
    for (auto& l : layers_) l->set_engine(engine);
}

template class Sequential<float>;
template class Sequential<double>;

}  // namespace vecnn
