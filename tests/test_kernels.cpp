// Kernel tests: every kernel of tensor/kernel_signatures.inc in both engines.
//
//  * known values computed by hand (both engines, float and double), so the
//    engines cannot agree on a wrong answer;
//  * loop vs vectorized agreement on random batches of 1, 13 and 64 rows;
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

#include "tensor/kernels.hpp"
#include "test_util.hpp"

using namespace vecnn;
using vecnn::test::check_invalid_argument;
using vecnn::test::compare_close;
using vecnn::test::random_matrix;

namespace {

using vecnn::test::engine_rtol;
using vecnn::test::mat;
using vecnn::test::ulps;

// The whole kernel set of one engine as function pointers, so one test body
// runs against both namespaces.
template <class T>
struct KernelSet {
    const char* name;
    void (*gemm)(bool, bool, T, ConstView<T>, ConstView<T>, T, View<T>);
    void (*broadcast_rows)(ConstView<T>, View<T>);
    void (*add_column_sums)(ConstView<T>, View<T>);
    void (*relu_forward)(ConstView<T>, View<T>);
    void (*relu_backward)(ConstView<T>, ConstView<T>, View<T>);
    void (*sigmoid_forward)(ConstView<T>, View<T>);
    void (*sigmoid_backward)(ConstView<T>, ConstView<T>, View<T>);
    void (*tanh_forward)(ConstView<T>, View<T>);
    void (*tanh_backward)(ConstView<T>, ConstView<T>, View<T>);
    void (*softmax_forward)(ConstView<T>, View<T>);
    void (*softmax_backward)(ConstView<T>, ConstView<T>, View<T>);
    T (*cross_entropy_labels)(ConstView<T>, const std::int64_t*, View<T>);
    T (*cross_entropy_targets)(ConstView<T>, ConstView<T>, View<T>);
    void (*cross_entropy_labels_backward)(ConstView<T>, const std::int64_t*, T, View<T>);
    void (*cross_entropy_targets_backward)(ConstView<T>, ConstView<T>, T, View<T>);
    T (*squared_error)(ConstView<T>, ConstView<T>);
    void (*squared_error_backward)(ConstView<T>, ConstView<T>, T, View<T>);
};

#define VECNN_KERNEL_SET(ns, T)                                                                                       \
    KernelSet<T> {                                                                                                    \
#ns, &ns::gemm < T>, &ns::broadcast_rows < T>, &ns::add_column_sums < T>, &ns::relu_forward < T>,             \
            &ns::relu_backward < T>, &ns::sigmoid_forward < T>, &ns::sigmoid_backward < T>, &ns::tanh_forward < T>,   \
            &ns::tanh_backward < T>, &ns::softmax_forward < T>, &ns::softmax_backward < T>,                           \
            &ns::cross_entropy_labels < T>, &ns::cross_entropy_targets < T>, &ns::cross_entropy_labels_backward < T>, \
            &ns::cross_entropy_targets_backward < T>, &ns::squared_error < T>, &ns::squared_error_backward < T>       \
    }

template <class T>
std::vector<KernelSet<T>> both_engines() {
    return {VECNN_KERNEL_SET(vectorized, T), VECNN_KERNEL_SET(loop, T)};
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
void agree_scalar(const std::string& what, T a, T b, double k) {
    INFO(what << ": vectorized " << a << " loop " << b);
    CHECK(vecnn::test::scalar_close(a, b, engine_rtol<T>(k)));
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
                INFO("engine: " << std::string(k.name));
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
        INFO("engine: " << std::string(k.name));
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
        INFO("engine: " << std::string(k.name));
        const Matrix<T> row = mat<T>({{1, -2, 3}});
        Matrix<T> y = vecnn::test::filled<T>(2, 3, T(9));
        k.broadcast_rows(row, y);
        VECNN_CHECK_CLOSE(y, mat<T>({{1, -2, 3}, {1, -2, 3}}), 0.0);

        const Matrix<T> x = mat<T>({{1, 2}, {3, 4}, {5, 6}});
        Matrix<T> acc = mat<T>({{10, 20}});
        k.add_column_sums(x, acc);  // adds, never overwrites
        VECNN_CHECK_CLOSE(acc, mat<T>({{19, 32}}), 0.0);
    }
}

TEST_CASE_TEMPLATE("relu, sigmoid, tanh: known values and derivatives", T, float, double) {
    for (const auto& k : both_engines<T>()) {
        INFO("engine: " << std::string(k.name));
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
        INFO("engine: " << std::string(k.name));
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
        INFO("engine: " << std::string(k.name));
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
        INFO("engine: " << std::string(k.name));
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

TEST_CASE_TEMPLATE("sigmoid kernel: exactly 1 and 0 at +-1000, finite everywhere", T, float, double) {
    for (const auto& k : both_engines<T>()) {
        INFO("engine: " << std::string(k.name));
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

// The vectorized gemm routes by shape (gemv per row up to 6 rows, gemv for
// one column, a loop for k = 1, gemm otherwise): batches 1, 3, 6 and 7 sit
// on either side of those lines, and beta 0.5 checks the scaling in each.
TEST_CASE_TEMPLATE("loop and vectorized gemm agree: transposes, beta 0, 1 and 0.5, batch 1 to 64", T, float, double) {
    Rng rng(42);
    for (std::size_t batch : {1, 3, 6, 7, 13, 64}) {
        // (m, n, k): forward-like (batch rows), weight-gradient-like (batch is
        // K), input-gradient-like, and one output column.
        const std::size_t shapes[4][3] = {{batch, 9, 11}, {9, 11, batch}, {batch, 11, 9}, {batch, 1, 11}};
        for (const auto& s : shapes) {
            const std::size_t m = s[0], n = s[1], kk = s[2];
            for (int ta = 0; ta < 2; ++ta) {
                for (int tb = 0; tb < 2; ++tb) {
                    for (T beta : {T(0), T(1), T(0.5)}) {
                        CAPTURE(batch);
                        CAPTURE(m);
                        CAPTURE(n);
                        CAPTURE(kk);
                        CAPTURE(ta);
                        CAPTURE(tb);
                        CAPTURE(beta);
                        const Matrix<T> a = ta ? random_matrix<T>(kk, m, rng) : random_matrix<T>(m, kk, rng);
                        const Matrix<T> b = tb ? random_matrix<T>(n, kk, rng) : random_matrix<T>(kk, n, rng);
                        Matrix<T> c0 = random_matrix<T>(m, n, rng);
                        if (beta == T(0)) c0.fill(std::numeric_limits<T>::quiet_NaN());
                        Matrix<T> cv = c0, cl = c0;
                        vectorized::gemm<T>(ta, tb, T(0.75), a, b, beta, cv);
                        loop::gemm<T>(ta, tb, T(0.75), a, b, beta, cl);
                        agree<T>("gemm", cv, cl, double(kk) + double(beta));
                    }
                }
            }
        }
    }
}

// 11 features (odd, fewer than one SIMD batch: the scalar paths and tails)
// and 101 (row reductions through several 4-batch rounds, single batches and
// a tail, for 8- and 16-lane builds alike).
TEST_CASE_TEMPLATE("loop and vectorized agree on every other kernel, batch 1, 13, 64, 11 and 101 features", T, float,
                   double) {
    Rng rng(7);
    for (std::size_t batch : {1, 13, 64})
        for (std::size_t features : {11, 101}) {
            CAPTURE(batch);
            CAPTURE(features);
            const double numel = double(batch * features);
            Matrix<T> v = Matrix<T>::from_shape({batch, features});
            Matrix<T> l = Matrix<T>::from_shape({batch, features});

            // broadcast_rows: a copy, exact.
            const Matrix<T> row = random_matrix<T>(1, features, rng);
            vectorized::broadcast_rows<T>(row, v);
            loop::broadcast_rows<T>(row, l);
            agree<T>("broadcast_rows", v, l, 1, true);

            // add_column_sums onto a non-zero accumulator.
            const Matrix<T> x = random_matrix<T>(batch, features, rng, -3, 3);
            const Matrix<T> acc0 = random_matrix<T>(1, features, rng);
            Matrix<T> accv = acc0, accl = acc0;
            vectorized::add_column_sums<T>(x, accv);
            loop::add_column_sums<T>(x, accl);
            agree<T>("add_column_sums", accv, accl, double(batch + 1));

            const Matrix<T> dy = random_matrix<T>(batch, features, rng);
            Matrix<T> dv = Matrix<T>::from_shape({batch, features});
            Matrix<T> dl = Matrix<T>::from_shape({batch, features});

            // Forward on x, then backward from the loop engine's output, in both engines.
            auto check_map = [&](const std::string& name, auto vec_forward, auto loop_forward, auto vec_backward,
                                 auto loop_backward, double k, bool exact) {
                vec_forward(x, v);
                loop_forward(x, l);
                agree<T>(name + "_forward", v, l, k, exact);
                vec_backward(l, dy, dv);
                loop_backward(l, dy, dl);
                agree<T>(name + "_backward", dv, dl, k, exact);
            };
            check_map("relu", vectorized::relu_forward<T>, loop::relu_forward<T>, vectorized::relu_backward<T>,
                      loop::relu_backward<T>, 1, true);
            check_map("sigmoid", vectorized::sigmoid_forward<T>, loop::sigmoid_forward<T>,
                      vectorized::sigmoid_backward<T>, loop::sigmoid_backward<T>, 1, false);
            check_map("tanh", vectorized::tanh_forward<T>, loop::tanh_forward<T>, vectorized::tanh_backward<T>,
                      loop::tanh_backward<T>, 1, false);
            check_map("softmax", vectorized::softmax_forward<T>, loop::softmax_forward<T>,
                      vectorized::softmax_backward<T>, loop::softmax_backward<T>, double(features), false);

            const auto labels = vecnn::test::random_labels(batch, features, rng);
            const T ce_v = vectorized::cross_entropy_labels<T>(x, labels.data(), v);
            const T ce_l = loop::cross_entropy_labels<T>(x, labels.data(), l);
            agree_scalar<T>("cross_entropy_labels", ce_v, ce_l, numel);
            agree<T>("cross_entropy_labels probabilities", v, l, double(features));
            const T scale = T(1) / T(batch);
            vectorized::cross_entropy_labels_backward<T>(l, labels.data(), scale, dv);
            loop::cross_entropy_labels_backward<T>(l, labels.data(), scale, dl);
            agree<T>("cross_entropy_labels_backward", dv, dl, 1);

            const Matrix<T> targets = vecnn::test::random_distributions<T>(batch, features, rng);
            const T cet_v = vectorized::cross_entropy_targets<T>(x, targets, v);
            const T cet_l = loop::cross_entropy_targets<T>(x, targets, l);
            agree_scalar<T>("cross_entropy_targets", cet_v, cet_l, numel);
            agree<T>("cross_entropy_targets probabilities", v, l, double(features));
            vectorized::cross_entropy_targets_backward<T>(l, targets, scale, dv);
            loop::cross_entropy_targets_backward<T>(l, targets, scale, dl);
            agree<T>("cross_entropy_targets_backward", dv, dl, double(features));

            const Matrix<T> pred = random_matrix<T>(batch, features, rng);
            const Matrix<T> tgt = random_matrix<T>(batch, features, rng);
            agree_scalar<T>("squared_error", vectorized::squared_error<T>(pred, tgt), loop::squared_error<T>(pred, tgt),
                            numel);
            vectorized::squared_error_backward<T>(pred, tgt, T(1) / T(numel), dv);
            loop::squared_error_backward<T>(pred, tgt, T(1) / T(numel), dl);
            agree<T>("squared_error_backward", dv, dl, 1);
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
        INFO("engine: " << std::string(k.name));
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
