#include "vecnn/nn/max_pool2d.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace vecnn {

template <class T>
MaxPool2d<T>::MaxPool2d(const SampleShape& input, std::size_t kernel, std::size_t stride, std::size_t padding) {
    const std::string name = "maxpool2d(" + std::to_string(kernel) + ")";
    window_ = Window2d::over(input, kernel, stride, padding, name);
    if (2 * padding > kernel) {
        throw std::invalid_argument(name + ": padding " + std::to_string(padding) +
                                    " is more than half the kernel (PyTorch's limit: padding <= kernel / 2)");
    }
}

template <class T>
std::string MaxPool2d<T>::describe() const {
    std::string s = "maxpool2d(" + std::to_string(window_.kernel);
    if (window_.stride != window_.kernel) s += ",stride=" + std::to_string(window_.stride);
    if (window_.padding != 0) s += ",padding=" + std::to_string(window_.padding);
    return s + ")";
}

template <class T>
std::size_t MaxPool2d<T>::output_features(std::size_t in) const {
    Layer<T>::output_features(in);  // checks the width
    return window_.channels * window_.out_pixels();
}

template <class T>
SampleShape MaxPool2d<T>::output_shape(const SampleShape& in) const {
    output_features(sample_size(in));
    return {window_.channels, window_.out_height(), window_.out_width()};
}

template <class T>
double MaxPool2d<T>::forward_flops(std::size_t) const {
    return static_cast<double>(window_.channels * window_.out_pixels() * window_.kernel * window_.kernel);
}

// ---- loop engine ----

template <class T>
std::size_t MaxPool2d<T>::scan_window(const T* sample, std::size_t c, std::size_t oh, std::size_t ow) const {
    const Window2d& w = window_;
    constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
    std::size_t best = none;
    T best_value = -std::numeric_limits<T>::infinity();
    for (std::size_t i = 0; i < w.kernel; ++i) {
        std::size_t ih = 0;
        if (!w.input_index(oh, i, w.height, ih)) continue;
        for (std::size_t j = 0; j < w.kernel; ++j) {
            std::size_t iw = 0;
            if (!w.input_index(ow, j, w.width, iw)) continue;
            const std::size_t index = (c * w.height + ih) * w.width + iw;
            const T v = sample[index];
            // PyTorch: the first in-window input, replaced by a larger one or by NaN.
            const bool larger = v > best_value || std::isnan(v);
            if (larger || best == none) {
                best = index;
                if (larger) best_value = v;
            }
        }
    }
    return best;
}

template <class T>
void MaxPool2d<T>::forward_loop(ConstView<T> x, View<T> y) {
    const Window2d& w = window_;
    for (std::size_t n = 0; n < x.rows(); ++n) {
        const T* sample = x.data + n * x.cols();
        for (std::size_t c = 0; c < w.channels; ++c) {
            for (std::size_t oh = 0; oh < w.out_height(); ++oh) {
                for (std::size_t ow = 0; ow < w.out_width(); ++ow) {
                    y(n, (c * w.out_height() + oh) * w.out_width() + ow) = sample[scan_window(sample, c, oh, ow)];
                }
            }
        }
    }
}

template <class T>
void MaxPool2d<T>::backward_loop(ConstView<T> x, ConstView<T>, ConstView<T> dy, View<T> dx) {
    const Window2d& w = window_;
    std::fill(dx.data, dx.data + dx.size(), T(0));
    for (std::size_t n = 0; n < x.rows(); ++n) {
        const T* sample = x.data + n * x.cols();
        for (std::size_t c = 0; c < w.channels; ++c) {
            for (std::size_t oh = 0; oh < w.out_height(); ++oh) {
                for (std::size_t ow = 0; ow < w.out_width(); ++ow) {
                    dx(n, scan_window(sample, c, oh, ow)) += dy(n, (c * w.out_height() + oh) * w.out_width() + ow);
                }
            }
        }
    }
}

// ---- vectorized engine: a sweep per window offset, then one scatter ----

template <class T>
void MaxPool2d<T>::forward_vectorized(ConstView<T> x, View<T> y) {
    const Window2d& w = window_;
    const std::size_t oh_n = w.out_height(), ow_n = w.out_width(), planes = x.rows() * w.channels;
    constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
    winners_.resize(y.size());  // no allocation once the batch size has been seen
    std::fill(winners_.begin(), winners_.end(), none);
    std::fill(y.data, y.data + y.size(), -std::numeric_limits<T>::infinity());
    for (std::size_t plane = 0; plane < planes; ++plane) {
        const T* in = x.data + plane * w.in_pixels();
        T* out = y.data + plane * oh_n * ow_n;
        std::size_t* won = winners_.data() + plane * oh_n * ow_n;
        const std::size_t base = plane * w.in_pixels();  // the plane's offset in the batch
        for (std::size_t i = 0; i < w.kernel; ++i) {
            for (std::size_t j = 0; j < w.kernel; ++j) {
                for (std::size_t oh = 0; oh < oh_n; ++oh) {
                    std::size_t ih = 0;
                    if (!w.input_index(oh, i, w.height, ih)) continue;
                    const T* line = in + ih * w.width;
                    for (std::size_t ow = 0; ow < ow_n; ++ow) {
                        std::size_t iw = 0;
                        if (!w.input_index(ow, j, w.width, iw)) continue;
                        const T v = line[iw];
                        T& best = out[oh * ow_n + ow];
                        std::size_t& index = won[oh * ow_n + ow];
                        const bool larger = v > best || std::isnan(v);
                        if (larger || index == none) {
                            index = base + ih * w.width + iw;
                            if (larger) best = v;
                        }
                    }
                }
            }
        }
    }
}

template <class T>
void MaxPool2d<T>::backward_vectorized(ConstView<T>, ConstView<T>, ConstView<T> dy, View<T> dx) {
    std::fill(dx.data, dx.data + dx.size(), T(0));
    for (std::size_t o = 0; o < dy.size(); ++o) dx.data[winners_[o]] += dy.data[o];
}

template class MaxPool2d<float>;
template class MaxPool2d<double>;

}  // namespace vecnn
