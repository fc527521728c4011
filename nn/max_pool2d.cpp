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
    // The geometry the vectorized sweep needs, once: each output row's and
    // column's first inside input, and per kernel column the outputs that reach inside.
    for (std::size_t o = 0; o < window_.out_height(); ++o) {
        first_inside_.push_back(first_inside_index(o, window_.height));
    }
    for (std::size_t o = 0; o < window_.out_width(); ++o) first_inside_.push_back(first_inside_index(o, window_.width));
    for (std::size_t j = 0; j < kernel; ++j) {
        column_runs_.push_back(window_.inside_outputs(j, window_.width, window_.out_width()));
    }
}

template <class T>
std::size_t MaxPool2d<T>::first_inside_index(std::size_t o, std::size_t size) const {
    std::size_t i = 0;
    for (std::size_t k = 0; k < window_.kernel; ++k) {
        if (window_.input_index(o, k, size, i)) return i;
    }
    return 0;  // unreachable: padding <= kernel / 2 leaves every window an inside input
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
    winners_.resize(y.size());  // no allocation once the batch size has been seen
    for (std::size_t plane = 0; plane < planes; ++plane) {
        const T* in = x.data + plane * w.in_pixels();
        T* out = y.data + plane * oh_n * ow_n;
        std::size_t* won = winners_.data() + plane * oh_n * ow_n;
        const std::size_t base = plane * w.in_pixels();  // the plane's offset in the batch
        // Every output starts at the first input of its window, value -inf (PyTorch's start).
        for (std::size_t oh = 0; oh < oh_n; ++oh) {
            for (std::size_t ow = 0; ow < ow_n; ++ow) {
                out[oh * ow_n + ow] = -std::numeric_limits<T>::infinity();
                won[oh * ow_n + ow] = base + first_inside_[oh] * w.width + first_inside_[oh_n + ow];
            }
        }
        // Then a sweep per window offset, in the window's row-major order, over
        // the outputs whose input there is inside: no branch in the inner loop.
        // (Geometry in locals: the index stores could alias the window's fields.)
        const std::size_t width = w.width, stride = w.stride, padding = w.padding;
        for (std::size_t i = 0; i < w.kernel; ++i) {
            for (std::size_t oh = 0; oh < oh_n; ++oh) {
                std::size_t ih = 0;
                if (!w.input_index(oh, i, w.height, ih)) continue;
                const T* line = in + ih * width;
                const std::size_t line_index = base + ih * width;  // of line[0] in the batch
                T* best = out + oh * ow_n;
                std::size_t* index = won + oh * ow_n;
                for (std::size_t j = 0; j < w.kernel; ++j) {
                    const auto [first, last] = column_runs_[j];
                    std::size_t iw = first * stride + j - padding;
                    for (std::size_t ow = first; ow < last; ++ow, iw += stride) {
                        const T v = line[iw], b = best[ow];
                        // NaN wins, as PyTorch. Bitwise |, and a select by mask: which
                        // input wins is data, unpredictable, so no branch.
                        const bool larger = (v > b) | (v != v);
                        const std::size_t take = std::size_t{0} - static_cast<std::size_t>(larger);
                        best[ow] = larger ? v : b;
                        index[ow] = ((line_index + iw) & take) | (index[ow] & ~take);
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
