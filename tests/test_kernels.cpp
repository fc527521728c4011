// Kernel tests: every kernel of tensor/kernel_list.inc in both engines.
//
//  * known values computed by hand (both engines, float and double), so the
//    engines cannot agree on a wrong answer;
//  * loop vs vectorized agreement of EVERY entry of the list, with arguments
//    made from the entry's own recipe (no second list here): batches of 1 to
//    64 rows, 1 to 101 features, inner sizes 1 to 64, every flag and several
//    scalars;
//  * stability for huge logits / sigmoid arguments;
//  * shape errors: std::invalid_argument naming both shapes.
//
// Tolerances of the engine agreement (constants kDoubleRtol and kFloatUlps in
// tests/test_util.hpp, shared with test_layers.cpp; norm-wise: max|a - b| <= tol * max|b|,
// b = the loop engine's result, K = the length of the sum behind one output
// element: k for gemm, the batch for column sums, the row length for
// softmax, the element count for loss values; K = 1 for elementwise maps):
//   double: kDoubleRtol = 1e-12 for every kernel. Measured worst ratio
//           max|a - b| / (eps_double * sqrt(K) * max|b|) was 0.8, i.e. the
//           engines differ by ~1e-15 relative: 1e-12 is loose but still
//           catches any wrong term.
//   float:  kFloatUlps * eps_float * sqrt(K), kFloatUlps = 8. Measured worst
//           ratio max|a - b| / (eps_float * sqrt(K) * max|b|) over all kernels
//           and batch sizes was 1.05 (sigmoid/tanh: xsimd's exp/tanh vs libm
//           differ by an ulp; gemm 0.52, softmax 0.23: summation order of
//           BLAS/SIMD sums vs sequential loops, growing like sqrt(K) for
//           random data). Run with VECNN_TOLERANCE_REPORT=1 to reprint them.
//           8 leaves a margin for other BLAS builds and instruction sets
//           while a real bug (a wrong term) is off by orders of magnitude.
//   Copies and selections (broadcast_rows, relu) must agree exactly.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <tuple>
#include <utility>

#include "vecnn/tensor/kernels.hpp"
#include "test_util.hpp"

using namespace vecnn;
using vecnn::test::check_invalid_argument;
using vecnn::test::compare_close;
using vecnn::test::random_matrix;

namespace {

using vecnn::test::engine_rtol;
using vecnn::test::mat;
using vecnn::test::ulps;

// Both engines' tables: one test body runs against each.
template <class T>
std::vector<Kernels<T>> both_engines() {
    return {vectorized_kernels<T>(), loop_kernels<T>()};
}

// Worst observed ratio max|a-b| / (eps * sqrt(K) * max|b|) per kernel, printed
// when VECNN_TOLERANCE_REPORT is set (how the float tolerance was chosen).
std::map<std::string, double>& observed_ratios() {
    static std::map<std::string, double> m;
    return m;
}

// Loop result `b` is the reference; `a` the vectorized result.
template <class T>
void agree(const std::string& what, ConstView<T> a, ConstView<T> b, double k, bool exact = false) {
    const double rtol = exact ? 0.0 : engine_rtol<T>(k);
    const auto r = compare_close(a, b, rtol);
    INFO(what);
    CHECK_MESSAGE(r.ok, r.report);
    const double scale = std::numeric_limits<T>::epsilon() * std::sqrt(std::max(k, 1.0)) * vecnn::test::max_abs(b);
    if (scale > 0) {
        auto& worst = observed_ratios()[std::string(std::is_same<T, float>::value ? "float " : "double ") + what];
        worst = std::max(worst, r.max_diff / scale);
    }
}

template <class T>
void agree_scalar(const std::string& what, T a, T b, double k, double floor = 0) {
    INFO(what << ": vectorized " << a << " loop " << b);
    CHECK(vecnn::test::scalar_close(a, b, engine_rtol<T>(k), floor));
    const double scale = std::numeric_limits<T>::epsilon() * std::sqrt(std::max(k, 1.0)) * std::abs(double(b));
    if (scale > 0) {
        auto& worst = observed_ratios()[std::string(std::is_same<T, float>::value ? "float " : "double ") + what];
        worst = std::max(worst, std::abs(double(a) - double(b)) / scale);
    }
}

}  // namespace

// ---------------------------------------------------------------------------
// Known values, both engines
// ---------------------------------------------------------------------------

TEST_CASE_TEMPLATE("gemm: all four transpose combinations, beta 0 and 1, known values", T, float, double) {
    const Matrix<T> a = mat<T>({{1, 2, 3}, {4, 5, 6}});       // (2, 3)
    const Matrix<T> at = mat<T>({{1, 4}, {2, 5}, {3, 6}});    // a^T stored
    const Matrix<T> b = mat<T>({{7, 8}, {9, 10}, {11, 12}});  // (3, 2)
    const Matrix<T> bt = mat<T>({{7, 9, 11}, {8, 10, 12}});   // b^T stored
    const Matrix<T> ab = mat<T>({{58, 64}, {139, 154}});
    for (const auto& k : both_engines<T>()) {
        for (int ta = 0; ta < 2; ++ta) {
            for (int tb = 0; tb < 2; ++tb) {
                INFO("engine: " << to_string(k.engine));
                CAPTURE(ta);
                CAPTURE(tb);
                const Matrix<T>& lhs = ta ? at : a;
                const Matrix<T>& rhs = tb ? bt : b;
                // beta = 0 ignores what c held, even NaN (as BLAS does).
                Matrix<T> c = vecnn::test::filled<T>(2, 2, std::numeric_limits<T>::quiet_NaN());
                k.gemm(ta, tb, T(2), lhs, rhs, T(0), c);
                VECNN_CHECK_CLOSE(c, Matrix<T>(T(2) * ab), 0.0);
                // beta = 1 accumulates.
                Matrix<T> acc = mat<T>({{1, -1}, {0.5, 100}});
                k.gemm(ta, tb, T(1), lhs, rhs, T(1), acc);
                VECNN_CHECK_CLOSE(acc, mat<T>({{59, 63}, {139.5, 254}}), 0.0);
            }
        }
    }
}

TEST_CASE_TEMPLATE("gemm with an empty inner dimension scales c by beta", T, float, double) {
    for (const auto& k : both_engines<T>()) {
        INFO("engine: " << to_string(k.engine));
        Matrix<T> a = Matrix<T>::from_shape({3, 0});
        Matrix<T> b = Matrix<T>::from_shape({0, 2});
        Matrix<T> c = vecnn::test::filled<T>(3, 2, T(5));
        k.gemm(false, false, T(1), a, b, T(1), c);
        VECNN_CHECK_CLOSE(c, vecnn::test::filled<T>(3, 2, T(5)), 0.0);
        k.gemm(false, false, T(1), a, b, T(0), c);
        VECNN_CHECK_CLOSE(c, vecnn::test::filled<T>(3, 2, T(0)), 0.0);
    }
}

TEST_CASE_TEMPLATE("broadcast_rows and add_column_sums: known values", T, float, double) {
    for (const auto& k : both_engines<T>()) {
        INFO("engine: " << to_string(k.engine));
        const Matrix<T> row = mat<T>({{1, -2, 3}});
        Matrix<T> y = vecnn::test::filled<T>(2, 3, T(9));
        k.broadcast_rows(row, y);
        VECNN_CHECK_CLOSE(y, mat<T>({{1, -2, 3}, {1, -2, 3}}), 0.0);

        // Widths around the SIMD widths and the narrow/wide switch: every row is the bias, exactly.
        for (std::size_t cols : {1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 200}) {
            for (std::size_t rows : {1, 2, 5}) {
                Matrix<T> bias = Matrix<T>::from_shape({1, cols});
                for (std::size_t c = 0; c < cols; ++c) bias(0, c) = T(c) - T(0.5);
                Matrix<T> out = vecnn::test::filled<T>(rows, cols, T(9));
                k.broadcast_rows(bias, out);
                int wrong = 0;
                for (std::size_t r = 0; r < rows; ++r) {
                    for (std::size_t c = 0; c < cols; ++c) wrong += out(r, c) != bias(0, c);
                }
                INFO(rows, "x", cols);
                CHECK(wrong == 0);
            }
        }

        const Matrix<T> x = mat<T>({{1, 2}, {3, 4}, {5, 6}});
        Matrix<T> acc = mat<T>({{10, 20}});
        k.add_column_sums(x, acc);  // adds, never overwrites
        VECNN_CHECK_CLOSE(acc, mat<T>({{19, 32}}), 0.0);
    }
}

TEST_CASE_TEMPLATE("relu, sigmoid, tanh: known values and derivatives", T, float, double) {
    for (const auto& k : both_engines<T>()) {
        INFO("engine: " << to_string(k.engine));
        // ReLU, including both zeros: the derivative at 0 is 0 (PyTorch).
        const Matrix<T> x = mat<T>({{-2, -0.0, 0.0, 0.5, 3}});
        Matrix<T> y = Matrix<T>::from_shape({1, 5});
        k.relu_forward(x, y);
        VECNN_CHECK_CLOSE(y, mat<T>({{0, 0, 0, 0.5, 3}}), 0.0);
        const Matrix<T> dy = mat<T>({{7, 7, 7, 7, 7}});
        Matrix<T> dx = Matrix<T>::from_shape({1, 5});
        k.relu_backward(y, dy, dx);
        VECNN_CHECK_CLOSE(dx, mat<T>({{0, 0, 0, 7, 7}}), 0.0);

        // sigmoid(0) = 1/2, sigmoid(+-log 3) = 3/4, 1/4; sigmoid' = y (1 - y).
        const Matrix<T> xs = mat<T>({{0, std::log(3.0), -std::log(3.0)}});
        Matrix<T> ys = Matrix<T>::from_shape({1, 3});
        k.sigmoid_forward(xs, ys);
        VECNN_CHECK_CLOSE(ys, mat<T>({{0.5, 0.75, 0.25}}), ulps<T>(4));
        Matrix<T> dxs = Matrix<T>::from_shape({1, 3});
        const Matrix<T> ys_exact = mat<T>({{0.5, 0.75, 0.25}});
        k.sigmoid_backward(ys_exact, mat<T>({{2, 2, -4}}), dxs);
        VECNN_CHECK_CLOSE(dxs, mat<T>({{0.5, 0.375, -0.75}}), 0.0);

        // tanh(atanh(1/2)) = 1/2, tanh' = 1 - y^2.
        const Matrix<T> xt_ = mat<T>({{std::atanh(0.5), 0.0, -std::atanh(0.5)}});
        Matrix<T> yt = Matrix<T>::from_shape({1, 3});
        k.tanh_forward(xt_, yt);
        VECNN_CHECK_CLOSE(yt, mat<T>({{0.5, 0.0, -0.5}}), ulps<T>(4));
        Matrix<T> dxt = Matrix<T>::from_shape({1, 3});
        k.tanh_backward(mat<T>({{0.5, 0.0, -0.5}}), mat<T>({{4, 3, -2}}), dxt);
        VECNN_CHECK_CLOSE(dxt, mat<T>({{3, 3, -1.5}}), 0.0);
    }
}

TEST_CASE_TEMPLATE("softmax: known values, shift invariance, Jacobian-vector product", T, float, double) {
    for (const auto& k : both_engines<T>()) {
        INFO("engine: " << to_string(k.engine));
        // exp(0), exp(log 2), exp(log 5) = 1, 2, 5; sum 8.
        // Rows 2 and 3 differ by a shift of 100 (exact in float too): same softmax.
        const Matrix<T> x = mat<T>({{0, std::log(2.0), std::log(5.0)}, {0, 1, 2}, {100, 101, 102}, {-3, -3, -3}});
        Matrix<T> y = Matrix<T>::from_shape({4, 3});
        k.softmax_forward(x, y);
        const double third = 1.0 / 3.0;
        const double z = 1 + std::exp(1.0) + std::exp(2.0);
        const double e0 = 1 / z, e1 = std::exp(1.0) / z, e2 = std::exp(2.0) / z;
        VECNN_CHECK_CLOSE(y, mat<T>({{0.125, 0.25, 0.625}, {e0, e1, e2}, {e0, e1, e2}, {third, third, third}}),
                          ulps<T>(8));

        const Matrix<T> s = mat<T>({{0.125, 0.25, 0.625}});
        Matrix<T> dx = Matrix<T>::from_shape({1, 3});
        k.softmax_backward(s, mat<T>({{1, 0, 0}}), dx);  // dot = 0.125
        VECNN_CHECK_CLOSE(dx, mat<T>({{0.109375, -0.03125, -0.078125}}), 0.0);
        // A constant upstream gradient has zero effect (rows of the Jacobian sum to zero).
        k.softmax_backward(s, mat<T>({{3, 3, 3}}), dx);
        VECNN_CHECK_CLOSE(dx, mat<T>({{0, 0, 0}}), 0.0);
    }
}

TEST_CASE_TEMPLATE("cross-entropy and squared error kernels: known values", T, float, double) {
    const double tol = std::is_same<T, float>::value ? ulps<T>(8) : 1e-14;
    for (const auto& k : both_engines<T>()) {
        INFO("engine: " << to_string(k.engine));
        const Matrix<T> logits = mat<T>({{0, std::log(2.0), std::log(5.0)}, {0, std::log(2.0), std::log(5.0)}});
        const std::vector<std::int64_t> labels{2, 0};
        Matrix<T> p = Matrix<T>::from_shape({2, 3});
        // Sum over rows of -log softmax[label] = -log(5/8) - log(1/8).
        const T total = k.cross_entropy_labels(logits, labels.data(), p);
        CHECK(vecnn::test::scalar_close(total, std::log(1.6) + std::log(8.0), tol));
        VECNN_CHECK_CLOSE(p, mat<T>({{0.125, 0.25, 0.625}, {0.125, 0.25, 0.625}}), tol);
        Matrix<T> d = Matrix<T>::from_shape({2, 3});
        k.cross_entropy_labels_backward(mat<T>({{0.125, 0.25, 0.625}, {0.125, 0.25, 0.625}}), labels.data(), T(0.5), d);
        VECNN_CHECK_CLOSE(d, mat<T>({{0.0625, 0.125, -0.1875}, {-0.4375, 0.125, 0.3125}}), 0.0);

        // Probability rows: row 0 mass 1, row 1 mass 2 (the kernel allows it).
        const Matrix<T> targets = mat<T>({{0.5, 0, 0.5}, {1, 0, 1}});
        const T total_t = k.cross_entropy_targets(logits, targets, p);
        const double expected_t = 0.5 * (std::log(8.0) + std::log(1.6)) + (std::log(8.0) + std::log(1.6));
        CHECK(vecnn::test::scalar_close(total_t, expected_t, tol));
        k.cross_entropy_targets_backward(mat<T>({{0.125, 0.25, 0.625}, {0.125, 0.25, 0.625}}), targets, T(0.5), d);
        // scale * (p * mass - t)
        VECNN_CHECK_CLOSE(d, mat<T>({{-0.1875, 0.125, 0.0625}, {-0.375, 0.25, 0.125}}), 0.0);

        const Matrix<T> pred = mat<T>({{1, 2}, {3, 4}});
        const Matrix<T> tgt = mat<T>({{0, 2}, {5, 1}});
        CHECK(k.squared_error(pred, tgt) == T(14));
        Matrix<T> dp = Matrix<T>::from_shape({2, 2});
        k.squared_error_backward(pred, tgt, T(0.25), dp);  // 2 * 0.25 * (p - t)
        VECNN_CHECK_CLOSE(dp, mat<T>({{0.5, 0}, {-1, 1.5}}), 0.0);
    }
}

// ---------------------------------------------------------------------------
// Extreme inputs
// ---------------------------------------------------------------------------

TEST_CASE_TEMPLATE("softmax and cross-entropy kernels stay finite and exact for logits of +-1e4", T, float, double) {
    for (const auto& k : both_engines<T>()) {
        INFO("engine: " << to_string(k.engine));
        const Matrix<T> logits = mat<T>({{1e4, 0, -1e4}, {-1e4, -1e4, -1e4}, {-1e4, 1e4, 1e4}});
        Matrix<T> y = Matrix<T>::from_shape({3, 3});
        k.softmax_forward(logits, y);
        VECNN_CHECK_CLOSE(y, mat<T>({{1, 0, 0}, {1.0 / 3, 1.0 / 3, 1.0 / 3}, {0, 0.5, 0.5}}), ulps<T>(2));
        Matrix<T> dx = Matrix<T>::from_shape({3, 3});
        k.softmax_backward(y, mat<T>({{1, 2, 3}, {1, 2, 3}, {1, 2, 3}}), dx);
        CHECK(vecnn::test::all_finite<T>(dx));

        Matrix<T> p = Matrix<T>::from_shape({1, 3});
        const Matrix<T> one = mat<T>({{1e4, 0, -1e4}});
        for (std::int64_t label = 0; label < 3; ++label) {
            CAPTURE(label);
            const T loss = k.cross_entropy_labels(one, &label, p);
            CHECK(loss == T(1e4) * T(label));  // 0, 1e4, 2e4 exactly
            Matrix<T> d = Matrix<T>::from_shape({1, 3});
            k.cross_entropy_labels_backward(p, &label, T(1), d);
            Matrix<T> expected = mat<T>({{1, 0, 0}});
            expected(0, static_cast<std::size_t>(label)) -= T(1);
            VECNN_CHECK_CLOSE(d, expected, 0.0);
        }
        const T loss_t = k.cross_entropy_targets(one, mat<T>({{0, 1, 0}}), p);
        CHECK(loss_t == T(1e4));
        const T loss_t2 = k.cross_entropy_targets(one, mat<T>({{0, 0.5, 0.5}}), p);
        CHECK(loss_t2 == T(1.5e4));
    }
}

TEST_CASE_TEMPLATE(
    "softmax and cross-entropy: the engines agree past one chunk of rows, on few and many classes, NaN and inf rows "
    "too",
    T, float, double) {
    // The vectorized softmax runs chunks of 8 SIMD widths of rows (up to 128),
    // across rows for up to 10 classes and along rows above: these shapes
    // cross both boundaries, which the agreement test's 64 rows do not.
    Rng rng(41);
    const Kernels<T>& loop = loop_kernels<T>();
    const Kernels<T>& vec = vectorized_kernels<T>();
    for (const std::size_t rows : {1, 7, 16, 33, 129, 300}) {
        for (const std::size_t cols : {1, 2, 3, 4, 10, 11, 17}) {
            CAPTURE(rows);
            CAPTURE(cols);
            Matrix<T> x = random_matrix<T>(rows, cols, rng, -5, 5);
            std::vector<std::int64_t> labels(rows);
            for (auto& l : labels) l = static_cast<std::int64_t>(rng.below(cols));
            Matrix<T> p_loop = Matrix<T>::from_shape({rows, cols}), p_vec = Matrix<T>::from_shape({rows, cols});
            const T loss_loop = loop.cross_entropy_labels(x, labels.data(), p_loop);
            const T loss_vec = vec.cross_entropy_labels(x, labels.data(), p_vec);
            const double tol = vecnn::test::kFloatUlps * static_cast<double>(std::numeric_limits<T>::epsilon()) *
                               std::sqrt(static_cast<double>(rows * cols));
            CHECK(std::abs(static_cast<double>(loss_vec - loss_loop)) <=
                  tol * std::abs(static_cast<double>(loss_loop)));
            VECNN_CHECK_CLOSE(p_vec, p_loop, tol);
            if (rows < 7) continue;
            // A NaN logit makes its row NaN, an infinite one too (inf - inf), in both engines alike.
            x(3, 0) = std::numeric_limits<T>::quiet_NaN();
            x(5, cols - 1) = std::numeric_limits<T>::infinity();
            loop.softmax_forward(x, p_loop);
            vec.softmax_forward(x, p_vec);
            std::size_t mismatched = 0;
            for (std::size_t r = 0; r < rows; ++r) {
                for (std::size_t c = 0; c < cols; ++c) {
                    const T a = p_vec(r, c), b = p_loop(r, c);
                    const bool same = std::isnan(b) ? std::isnan(a) : std::abs(static_cast<double>(a - b)) <= tol;
                    mismatched += !same;
                }
            }
            CHECK(mismatched == 0);
            CHECK(std::isnan(p_vec(3, cols - 1)));
        }
    }
}

TEST_CASE_TEMPLATE("sigmoid kernel: exactly 1 and 0 at +-1000, finite everywhere", T, float, double) {
    for (const auto& k : both_engines<T>()) {
        INFO("engine: " << to_string(k.engine));
        const T big = std::numeric_limits<T>::max();
        const Matrix<T> x = mat<T>({{1000, -1000, 1e30, -1e30}});
        Matrix<T> xm = x;
        Matrix<T> y = Matrix<T>::from_shape({1, 4});
        k.sigmoid_forward(xm, y);
        CHECK(y(0, 0) == T(1));
        CHECK(y(0, 1) == T(0));
        CHECK(y(0, 2) == T(1));
        CHECK(y(0, 3) == T(0));
        Matrix<T> limits = mat<T>({{0, 0}});
        limits(0, 0) = big;
        limits(0, 1) = -big;
        Matrix<T> yl = Matrix<T>::from_shape({1, 2});
        k.sigmoid_forward(limits, yl);
        CHECK(yl(0, 0) == T(1));
        CHECK(yl(0, 1) == T(0));
        Matrix<T> dx = Matrix<T>::from_shape({1, 4});
        k.sigmoid_backward(y, mat<T>({{1, 1, 1, 1}}), dx);
        VECNN_CHECK_CLOSE(dx, mat<T>({{0, 0, 0, 0}}), 0.0);
        // Moderately negative arguments: tiny but positive and accurate, not 0 or NaN.
        const Matrix<T> xn = mat<T>({{-30, -15}});
        Matrix<T> yn = Matrix<T>::from_shape({1, 2});
        k.sigmoid_forward(xn, yn);
        VECNN_CHECK_CLOSE(yn, mat<T>({{1 / (1 + std::exp(30.0)), 1 / (1 + std::exp(15.0))}}), ulps<T>(8));
    }
}

// ---------------------------------------------------------------------------
// Loop vs vectorized on random batches
// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// Every kernel of the list: arguments from its recipe (tensor/kernel_list.inc)
// ---------------------------------------------------------------------------

namespace recipe {
// The recipe words of kernel_list.inc, as values the harness reads.
struct Flag {};
struct Scalar {};
struct In {
    std::size_t rows, cols;
};
struct OpIn {
    std::size_t flag, rows, cols;
};
struct Out {
    std::size_t rows, cols;
};
struct InOut {
    std::size_t rows, cols;
};
struct Labels {
    std::size_t rows, classes;
};
constexpr Flag flag{};
constexpr Scalar scalar{};
inline In in(std::size_t r, std::size_t c) { return {r, c}; }
inline OpIn op_in(std::size_t flag_index, std::size_t r, std::size_t c) { return {flag_index, r, c}; }
inline Out out(std::size_t r, std::size_t c) { return {r, c}; }
inline InOut inout(std::size_t r, std::size_t c) { return {r, c}; }
inline Labels labels(std::size_t r, std::size_t classes) { return {r, classes}; }
}  // namespace recipe

// One concrete argument of a call.
template <class T>
struct Arg {
    enum Kind { flag, scalar, matrix_in, matrix_out, labels } kind = flag;
    bool b = false;
    T s = 0;
    Matrix<T> m;
    std::vector<std::int64_t> l;
};

// Which flag and scalar values a call uses: choice i picks flags by bit, scalars by digit.
struct Choice {
    std::size_t index;
    std::size_t flags, scalars;  // how many of each the recipe has
};
template <class T>
const std::vector<T>& scalar_values() {
    static const std::vector<T> v{T(1), T(0), T(-0.75)};  // 1 and 0 take the special routes (beta)
    return v;
}

template <class T>
struct ArgMaker {
    const Choice& choice;
    Rng& rng;
    std::vector<Arg<T>>& args;  // made so far (op_in reads its flag)
    std::size_t flag_seen = 0, scalar_seen = 0;

    Arg<T> operator()(recipe::Flag) {
        Arg<T> a;
        a.b = (choice.index >> flag_seen++) & 1u;
        return a;
    }
    Arg<T> operator()(recipe::Scalar) {
        Arg<T> a;
        a.kind = Arg<T>::scalar;
        std::size_t digit = choice.index >> choice.flags;
        for (std::size_t i = 0; i < scalar_seen; ++i) digit /= scalar_values<T>().size();
        ++scalar_seen;
        a.s = scalar_values<T>()[digit % scalar_values<T>().size()];
        return a;
    }
    Arg<T> input(std::size_t r, std::size_t c) {
        Arg<T> a;
        a.kind = Arg<T>::matrix_in;
        a.m = random_matrix<T>(r, c, rng, -3, 3);
        return a;
    }
    Arg<T> operator()(recipe::In in) { return input(in.rows, in.cols); }
    Arg<T> operator()(recipe::OpIn in) {
        return args.at(in.flag).b ? input(in.cols, in.rows) : input(in.rows, in.cols);
    }
    Arg<T> operator()(recipe::Out out) {  // NaN: a kernel that reads (or skips) its output shows it
        Arg<T> a;
        a.kind = Arg<T>::matrix_out;
        a.m = vecnn::test::filled<T>(out.rows, out.cols, std::numeric_limits<T>::quiet_NaN());
        return a;
    }
    Arg<T> operator()(recipe::InOut io) {
        Arg<T> a = input(io.rows, io.cols);
        a.kind = Arg<T>::matrix_out;
        return a;
    }
    Arg<T> operator()(recipe::Labels l) {
        Arg<T> a;
        a.kind = Arg<T>::labels;
        a.l = vecnn::test::random_labels(l.rows, l.classes, rng);
        return a;
    }
};

// An Arg as the parameter type P the kernel takes.
template <class P, class T>
P as_parameter(Arg<T>& a) {
    if constexpr (std::is_same<P, bool>::value) {
        return a.b;
    } else if constexpr (std::is_same<P, T>::value) {
        return a.s;
    } else if constexpr (std::is_same<P, ConstView<T>>::value) {
        return ConstView<T>(a.m);
    } else if constexpr (std::is_same<P, View<T>>::value) {
        return View<T>(a.m);
    } else {
        static_assert(std::is_same<P, const std::int64_t*>::value, "a parameter type the recipe harness lacks");
        return a.l.data();
    }
}

template <class T, class R, class... P, std::size_t... I>
R call(R (*f)(P...), std::vector<Arg<T>>& args, std::index_sequence<I...>) {
    return f(as_parameter<P>(args[I])...);
}

// Runs `entry` on both engines for every flag and scalar choice, with the
// arguments `make_recipe` gives for these sizes, and compares every output
// and the returned value.
template <class T, class F, class Recipe>
void agree_on_entry(const char* name, F Kernels<T>::*entry, const Recipe& make_recipe, Rng& rng, std::size_t M,
                    std::size_t N, std::size_t K) {
    const auto specs = make_recipe(M, N, K);
    constexpr std::size_t arity = std::tuple_size<std::decay_t<decltype(specs)>>::value;
    std::size_t flags = 0, scalars = 0;
    std::apply(
        [&](const auto&... spec) {
            ((flags += std::is_same<std::decay_t<decltype(spec)>, recipe::Flag>::value ? 1 : 0), ...);
            ((scalars += std::is_same<std::decay_t<decltype(spec)>, recipe::Scalar>::value ? 1 : 0), ...);
        },
        specs);
    std::size_t choices = std::size_t{1} << flags;
    for (std::size_t i = 0; i < scalars; ++i) choices *= scalar_values<T>().size();
    for (std::size_t c = 0; c < choices; ++c) {
        const Choice choice{c, flags, scalars};
        std::vector<Arg<T>> args;
        ArgMaker<T> maker{choice, rng, args};
        std::apply([&](const auto&... spec) { ((args.push_back(maker(spec))), ...); }, specs);
        std::vector<Arg<T>> vec_args = args, loop_args = args;
        const auto f_vec = vectorized_kernels<T>().*entry;
        const auto f_loop = loop_kernels<T>().*entry;
        INFO(std::string(name) << " M " << M << " N " << N << " K " << K << " choice " << c);
        // The tolerance's K: the longest sum behind an output (an inner size, a row, a column).
        const double k = double(std::max({M, N, K})) + 1;
        using R = decltype(call(f_vec, vec_args, std::make_index_sequence<arity>{}));
        if constexpr (std::is_void<R>::value) {
            call(f_vec, vec_args, std::make_index_sequence<arity>{});
            call(f_loop, loop_args, std::make_index_sequence<arity>{});
        } else {
            const R rv = call(f_vec, vec_args, std::make_index_sequence<arity>{});
            const R rl = call(f_loop, loop_args, std::make_index_sequence<arity>{});
            // A sum of M * N terms of inputs up to 3 in size: its rounding scales with
            // that count, not with the (possibly cancelled, even zero) total.
            agree_scalar<T>(std::string(name) + " value", rv, rl, double(M * N), double(M * N));
        }
        for (std::size_t i = 0; i < arity; ++i) {
            if (args[i].kind != Arg<T>::matrix_out) continue;
            agree<T>(std::string(name) + " argument " + std::to_string(i), vec_args[i].m, loop_args[i].m, k);
        }
    }
}

TEST_CASE_TEMPLATE("loop and vectorized agree on every kernel of the list, all flags, several scalars", T, float,
                   double) {
    Rng rng(42);
    // Rows 1, 3, 6, 7 sit on either side of the vectorized gemm's routes
    // (gemv per row up to 6 rows), N = 1 is its one-column route, N = 2, 3
    // its gemv per column (at K 64, or at K 9 up to 128 rows: 200 rows at
    // K 9 go to the BLAS gemm), K = 1 its outer-product loop; 11 features are
    // fewer than one SIMD register, 101 go through several 4-batch rounds of
    // the row reductions and a tail; 1, 2, 4 and 8 divide a SIMD width (the
    // flat paths of broadcast_rows and add_column_sums).
    for (std::size_t M : {1, 3, 6, 7, 13, 64, 200})
        for (std::size_t N : {1, 2, 3, 4, 8, 11, 101})
            for (std::size_t K : {1, 9, 64}) {
#define VECNN_KERNEL(name, R, params, recipe_args)                                                   \
    agree_on_entry<T>(#name, &Kernels<T>::name,                                                      \
                      [](std::size_t M, std::size_t N, std::size_t K) {                              \
                          using namespace recipe;                                                    \
                          (void)M, (void)N, (void)K;                                                 \
                          return std::make_tuple recipe_args;                                        \
                      },                                                                             \
                      rng, M, N, K);
#include "vecnn/tensor/kernel_list.inc"
#undef VECNN_KERNEL
            }
}

TEST_CASE("observed engine differences (set VECNN_TOLERANCE_REPORT to print)") {
    if (std::getenv("VECNN_TOLERANCE_REPORT") == nullptr) return;
    std::ostringstream s;
    s << "worst max|a-b| / (eps * sqrt(K) * max|b|):\n";
    for (const auto& [name, ratio] : observed_ratios()) s << "  " << name << ": " << ratio << "\n";
    MESSAGE(s.str());
}

// ---------------------------------------------------------------------------
// Shape errors name both shapes
// ---------------------------------------------------------------------------

TEST_CASE_TEMPLATE("kernels reject mismatched shapes naming both shapes", T, float, double) {
    for (const auto& k : both_engines<T>()) {
        INFO("engine: " << to_string(k.engine));
        Matrix<T> a43 = Matrix<T>::from_shape({4, 3});
        Matrix<T> b53 = Matrix<T>::from_shape({5, 3});
        Matrix<T> c43 = Matrix<T>::from_shape({4, 3});
        Matrix<T> c45 = Matrix<T>::from_shape({4, 5});
        a43.fill(1);
        b53.fill(1);

        // gemm: inner dimensions differ, and a wrong output shape.
        check_invalid_argument([&] { k.gemm(false, false, T(1), a43, b53, T(0), c43); }, {"gemm", "(4, 3)", "(5, 3)"});
        check_invalid_argument([&] { k.gemm(false, true, T(1), a43, b53, T(0), c43); },
                               {"gemm", "(4, 3)", "(5, 3)", "C (4, 3)"});
        check_invalid_argument([&] { k.gemm(true, false, T(1), a43, b53, T(0), c45); }, {"gemm", "(4, 3)", "(5, 3)"});

        // elementwise: input vs output, upstream vs output, gradient shape.
        check_invalid_argument([&] { k.relu_forward(a43, b53); }, {"relu_forward", "(4, 3)", "(5, 3)"});
        check_invalid_argument([&] { k.relu_backward(a43, b53, c43); }, {"relu_backward", "(4, 3)", "(5, 3)"});
        check_invalid_argument([&] { k.relu_backward(a43, c43, b53); }, {"relu_backward", "(4, 3)", "(5, 3)"});
        check_invalid_argument([&] { k.sigmoid_forward(a43, b53); }, {"sigmoid_forward", "(4, 3)", "(5, 3)"});
        check_invalid_argument([&] { k.sigmoid_backward(a43, b53, c43); }, {"sigmoid_backward", "(4, 3)", "(5, 3)"});
        check_invalid_argument([&] { k.tanh_forward(a43, b53); }, {"tanh_forward", "(4, 3)", "(5, 3)"});
        check_invalid_argument([&] { k.tanh_backward(a43, c43, b53); }, {"tanh_backward", "(4, 3)", "(5, 3)"});
        check_invalid_argument([&] { k.softmax_forward(a43, b53); }, {"softmax_forward", "(4, 3)", "(5, 3)"});
        check_invalid_argument([&] { k.softmax_backward(a43, b53, c43); }, {"softmax_backward", "(4, 3)", "(5, 3)"});

        // row kernels
        Matrix<T> row4 = Matrix<T>::from_shape({1, 4});
        check_invalid_argument([&] { k.broadcast_rows(row4, b53); }, {"broadcast_rows", "(1, 4)", "(5, 3)"});
        check_invalid_argument([&] { k.add_column_sums(b53, row4); }, {"add_column_sums", "(1, 4)", "(5, 3)"});
        check_invalid_argument([&] { k.broadcast_rows(c43, c43); }, {"broadcast_rows", "(4, 3)"});

        // losses
        const std::vector<std::int64_t> labels{0, 1, 2, 0};
        check_invalid_argument([&] { k.cross_entropy_labels(a43, labels.data(), b53); },
                               {"cross_entropy", "(4, 3)", "(5, 3)"});
        check_invalid_argument([&] { k.cross_entropy_targets(a43, b53, c43); }, {"cross_entropy", "(4, 3)", "(5, 3)"});
        check_invalid_argument([&] { k.cross_entropy_targets(a43, c43, b53); }, {"cross_entropy", "(4, 3)", "(5, 3)"});
        check_invalid_argument([&] { k.cross_entropy_labels_backward(a43, labels.data(), T(1), b53); },
                               {"cross_entropy", "(4, 3)", "(5, 3)"});
        check_invalid_argument([&] { k.cross_entropy_targets_backward(a43, b53, T(1), c43); },
                               {"cross_entropy", "(4, 3)", "(5, 3)"});
        check_invalid_argument([&] { k.squared_error(a43, b53); }, {"mse", "(4, 3)", "(5, 3)"});
        check_invalid_argument([&] { k.squared_error_backward(a43, c43, T(1), b53); }, {"mse", "(4, 3)", "(5, 3)"});

        // labels out of range name the label and the row
        const std::vector<std::int64_t> bad_high{0, 3, 1, 2};
        const std::vector<std::int64_t> bad_negative{0, 1, 2, -1};
        check_invalid_argument([&] { k.cross_entropy_labels(a43, bad_high.data(), c43); },
                               {"label 3", "row 1", "(4, 3)"});
        check_invalid_argument([&] { k.cross_entropy_labels(a43, bad_negative.data(), c43); }, {"label -1", "row 3"});
        check_invalid_argument([&] { k.cross_entropy_labels_backward(a43, bad_high.data(), T(1), c43); },
                               {"label 3", "row 1"});
    }
}
