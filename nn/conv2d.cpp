#include "vecnn/nn/conv2d.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "vecnn/tensor/precision.hpp"

namespace vecnn {

template <class T>
Conv2d<T>::Conv2d(const SampleShape& input, std::size_t out_channels, std::size_t kernel, std::size_t stride,
                  std::size_t padding, Rng& rng)
    : out_channels_(out_channels) {
    const std::string name = "conv2d(" + std::to_string(input.empty() ? 0 : input[0]) + "," +
                             std::to_string(out_channels) + "," + std::to_string(kernel) + ")";
    window_ = Window2d::over(input, kernel, stride, padding, name);
    full_columns_ = window_.full_outputs(window_.width, window_.out_width());
    if (window_.channels == 0 || out_channels == 0) throw std::invalid_argument(name + ": channels must be positive");
    this->declare_parameter("weight", {out_channels, window_.channels, kernel, kernel});
    this->declare_parameter("bias", {out_channels});
    this->allocate_parameters();
    reset_parameters(rng);
}

template <class T>
Conv2d<T>::Conv2d(const SampleShape& input, std::size_t out_channels, std::size_t kernel, std::size_t stride,
                  std::size_t padding, std::uint64_t seed)
    : Conv2d(input, out_channels, kernel, stride, padding, Rng(seed)) {}

template <class T>
Conv2d<T>::Conv2d(const SampleShape& input, std::size_t out_channels, std::size_t kernel, std::size_t stride,
                  std::size_t padding, Rng&& rng)
    : Conv2d(input, out_channels, kernel, stride, padding, rng) {}

template <class T>
std::string Conv2d<T>::describe() const {
    std::string s = "conv2d(" + std::to_string(window_.channels) + "," + std::to_string(out_channels_) + "," +
                    std::to_string(window_.kernel);
    if (window_.stride != 1) s += ",stride=" + std::to_string(window_.stride);
    if (window_.padding != 0) s += ",padding=" + std::to_string(window_.padding);
    return s + ")";
}

template <class T>
void Conv2d<T>::reset_parameters(Rng& rng) {
    // kaiming_uniform(a = sqrt 5) over fan_in = C k k: bound 1 / sqrt(fan_in), the bias's too.
    const double bound = 1.0 / std::sqrt(static_cast<double>(patch_size()));
    for (std::size_t i = 0; i < 2; ++i) {
        View<T> p = this->parameter(i);
        for (std::size_t j = 0; j < p.size(); ++j) p.data[j] = static_cast<T>(rng.uniform(-bound, bound));
    }
}

template <class T>
std::size_t Conv2d<T>::output_features(std::size_t in) const {
    Layer<T>::output_features(in);  // checks the width
    return out_channels_ * window_.out_pixels();
}

template <class T>
SampleShape Conv2d<T>::output_shape(const SampleShape& in) const {
    output_features(sample_size(in));
    return {out_channels_, window_.out_height(), window_.out_width()};
}

template <class T>
double Conv2d<T>::forward_flops(std::size_t) const {
    const double outputs = static_cast<double>(out_channels_ * window_.out_pixels());
    return outputs * (2.0 * static_cast<double>(patch_size()) + 1.0);
}

template <class T>
std::pair<View<T>, View<T>> Conv2d<T>::gradients_to_add_to() {
    View<T> weight_gradient = this->stored_gradient(0), bias_gradient = this->stored_gradient(1);
    if (this->take_pending_zero()) {
        std::fill(weight_gradient.data, weight_gradient.data + weight_gradient.size(), T(0));
        std::fill(bias_gradient.data, bias_gradient.data + bias_gradient.size(), T(0));
    }
    return {weight_gradient, bias_gradient};
}

// ---- loop engine: the direct definition ----

template <class T>
void Conv2d<T>::forward_loop(ConstView<T> x, View<T> y) {
    const Window2d& w = window_;
    const std::size_t k = w.kernel, oh_n = w.out_height(), ow_n = w.out_width();
    const T* weight = this->parameter(0).data;
    const T* bias = this->parameter(1).data;
    const MatmulPrecision precision = matmul_precision();  // bf16: the GEMM's operands rounded
    for (std::size_t n = 0; n < x.rows(); ++n) {
        for (std::size_t oc = 0; oc < out_channels_; ++oc) {
            for (std::size_t oh = 0; oh < oh_n; ++oh) {
                for (std::size_t ow = 0; ow < ow_n; ++ow) {
                    T sum = bias[oc];
                    for (std::size_t c = 0; c < w.channels; ++c) {
                        for (std::size_t i = 0; i < k; ++i) {
                            std::size_t ih = 0;
                            if (!w.input_index(oh, i, w.height, ih)) continue;
                            for (std::size_t j = 0; j < k; ++j) {
                                std::size_t iw = 0;
                                if (!w.input_index(ow, j, w.width, iw)) continue;
                                sum += matmul_operand(weight[((oc * w.channels + c) * k + i) * k + j], precision) *
                                       matmul_operand(x(n, (c * w.height + ih) * w.width + iw), precision);
                            }
                        }
                    }
                    y(n, (oc * oh_n + oh) * ow_n + ow) = sum;
                }
            }
        }
    }
}

template <class T>
void Conv2d<T>::backward_loop(ConstView<T> x, ConstView<T>, ConstView<T> dy, View<T> dx) {
    const Window2d& w = window_;
    const std::size_t k = w.kernel, oh_n = w.out_height(), ow_n = w.out_width();
    const T* weight = this->parameter(0).data;
    auto [weight_gradient, bias_gradient] = gradients_to_add_to();
    const bool want_dx = this->input_gradient_wanted();
    if (want_dx) std::fill(dx.data, dx.data + dx.size(), T(0));
    const MatmulPrecision precision = matmul_precision();
    for (std::size_t n = 0; n < x.rows(); ++n) {
        for (std::size_t oc = 0; oc < out_channels_; ++oc) {
            for (std::size_t oh = 0; oh < oh_n; ++oh) {
                for (std::size_t ow = 0; ow < ow_n; ++ow) {
                    const T g = dy(n, (oc * oh_n + oh) * ow_n + ow);
                    bias_gradient.data[oc] += g;
                    const T gm = matmul_operand(g, precision);
                    for (std::size_t c = 0; c < w.channels; ++c) {
                        for (std::size_t i = 0; i < k; ++i) {
                            std::size_t ih = 0;
                            if (!w.input_index(oh, i, w.height, ih)) continue;
                            for (std::size_t j = 0; j < k; ++j) {
                                std::size_t iw = 0;
                                if (!w.input_index(ow, j, w.width, iw)) continue;
                                const std::size_t wi = ((oc * w.channels + c) * k + i) * k + j;
                                const std::size_t xi = (c * w.height + ih) * w.width + iw;
                                weight_gradient.data[wi] += gm * matmul_operand(x(n, xi), precision);
                                if (want_dx) dx(n, xi) += gm * matmul_operand(weight[wi], precision);
                            }
                        }
                    }
                }
            }
        }
    }
}

// ---- vectorized engine: im2col, one GEMM per batch, col2im ----

template <class T>
void Conv2d<T>::im2col(ConstView<T> x) {
    const Window2d& w = window_;
    const std::size_t k = w.kernel, oh_n = w.out_height(), ow_n = w.out_width(), pixels = w.out_pixels();
    const auto [full_first, full_last] = full_columns_;  // windows without padding columns
    ensure_shape(columns_, x.rows() * pixels, patch_size());
    T* row = columns_.data();
    for (std::size_t n = 0; n < x.rows(); ++n) {
        const T* sample = x.data + n * x.cols();
        for (std::size_t oh = 0; oh < oh_n; ++oh) {
            for (std::size_t ow = 0; ow < ow_n; ++ow, row += patch_size()) {
                const bool full = ow >= full_first && ow < full_last;
                T* out = row;
                for (std::size_t c = 0; c < w.channels; ++c) {
                    for (std::size_t i = 0; i < k; ++i, out += k) {
                        std::size_t ih = 0;
                        if (!w.input_index(oh, i, w.height, ih)) {
                            std::fill(out, out + k, T(0));
                            continue;
                        }
                        const T* line = sample + (c * w.height + ih) * w.width;
                        if (full) {  // k neighbouring inputs
                            std::copy(line + ow * w.stride - w.padding, line + ow * w.stride - w.padding + k, out);
                            continue;
                        }
                        for (std::size_t j = 0; j < k; ++j) {
                            std::size_t iw = 0;
                            out[j] = w.input_index(ow, j, w.width, iw) ? line[iw] : T(0);
                        }
                    }
                }
            }
        }
    }
}

template <class T>
void Conv2d<T>::col2im(View<T> dx) const {
    const Window2d& w = window_;
    const std::size_t k = w.kernel, oh_n = w.out_height(), ow_n = w.out_width();
    const auto [full_first, full_last] = full_columns_;
    std::fill(dx.data, dx.data + dx.size(), T(0));
    const T* row = column_gradient_.data();
    for (std::size_t n = 0; n < dx.rows(); ++n) {
        T* sample = dx.data + n * dx.cols();
        for (std::size_t oh = 0; oh < oh_n; ++oh) {
            for (std::size_t ow = 0; ow < ow_n; ++ow, row += patch_size()) {
                const bool full = ow >= full_first && ow < full_last;
                const T* in = row;
                for (std::size_t c = 0; c < w.channels; ++c) {
                    for (std::size_t i = 0; i < k; ++i, in += k) {
                        std::size_t ih = 0;
                        if (!w.input_index(oh, i, w.height, ih)) continue;
                        T* line = sample + (c * w.height + ih) * w.width;
                        if (full) {
                            T* target = line + ow * w.stride - w.padding;
                            for (std::size_t j = 0; j < k; ++j) target[j] += in[j];
                            continue;
                        }
                        for (std::size_t j = 0; j < k; ++j) {
                            std::size_t iw = 0;
                            if (w.input_index(ow, j, w.width, iw)) line[iw] += in[j];
                        }
                    }
                }
            }
        }
    }
}

template <class T>
void Conv2d<T>::forward_vectorized(ConstView<T> x, View<T> y) {
    const Kernels<T>& kern = vectorized_kernels<T>();
    const std::size_t pixels = window_.out_pixels();
    im2col(x);
    ensure_shape(products_, x.rows() * pixels, out_channels_);
    // (batch OH OW, C k k) x (C k k, OC): every output of the batch in one GEMM, pixel-major.
    kern.gemm(false, true, T(1), columns_, this->parameter(0), T(0), products_);
    // To NCHW rows, adding the bias: y(n, oc, p) = products(n OH OW + p, oc) + b(oc).
    const T* bias = this->parameter(1).data;
    for (std::size_t n = 0; n < x.rows(); ++n) {
        const T* block = products_.data() + n * pixels * out_channels_;
        T* out = y.data + n * y.cols();
        for (std::size_t oc = 0; oc < out_channels_; ++oc) {
            for (std::size_t p = 0; p < pixels; ++p) out[oc * pixels + p] = block[p * out_channels_ + oc] + bias[oc];
        }
    }
}

template <class T>
void Conv2d<T>::backward_vectorized(ConstView<T>, ConstView<T>, ConstView<T> dy, View<T> dx) {
    const Kernels<T>& kern = vectorized_kernels<T>();
    const std::size_t pixels = window_.out_pixels(), batch = dy.rows();
    // The upstream gradient back to pixel-major rows (products_ is free in backward).
    ensure_shape(products_, batch * pixels, out_channels_);
    for (std::size_t n = 0; n < batch; ++n) {
        const T* in = dy.data + n * dy.cols();
        T* block = products_.data() + n * pixels * out_channels_;
        for (std::size_t oc = 0; oc < out_channels_; ++oc) {
            for (std::size_t p = 0; p < pixels; ++p) block[p * out_channels_ + oc] = in[oc * pixels + p];
        }
    }
    View<T> weight_gradient = this->stored_gradient(0), bias_gradient = this->stored_gradient(1);
    const bool overwrite = this->take_pending_zero();
    if (overwrite) std::fill(bias_gradient.data, bias_gradient.data + bias_gradient.size(), T(0));
    // dW (OC, C k k) (+)= dZ^T columns;  db += column sums of dZ.
    kern.gemm(true, false, T(1), products_, columns_, overwrite ? T(0) : T(1), weight_gradient);
    kern.add_column_sums(products_, bias_gradient);
    if (!this->input_gradient_wanted()) return;
    // d columns = dZ W, then every receptive field's gradient back onto its pixels.
    ensure_shape(column_gradient_, batch * pixels, patch_size());
    kern.gemm(false, false, T(1), products_, this->parameter(0), T(0), column_gradient_);
    col2im(dx);
}

template class Conv2d<float>;
template class Conv2d<double>;

}  // namespace vecnn
