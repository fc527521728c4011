// Loop reference kernels: explicit loops over samples and elements, scalar
// <cmath> only. No BLAS, no xtensor expressions, nothing shared with
// kernels_vectorized.cpp beyond argument checks: an independent oracle.
#include <cmath>
#include <type_traits>
#include <vector>

#include "vecnn/tensor/kernel_checks.hpp"
#include "vecnn/tensor/kernels.hpp"
#include "vecnn/tensor/precision.hpp"

namespace vecnn::loop {

// GELU's constants, as PyTorch spells them: M_SQRT1_2 and M_2_SQRTPI * M_SQRT1_2 / 2.
constexpr double kSqrtHalf = 0.70710678118654752440;        // 1 / sqrt(2)
constexpr double kInverseSqrt2Pi = 0.39894228040143267794;  // 1 / sqrt(2 pi)

template <class T>
void gemm(bool transpose_a, bool transpose_b, T alpha, ConstView<T> a, ConstView<T> b, T beta, View<T> c) {
    const auto d = detail::check_gemm(transpose_a, transpose_b, a.shape, b.shape, c.shape);
    const MatmulPrecision precision = matmul_precision();
    // bf16 (float32 GEMMs only): every operand element rounded once, into
    // per-thread copies of op(A) (m, k) and op(B)^T (n, k) kept between calls
    // (both read along k, as the dot products below walk them); the sums stay float32.
    const bool rounded = std::is_same<T, float>::value && precision == MatmulPrecision::bfloat16;
    thread_local std::vector<T> rounded_a, rounded_b;
    if (rounded) {
        rounded_a.resize(d.m * d.k);
        rounded_b.resize(d.k * d.n);
        for (std::size_t i = 0; i < d.m; ++i) {
            for (std::size_t p = 0; p < d.k; ++p) {
                rounded_a[i * d.k + p] = matmul_operand(transpose_a ? a(p, i) : a(i, p), precision);
            }
        }
        for (std::size_t j = 0; j < d.n; ++j) {
            for (std::size_t p = 0; p < d.k; ++p) {
                rounded_b[j * d.k + p] = matmul_operand(transpose_b ? b(j, p) : b(p, j), precision);
            }
        }
    }
    for (std::size_t i = 0; i < d.m; ++i) {
        for (std::size_t j = 0; j < d.n; ++j) {
            T sum = 0;
            for (std::size_t p = 0; p < d.k; ++p) {
                const T aip = rounded ? rounded_a[i * d.k + p] : transpose_a ? a(p, i) : a(i, p);
                const T bpj = rounded ? rounded_b[j * d.k + p] : transpose_b ? b(j, p) : b(p, j);
                sum += aip * bpj;
            }
            c(i, j) = beta == T(0) ? alpha * sum : alpha * sum + beta * c(i, j);
        }
    }
}

template <class T>
void broadcast_rows(ConstView<T> bias, View<T> y) {
    detail::check_row("broadcast_rows", bias.shape, y.shape);
    for (std::size_t r = 0; r < y.rows(); ++r) {
        for (std::size_t j = 0; j < y.cols(); ++j) y(r, j) = bias(0, j);
    }
}

template <class T>
void add_column_sums(ConstView<T> x, View<T> acc) {
    detail::check_row("add_column_sums", acc.shape, x.shape);
    for (std::size_t j = 0; j < x.cols(); ++j) {
        T sum = 0;
        for (std::size_t r = 0; r < x.rows(); ++r) sum += x(r, j);
        acc(0, j) += sum;
    }
}

template <class T>
void relu_forward(ConstView<T> x, View<T> y) {
    require_same_shape("relu_forward", "input", x.shape, "output", y.shape);
    for (std::size_t i = 0; i < x.size(); ++i) y.data[i] = x.data[i] > T(0) ? x.data[i] : T(0);
}

template <class T>
void relu_backward(ConstView<T> y, ConstView<T> dy, View<T> dx) {
    require_same_shape("relu_backward", "output", y.shape, "upstream gradient", dy.shape);
    require_same_shape("relu_backward", "upstream gradient", dy.shape, "input gradient", dx.shape);
    for (std::size_t i = 0; i < y.size(); ++i) dx.data[i] = y.data[i] > T(0) ? dy.data[i] : T(0);
}

template <class T>
void leaky_relu_forward(ConstView<T> x, T slope, View<T> y) {
    require_same_shape("leaky_relu_forward", "input", x.shape, "output", y.shape);
    for (std::size_t i = 0; i < x.size(); ++i) y.data[i] = x.data[i] > T(0) ? x.data[i] : x.data[i] * slope;
}

template <class T>
void leaky_relu_backward(ConstView<T> x, ConstView<T> dy, T slope, View<T> dx) {
    require_same_shape("leaky_relu_backward", "input", x.shape, "upstream gradient", dy.shape);
    require_same_shape("leaky_relu_backward", "upstream gradient", dy.shape, "input gradient", dx.shape);
    for (std::size_t i = 0; i < x.size(); ++i) dx.data[i] = x.data[i] > T(0) ? dy.data[i] : dy.data[i] * slope;
}

// PyTorch's constants and order of operations (its GeluKernel, approximate="none").
template <class T>
void gelu_forward(ConstView<T> x, View<T> y) {
    require_same_shape("gelu_forward", "input", x.shape, "output", y.shape);
    const T alpha = T(kSqrtHalf);
    for (std::size_t i = 0; i < x.size(); ++i) {
        const T v = x.data[i];
        y.data[i] = v * T(0.5) * (T(1) + std::erf(v * alpha));
    }
}

template <class T>
void gelu_backward(ConstView<T> x, ConstView<T> dy, View<T> dx) {
    require_same_shape("gelu_backward", "input", x.shape, "upstream gradient", dy.shape);
    require_same_shape("gelu_backward", "upstream gradient", dy.shape, "input gradient", dx.shape);
    const T alpha = T(kSqrtHalf), beta = T(kInverseSqrt2Pi);  // 1/sqrt(2 pi)
    for (std::size_t i = 0; i < x.size(); ++i) {
        const T v = x.data[i];
        const T cdf = T(0.5) * (T(1) + std::erf(v * alpha));
        const T pdf = std::exp(T(-0.5) * v * v) * beta;
        dx.data[i] = dy.data[i] * (cdf + v * pdf);
    }
}

template <class T>
void softplus_forward(ConstView<T> x, T beta, T threshold, View<T> y) {
    require_same_shape("softplus_forward", "input", x.shape, "output", y.shape);
    for (std::size_t i = 0; i < x.size(); ++i) {
        const T bx = x.data[i] * beta;
        y.data[i] = bx > threshold ? x.data[i] : std::log1p(std::exp(bx)) / beta;
    }
}

template <class T>
void softplus_backward(ConstView<T> x, ConstView<T> dy, T beta, T threshold, View<T> dx) {
    require_same_shape("softplus_backward", "input", x.shape, "upstream gradient", dy.shape);
    require_same_shape("softplus_backward", "upstream gradient", dy.shape, "input gradient", dx.shape);
    for (std::size_t i = 0; i < x.size(); ++i) {
        const T bx = x.data[i] * beta;
        if (bx > threshold) {
            dx.data[i] = dy.data[i];
        } else {
            const T z = std::exp(bx);
            dx.data[i] = dy.data[i] * z / (z + T(1));
        }
    }
}

template <class T>
void sigmoid_forward(ConstView<T> x, View<T> y) {
    require_same_shape("sigmoid_forward", "input", x.shape, "output", y.shape);
    for (std::size_t i = 0; i < x.size(); ++i) {
        const T v = x.data[i];
        if (v >= T(0)) {
            y.data[i] = T(1) / (T(1) + std::exp(-v));
        } else {
            const T e = std::exp(v);  // v < 0: e in (0, 1), no overflow
            y.data[i] = e / (T(1) + e);
        }
    }
}

template <class T>
void sigmoid_backward(ConstView<T> y, ConstView<T> dy, View<T> dx) {
    require_same_shape("sigmoid_backward", "output", y.shape, "upstream gradient", dy.shape);
    require_same_shape("sigmoid_backward", "upstream gradient", dy.shape, "input gradient", dx.shape);
    for (std::size_t i = 0; i < y.size(); ++i) dx.data[i] = dy.data[i] * y.data[i] * (T(1) - y.data[i]);
}

template <class T>
void tanh_forward(ConstView<T> x, View<T> y) {
    require_same_shape("tanh_forward", "input", x.shape, "output", y.shape);
    for (std::size_t i = 0; i < x.size(); ++i) y.data[i] = std::tanh(x.data[i]);
}

template <class T>
void tanh_backward(ConstView<T> y, ConstView<T> dy, View<T> dx) {
    require_same_shape("tanh_backward", "output", y.shape, "upstream gradient", dy.shape);
    require_same_shape("tanh_backward", "upstream gradient", dy.shape, "input gradient", dx.shape);
    for (std::size_t i = 0; i < y.size(); ++i) dx.data[i] = dy.data[i] * (T(1) - y.data[i] * y.data[i]);
}

namespace {
// Writes softmax(x row r) into y row r and returns log(sum_j exp(x_j)) for that row.
template <class T>
T softmax_row(ConstView<T> x, View<T> y, std::size_t r) {
    T max = x(r, 0);
    for (std::size_t j = 1; j < x.cols(); ++j) max = x(r, j) > max ? x(r, j) : max;
    T sum = 0;
    for (std::size_t j = 0; j < x.cols(); ++j) {
        y(r, j) = std::exp(x(r, j) - max);
        sum += y(r, j);
    }
    for (std::size_t j = 0; j < x.cols(); ++j) y(r, j) /= sum;
    return std::log(sum) + max;
}
}  // namespace

template <class T>
void softmax_forward(ConstView<T> x, View<T> y) {
    require_same_shape("softmax_forward", "input", x.shape, "output", y.shape);
    if (x.cols() == 0) return;
    for (std::size_t r = 0; r < x.rows(); ++r) softmax_row(x, y, r);
}

template <class T>
void softmax_backward(ConstView<T> y, ConstView<T> dy, View<T> dx) {
    require_same_shape("softmax_backward", "output", y.shape, "upstream gradient", dy.shape);
    require_same_shape("softmax_backward", "upstream gradient", dy.shape, "input gradient", dx.shape);
    for (std::size_t r = 0; r < y.rows(); ++r) {
        T dot = 0;
        for (std::size_t j = 0; j < y.cols(); ++j) dot += dy(r, j) * y(r, j);
        for (std::size_t j = 0; j < y.cols(); ++j) dx(r, j) = y(r, j) * (dy(r, j) - dot);
    }
}

template <class T>
void log_softmax_forward(ConstView<T> x, View<T> y) {
    require_same_shape("log_softmax_forward", "input", x.shape, "output", y.shape);
    for (std::size_t r = 0; r < x.rows() && x.cols() > 0; ++r) {
        T max = x(r, 0);
        for (std::size_t j = 1; j < x.cols(); ++j) max = x(r, j) > max ? x(r, j) : max;
        T sum = 0;
        for (std::size_t j = 0; j < x.cols(); ++j) sum += std::exp(x(r, j) - max);
        const T log_sum = std::log(sum);
        for (std::size_t j = 0; j < x.cols(); ++j) y(r, j) = x(r, j) - max - log_sum;
    }
}

template <class T>
void log_softmax_backward(ConstView<T> y, ConstView<T> dy, View<T> dx) {
    require_same_shape("log_softmax_backward", "output", y.shape, "upstream gradient", dy.shape);
    require_same_shape("log_softmax_backward", "upstream gradient", dy.shape, "input gradient", dx.shape);
    for (std::size_t r = 0; r < y.rows(); ++r) {
        T sum = 0;
        for (std::size_t j = 0; j < y.cols(); ++j) sum += dy(r, j);
        for (std::size_t j = 0; j < y.cols(); ++j) dx(r, j) = dy(r, j) - std::exp(y(r, j)) * sum;
    }
}

template <class T>
T cross_entropy_labels(ConstView<T> logits, const std::int64_t* labels, View<T> probabilities) {
    require_same_shape("cross_entropy", "logits", logits.shape, "probabilities", probabilities.shape);
    detail::check_labels("cross_entropy", labels, logits.shape);
    T total = 0;
    for (std::size_t r = 0; r < logits.rows(); ++r) {
        const T lse = softmax_row(logits, probabilities, r);
        total += lse - logits(r, static_cast<std::size_t>(labels[r]));
    }
    return total;
}

template <class T>
T cross_entropy_targets(ConstView<T> logits, ConstView<T> targets, View<T> probabilities) {
    require_same_shape("cross_entropy", "logits", logits.shape, "targets", targets.shape);
    require_same_shape("cross_entropy", "logits", logits.shape, "probabilities", probabilities.shape);
    T total = 0;
    for (std::size_t r = 0; r < logits.rows(); ++r) {
        const T lse = softmax_row(logits, probabilities, r);
        for (std::size_t j = 0; j < logits.cols(); ++j) total -= targets(r, j) * (logits(r, j) - lse);
    }
    return total;
}

template <class T>
void cross_entropy_labels_backward(ConstView<T> probabilities, const std::int64_t* labels, T scale, View<T> dlogits) {
    require_same_shape("cross_entropy_backward", "probabilities", probabilities.shape, "logits gradient",
                       dlogits.shape);
    detail::check_labels("cross_entropy_backward", labels, probabilities.shape);
    for (std::size_t r = 0; r < dlogits.rows(); ++r) {
        for (std::size_t j = 0; j < dlogits.cols(); ++j) {
            const T onehot = static_cast<std::int64_t>(j) == labels[r] ? T(1) : T(0);
            dlogits(r, j) = scale * (probabilities(r, j) - onehot);
        }
    }
}

template <class T>
void cross_entropy_targets_backward(ConstView<T> probabilities, ConstView<T> targets, T scale, View<T> dlogits) {
    require_same_shape("cross_entropy_backward", "probabilities", probabilities.shape, "targets", targets.shape);
    require_same_shape("cross_entropy_backward", "probabilities", probabilities.shape, "logits gradient",
                       dlogits.shape);
    for (std::size_t r = 0; r < dlogits.rows(); ++r) {
        T mass = 0;
        for (std::size_t j = 0; j < dlogits.cols(); ++j) mass += targets(r, j);
        for (std::size_t j = 0; j < dlogits.cols(); ++j) {
            dlogits(r, j) = scale * (probabilities(r, j) * mass - targets(r, j));
        }
    }
}

template <class T>
T squared_error(ConstView<T> predictions, ConstView<T> targets) {
    require_same_shape("mse", "predictions", predictions.shape, "targets", targets.shape);
    T total = 0;
    for (std::size_t i = 0; i < predictions.size(); ++i) {
        const T d = predictions.data[i] - targets.data[i];
        total += d * d;
    }
    return total;
}

template <class T>
void squared_error_backward(ConstView<T> predictions, ConstView<T> targets, T scale, View<T> dpredictions) {
    require_same_shape("mse_backward", "predictions", predictions.shape, "targets", targets.shape);
    require_same_shape("mse_backward", "predictions", predictions.shape, "predictions gradient", dpredictions.shape);
    for (std::size_t i = 0; i < predictions.size(); ++i) {
        dpredictions.data[i] = T(2) * scale * (predictions.data[i] - targets.data[i]);
    }
}

template <class T>
T nll_labels(ConstView<T> log_probabilities, const std::int64_t* labels) {
    detail::check_labels("nll", labels, log_probabilities.shape);
    T total = 0;
    for (std::size_t r = 0; r < log_probabilities.rows(); ++r) {
        total -= log_probabilities(r, static_cast<std::size_t>(labels[r]));
    }
    return total;
}

template <class T>
void nll_labels_backward(const std::int64_t* labels, T scale, View<T> dx) {
    detail::check_labels("nll_backward", labels, dx.shape);
    for (std::size_t r = 0; r < dx.rows(); ++r) {
        for (std::size_t j = 0; j < dx.cols(); ++j) dx(r, j) = T(0);
        dx(r, static_cast<std::size_t>(labels[r])) = -scale;
    }
}

template <class T>
T bce_with_logits(ConstView<T> logits, ConstView<T> targets, ConstView<T> pos_weight, bool weighted) {
    require_same_shape("bce_with_logits", "logits", logits.shape, "targets", targets.shape);
    detail::check_row("bce_with_logits", pos_weight.shape, logits.shape);
    T total = 0;
    for (std::size_t r = 0; r < logits.rows(); ++r) {
        for (std::size_t j = 0; j < logits.cols(); ++j) {
            const T x = logits(r, j), t = targets(r, j);
            const T m = -x > T(0) ? -x : T(0);
            const T log_term = std::log(std::exp(-m) + std::exp(-x - m));
            if (weighted) {
                const T log_weight = (pos_weight(0, j) - T(1)) * t + T(1);
                total += (T(1) - t) * x + log_weight * (log_term + m);
            } else {
                total += (T(1) - t) * x + m + log_term;
            }
        }
    }
    return total;
}

template <class T>
void bce_with_logits_backward(ConstView<T> logits, ConstView<T> targets, ConstView<T> pos_weight, bool weighted,
                              T scale, View<T> dlogits) {
    require_same_shape("bce_with_logits_backward", "logits", logits.shape, "targets", targets.shape);
    require_same_shape("bce_with_logits_backward", "logits", logits.shape, "logits gradient", dlogits.shape);
    detail::check_row("bce_with_logits_backward", pos_weight.shape, logits.shape);
    for (std::size_t r = 0; r < logits.rows(); ++r) {
        for (std::size_t j = 0; j < logits.cols(); ++j) {
            const T x = logits(r, j), t = targets(r, j);
            const T sigmoid = T(1) / (T(1) + std::exp(-x));
            if (weighted) {
                const T pt = pos_weight(0, j) * t;
                dlogits(r, j) = scale * ((pt + T(1) - t) * sigmoid - pt);
            } else {
                dlogits(r, j) = scale * (sigmoid - t);
            }
        }
    }
}

template <class T>
T huber(ConstView<T> predictions, ConstView<T> targets, T delta) {
    require_same_shape("huber", "predictions", predictions.shape, "targets", targets.shape);
    T total = 0;
    for (std::size_t i = 0; i < predictions.size(); ++i) {
        const T z = std::abs(predictions.data[i] - targets.data[i]);
        total += z < delta ? T(0.5) * z * z : delta * (z - T(0.5) * delta);
    }
    return total;
}

template <class T>
void huber_backward(ConstView<T> predictions, ConstView<T> targets, T delta, T scale, View<T> dpredictions) {
    require_same_shape("huber_backward", "predictions", predictions.shape, "targets", targets.shape);
    require_same_shape("huber_backward", "predictions", predictions.shape, "predictions gradient", dpredictions.shape);
    for (std::size_t i = 0; i < predictions.size(); ++i) {
        const T d = predictions.data[i] - targets.data[i];
        dpredictions.data[i] = d <= -delta ? -scale * delta : (d >= delta ? scale * delta : scale * d);
    }
}

template <class T>
T smooth_l1(ConstView<T> predictions, ConstView<T> targets, T beta) {
    require_same_shape("smooth_l1", "predictions", predictions.shape, "targets", targets.shape);
    T total = 0;
    for (std::size_t i = 0; i < predictions.size(); ++i) {
        const T z = std::abs(predictions.data[i] - targets.data[i]);
        total += z < beta ? T(0.5) * z * z / beta : z - T(0.5) * beta;
    }
    return total;
}

template <class T>
void smooth_l1_backward(ConstView<T> predictions, ConstView<T> targets, T beta, T scale, View<T> dpredictions) {
    require_same_shape("smooth_l1_backward", "predictions", predictions.shape, "targets", targets.shape);
    require_same_shape("smooth_l1_backward", "predictions", predictions.shape, "predictions gradient",
                       dpredictions.shape);
    for (std::size_t i = 0; i < predictions.size(); ++i) {
        const T d = predictions.data[i] - targets.data[i];
        dpredictions.data[i] = d <= -beta ? -scale : (d >= beta ? scale : scale * d / beta);
    }
}

}  // namespace vecnn::loop

#define VECNN_ENGINE_NAMESPACE loop
#define VECNN_ENGINE_TABLE loop_kernels
#include "vecnn/tensor/kernel_table.inc"
#undef VECNN_ENGINE_TABLE
#undef VECNN_ENGINE_NAMESPACE
