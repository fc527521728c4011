#include "vecnn/nn/layer.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "vecnn/tensor/limits.hpp"
#include "vecnn/tensor/threads.hpp"

namespace vecnn {

std::size_t ParameterInfo::size() const {
    std::size_t n = 1;
    for (std::size_t d : dims) {
        if (__builtin_mul_overflow(n, d, &n)) return std::numeric_limits<std::size_t>::max();
    }
    return n;
}

Shape ParameterInfo::matrix_shape() const {
    if (dims.size() == 1) return Shape{1, dims[0]};
    if (dims.empty() || dims[0] == 0) return Shape{1, size()};
    return Shape{dims[0], size() / dims[0]};
}

std::size_t sample_size(const SampleShape& shape) {
    std::size_t n = 1;
    for (std::size_t d : shape) {
        if (__builtin_mul_overflow(n, d, &n)) throw std::length_error("sample shape " + shape_string(shape) + " overflows");
    }
    return shape.empty() ? 0 : n;
}


template <class T>
std::size_t Layer<T>::output_features(std::size_t in) const {
    const std::size_t takes = input_features();
    if (takes != 0 && in != takes) {
        throw std::invalid_argument(describe() + " takes " + std::to_string(takes) + " features per row, not " +
                                    std::to_string(in));
    }
    return in;
}

template <class T>
SampleShape Layer<T>::input_shape() const {
    const std::size_t n = input_features();
    return n == 0 ? SampleShape{} : SampleShape{n};
}

template <class T>
SampleShape Layer<T>::output_shape(const SampleShape& in) const {
    const std::size_t width = sample_size(in);
    const std::size_t out = output_features(width);
    return out == width ? in : SampleShape{out};
}

template <class T>
View<T> Layer<T>::parameter(std::size_t i) {
    const auto& p = parameters_.at(i);
    const Shape s = p.matrix_shape();
    return View<T>(values_ + p.offset, s.rows, s.cols);
}

template <class T>
View<T> Layer<T>::gradient(std::size_t i) {
    settle_gradients();
    return stored_gradient(i);
}

template <class T>
View<T> Layer<T>::stored_gradient(std::size_t i) {
    const auto& p = parameters_.at(i);
    const Shape s = p.matrix_shape();
    return View<T>(gradients_ + p.offset, s.rows, s.cols);
}

template <class T>
ConstView<T> Layer<T>::parameter(std::size_t i) const {
    return const_cast<Layer<T>*>(this)->parameter(i);
}

template <class T>
ConstView<T> Layer<T>::gradient(std::size_t i) const {
    return const_cast<Layer<T>*>(this)->gradient(i);
}

template <class T>
std::size_t Layer<T>::parameter_index(const std::string& name) const {
    for (std::size_t i = 0; i < parameters_.size(); ++i) {
        if (parameters_[i].name == name) return i;
    }
    throw std::invalid_argument(describe() + ": no parameter named '" + name + "'");
}

template <class T>
void Layer<T>::zero_grad() {
    if (parameter_count_ > 0) zero_pending_ = true;
}

template <class T>
void Layer<T>::settle_gradients() const {
    if (!zero_pending_) return;
    zero_pending_ = false;
    // Split like the optimizer's pass, so each thread clears the slice it
    // will accumulate into and update (threads.hpp).
    T* g = gradients_;
    for_each_block(parameter_count_, [g](std::size_t begin, std::size_t end) { std::fill(g + begin, g + end, T(0)); });
}

template <class T>
bool Layer<T>::take_pending_zero() {
    const bool pending = zero_pending_;
    zero_pending_ = false;
    return pending;
}

template <class T>
void Layer<T>::bind(T* values, T* gradients) {
    if (parameter_count_ == 0) return;
    settle_gradients();  // the new block gets the zeros, not the stale values
    if (values != values_) std::copy(values_, values_ + parameter_count_, values);
    if (gradients != gradients_) std::copy(gradients_, gradients_ + parameter_count_, gradients);
    values_ = values;
    gradients_ = gradients;
    owned_values_ = Vector<T>();  // storage now lives in the container
    owned_gradients_ = Vector<T>();
}

template <class T>
void Layer<T>::declare_parameter(const std::string& name, std::vector<std::size_t> dims) {
    ParameterInfo info{name, std::move(dims), parameter_count_};
    if (__builtin_add_overflow(parameter_count_, info.size(), &parameter_count_)) {
        parameter_count_ = std::numeric_limits<std::size_t>::max();
    }
    parameters_.push_back(std::move(info));
}

template <class T>
void Layer<T>::allocate_parameters() {
    // Values and gradients, checked before anything is allocated: a model too
    // large for the machine is an error naming it, not std::bad_alloc or the OOM killer.
    const std::uint64_t limit = max_parameter_bytes();
    if (parameter_count_ > limit / (2 * sizeof(T))) {
        const long double bytes = 2.0L * sizeof(T) * static_cast<long double>(parameter_count_);
        throw std::length_error(describe() + ": " + std::to_string(parameter_count_) + " parameters need " +
                                    format_bytes(bytes > 1.8e19L ? std::numeric_limits<std::uint64_t>::max()
                                                                 : static_cast<std::uint64_t>(bytes)) +
                                    " with their gradients, more than the limit of " + format_bytes(limit));
    }
    owned_values_ = Vector<T>::from_shape({parameter_count_});
    owned_gradients_ = Vector<T>::from_shape({parameter_count_});
    owned_values_.fill(T(0));
    owned_gradients_.fill(T(0));
    values_ = owned_values_.data();
    gradients_ = owned_gradients_.data();
}

template <class T>
void Layer<T>::set_parameter_list(std::vector<ParameterInfo> list) {
    parameters_ = std::move(list);
    parameter_count_ = 0;
    for (const auto& p : parameters_) parameter_count_ = std::max(parameter_count_, p.offset + p.size());
}

template class Layer<float>;
template class Layer<double>;

}  // namespace vecnn
