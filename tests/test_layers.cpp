// Layer, loss and Sequential tests (float and double, both engines):
//  * hand-computed Linear and loss values (PyTorch semantics);
//  * loop vs vectorized agreement of every layer, every loss and a whole
//    model on random batches of 1, 13 and 64 rows: outputs, input gradients,
//    parameter gradients and loss values;
//  * accumulation: two backward passes without zero_grad add up exactly;
//  * huge logits (+-1e4) and sigmoid arguments (+-1000);
//  * shape errors name both shapes; out-of-range labels name label and row;
//  * Sequential's flat parameter/gradient buffers.
//
// Tolerances (norm-wise, max|a - b| <= tol * max|b|, from test_util.hpp):
//   engine agreement, double: kDoubleRtol = 1e-12 (measured ~1e-15);
//   engine agreement, float:  kFloatUlps (8) * eps_float * sqrt(K), K = the
//     longest sum behind one element (kernel measurements in test_kernels.cpp);
//     for the whole 4-Linear model K = the sum of the Linear fan-ins plus the
//     batch (errors of every layer add up through the chain rule).
//   accumulation: element-wise |g - (p + 2 s)| <= (K + 2) eps (|p| + 2|s|),
//     K = batch = 6: two accumulations, each a chain of K additions onto the
//     prefilled value inside GEMM (beta = 1) or the column sums (measured
//     worst 2.0 eps (|p| + 2|s|), so the bound of 8 has a 4x margin).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "vecnn/nn/activations.hpp"
#include "vecnn/nn/linear.hpp"
#include "vecnn/nn/loss.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/nn/sequential.hpp"
#include "test_util.hpp"

using namespace vecnn;
using vecnn::test::check_invalid_argument;
using vecnn::test::compare_close;
using vecnn::test::copy_of;
using vecnn::test::engine_rtol;
using vecnn::test::mat;
using vecnn::test::random_matrix;
using vecnn::test::ulps;

namespace {

const Engine kEngines[] = {Engine::vectorized, Engine::loop};

template <class T>
void set_values(View<T> v, std::initializer_list<double> values) {
    REQUIRE(values.size() == v.size());
    std::size_t i = 0;
    for (double x : values) v.data[i++] = static_cast<T>(x);
}

template <class T>
void agree(const char* what, ConstView<T> a, ConstView<T> b, double k) {
    const auto r = compare_close(a, b, engine_rtol<T>(k));
    INFO(std::string(what));
    CHECK_MESSAGE(r.ok, r.report);
}

// A whole-buffer view of a layer's gradients (all parameters, in order).
template <class T>
ConstView<T> all_gradients(const Layer<T>& layer) {
    return ConstView<T>(layer.gradient_data(), 1, layer.parameter_count());
}
template <class T>
ConstView<T> all_parameters(const Layer<T>& layer) {
    return ConstView<T>(layer.parameter_data(), 1, layer.parameter_count());
}

enum class Kind { linear, relu, sigmoid, tanh, softmax };
const Kind kKinds[] = {Kind::linear, Kind::relu, Kind::sigmoid, Kind::tanh, Kind::softmax};
const char* name_of(Kind k) {
    switch (k) {
        case Kind::linear:
            return "linear";
        case Kind::relu:
            return "relu";
        case Kind::sigmoid:
            return "sigmoid";
        case Kind::tanh:
            return "tanh";
        case Kind::softmax:
            return "softmax";
    }
    return "?";
}

template <class T>
LayerPtr<T> make_layer(Kind k, std::size_t in, std::size_t out, std::uint64_t seed) {
    switch (k) {
        case Kind::linear:
            return std::make_unique<Linear<T>>(in, out, seed);
        case Kind::relu:
            return std::make_unique<ReLU<T>>();
        case Kind::sigmoid:
            return std::make_unique<Sigmoid<T>>();
        case Kind::tanh:
            return std::make_unique<Tanh<T>>();
        case Kind::softmax:
            return std::make_unique<Softmax<T>>();
    }
    return nullptr;
}

}  // namespace

// ---------------------------------------------------------------------------
// Known values
// ---------------------------------------------------------------------------

TEST_CASE_TEMPLATE("Linear: y = x W^T + b and its backward, by hand", T, float, double) {
    for (Engine e : kEngines) {
        INFO("engine: " << std::string(to_string(e)));
        Linear<T> lin(2, 3);
        lin.set_engine(e);
        CHECK(lin.describe() == "linear(2,3)");
        REQUIRE(lin.parameters().size() == 2);
        CHECK(lin.parameters()[0].name == "weight");
        CHECK(lin.parameters()[0].dims == std::vector<std::size_t>{3, 2});
        CHECK(lin.parameters()[1].name == "bias");
        CHECK(lin.parameters()[1].dims == std::vector<std::size_t>{3});
        CHECK(lin.parameter_count() == 9);
        set_values<T>(lin.weight(), {1, 2, 3, 4, 5, 6});  // (out, in) = (3, 2)
        set_values<T>(lin.bias(), {0.5, -1, 2});
        const Matrix<T> x = mat<T>({{1, -1}, {2, 0.5}});
        const Matrix<T>& y = lin.forward(x);
        VECNN_CHECK_CLOSE(y, mat<T>({{-0.5, -2, 1}, {3.5, 7, 15}}), 0.0);

        lin.zero_grad();
        const Matrix<T> dy = mat<T>({{1, 0, -1}, {2, 1, 0}});
        const Matrix<T>& dx = lin.backward(dy);
        VECNN_CHECK_CLOSE(dx, mat<T>({{-4, -4}, {5, 8}}), 0.0);                              // dY W
        VECNN_CHECK_CLOSE(lin.weight_gradient(), mat<T>({{5, 0}, {2, 0.5}, {-1, 1}}), 0.0);  // dY^T X
        VECNN_CHECK_CLOSE(lin.bias_gradient(), mat<T>({{3, 1, -1}}), 0.0);                   // column sums
    }
}

TEST_CASE_TEMPLATE("Linear: need_input_gradient = false still accumulates the parameter gradients", T, float, double) {
    for (Engine e : kEngines) {
        INFO("engine: " << std::string(to_string(e)));
        Rng rng(3);
        const Matrix<T> x = random_matrix<T>(5, 4, rng);
        const Matrix<T> dy = random_matrix<T>(5, 3, rng);
        Linear<T> a(4, 3, 11), b(4, 3, 11);
        a.set_engine(e);
        b.set_engine(e);
        a.forward(x);
        a.backward(dy, true);
        b.forward(x);
        b.backward(dy, false);
        VECNN_CHECK_CLOSE(all_gradients(b), all_gradients(a), 0.0);
    }
}

TEST_CASE_TEMPLATE("layers follow a change of batch size", T, float, double) {
    for (Engine e : kEngines) {
        for (Kind kind : kKinds) {
            INFO("engine: " << std::string(to_string(e)));
            INFO("layer: " << std::string(name_of(kind)));
            Rng rng(5);
            auto layer = make_layer<T>(kind, 4, 4, 2);
            auto fresh = make_layer<T>(kind, 4, 4, 2);
            layer->set_engine(e);
            fresh->set_engine(e);
            const Matrix<T> big = random_matrix<T>(6, 4, rng);
            const Matrix<T> small = random_matrix<T>(3, 4, rng);
            layer->forward(big);
            const Matrix<T> y = copy_of<T>(layer->forward(small));
            CHECK(y.shape()[0] == 3);
            VECNN_CHECK_CLOSE(y, fresh->forward(small), 0.0);
            const Matrix<T> dy = random_matrix<T>(3, 4, rng);
            VECNN_CHECK_CLOSE(layer->backward(dy), fresh->backward(dy), 0.0);
        }
    }
}

TEST_CASE_TEMPLATE("losses: PyTorch means and gradients, by hand", T, float, double) {
    const double tol = ulps<T>(8);
    for (Engine e : kEngines) {
        INFO("engine: " << std::string(to_string(e)));
        // MSE: mean over ALL elements; gradient 2 (p - t) / numel.
        MSE<T> mse;
        mse.set_engine(e);
        CHECK(mse.describe() == "mse");
        const Matrix<T> p = mat<T>({{1, 2}, {3, 4}});
        const Matrix<T> t = mat<T>({{0, 2}, {5, 1}});
        CHECK(mse.forward(p, Targets<T>(t)) == T(3.5));
        VECNN_CHECK_CLOSE(mse.backward(), mat<T>({{0.5, 0}, {-1, 1.5}}), 0.0);
        VECNN_CHECK_CLOSE(mse.backward(T(0.5)), mat<T>({{0.25, 0}, {-0.5, 0.75}}), 0.0);

        // CrossEntropy: mean over the batch of -log softmax[label]; gradient (softmax - onehot) / batch.
        CrossEntropy<T> ce;
        ce.set_engine(e);
        CHECK(ce.describe() == "cross-entropy");
        const Matrix<T> logits = mat<T>({{0, std::log(2.0), std::log(5.0)}, {0, std::log(2.0), std::log(5.0)}});
        const std::vector<std::int64_t> labels{2, 0};
        const T loss = ce.forward(logits, Targets<T>(labels));
        CHECK(vecnn::test::scalar_close(loss, (std::log(1.6) + std::log(8.0)) / 2, tol));
        VECNN_CHECK_CLOSE(ce.probabilities(), mat<T>({{0.125, 0.25, 0.625}, {0.125, 0.25, 0.625}}), tol);
        VECNN_CHECK_CLOSE(ce.backward(), mat<T>({{0.0625, 0.125, -0.1875}, {-0.4375, 0.125, 0.3125}}), tol);
        VECNN_CHECK_CLOSE(ce.backward(T(2)), mat<T>({{0.125, 0.25, -0.375}, {-0.875, 0.25, 0.625}}), tol);

        // One-hot probability rows give the same loss and gradient as the labels.
        const Matrix<T> onehot = mat<T>({{0, 0, 1}, {1, 0, 0}});
        const T loss_rows = ce.forward(logits, Targets<T>(onehot));
        CHECK(vecnn::test::scalar_close(loss_rows, (std::log(1.6) + std::log(8.0)) / 2, tol));
        VECNN_CHECK_CLOSE(ce.backward(), mat<T>({{0.0625, 0.125, -0.1875}, {-0.4375, 0.125, 0.3125}}), tol);
    }
    CHECK(make_loss<double>("cross-entropy")->describe() == "cross-entropy");
    CHECK(make_loss<double>("ce")->describe() == "cross-entropy");
    CHECK(make_loss<float>("mse")->describe() == "mse");
    check_invalid_argument([] { make_loss<double>("hinge"); }, {"hinge"});
}

TEST_CASE_TEMPLATE("ReLU layer: derivative 0 at 0, passes the gradient elsewhere", T, float, double) {
    for (Engine e : kEngines) {
        INFO("engine: " << std::string(to_string(e)));
        ReLU<T> relu;
        relu.set_engine(e);
        const Matrix<T> x = mat<T>({{-1, 0, 2}});
        VECNN_CHECK_CLOSE(relu.forward(x), mat<T>({{0, 0, 2}}), 0.0);
        VECNN_CHECK_CLOSE(relu.backward(mat<T>({{5, 5, 5}})), mat<T>({{0, 0, 5}}), 0.0);
        CHECK(relu.parameter_count() == 0);
    }
}

// ---------------------------------------------------------------------------
// Loop vs vectorized
// ---------------------------------------------------------------------------

TEST_CASE_TEMPLATE("loop and vectorized layers agree: forward, input and parameter gradients", T, float, double) {
    const std::size_t in = 11, out = 7;
    for (Kind kind : kKinds) {
        for (std::size_t batch : {1, 13, 64}) {
            INFO("layer: " << std::string(name_of(kind)));
            CAPTURE(batch);
            Rng rng(100 + batch);
            const std::size_t width = kind == Kind::linear ? out : in;
            auto v = make_layer<T>(kind, in, out, 9);
            auto l = make_layer<T>(kind, in, out, 9);
            v->set_engine(Engine::vectorized);
            l->set_engine(Engine::loop);
            CHECK(v->engine() == Engine::vectorized);
            CHECK(l->engine() == Engine::loop);
            const Matrix<T> x = random_matrix<T>(batch, in, rng, -3, 3);
            const Matrix<T> dy = random_matrix<T>(batch, width, rng);
            const double k_forward = kind == Kind::linear ? double(in + 1) : double(in);
            const double k_back = kind == Kind::linear ? double(out) : double(in);
            agree<T>("output", v->forward(x), l->forward(x), k_forward);
            v->zero_grad();
            l->zero_grad();
            agree<T>("input gradient", v->backward(dy), l->backward(dy), k_back);
            if (kind == Kind::linear)
                agree<T>("parameter gradients", all_gradients(*v), all_gradients(*l), double(batch));
        }
    }
}

TEST_CASE_TEMPLATE("loop and vectorized losses agree: values and gradients", T, float, double) {
    const std::size_t classes = 9;
    for (std::size_t batch : {1, 13, 64}) {
        CAPTURE(batch);
        Rng rng(200 + batch);
        const Matrix<T> pred = random_matrix<T>(batch, classes, rng, -4, 4);
        const Matrix<T> rows = vecnn::test::random_distributions<T>(batch, classes, rng);
        const auto labels = vecnn::test::random_labels(batch, classes, rng);
        const double numel = double(batch * classes);
        for (int which = 0; which < 3; ++which) {
            CAPTURE(which);  // 0: CE labels, 1: CE probability rows, 2: MSE
            std::unique_ptr<Loss<T>> v, l;
            if (which < 2) {
                v = std::make_unique<CrossEntropy<T>>();
                l = std::make_unique<CrossEntropy<T>>();
            } else {
                v = std::make_unique<MSE<T>>();
                l = std::make_unique<MSE<T>>();
            }
            v->set_engine(Engine::vectorized);
            l->set_engine(Engine::loop);
            const Targets<T> targets = which == 0 ? Targets<T>(labels) : Targets<T>(rows);
            const T lv = v->forward(pred, targets);
            const T ll = l->forward(pred, targets);
            INFO("loss vectorized " << lv << " loop " << ll);
            CHECK(vecnn::test::scalar_close(lv, ll, engine_rtol<T>(numel)));
            agree<T>("loss gradient", v->backward(T(0.75)), l->backward(T(0.75)), double(classes));
        }
    }
}

TEST_CASE_TEMPLATE("loop and vectorized models agree end to end", T, float, double) {
    const char* spec = "linear(11,16),relu,linear(16,16),sigmoid,linear(16,8),tanh,linear(8,5),softmax";
    for (std::size_t batch : {1, 13, 64}) {
        CAPTURE(batch);
        Rng rng(300 + batch);
        auto v = build_model<T>(spec, 4);
        auto l = build_model<T>(spec, 4);
        v->set_engine(Engine::vectorized);
        l->set_engine(Engine::loop);
        for (std::size_t i = 0; i < l->size(); ++i) CHECK(l->layer(i).engine() == Engine::loop);
        const Matrix<T> x = random_matrix<T>(batch, 11, rng, -2, 2);
        const Matrix<T> t = random_matrix<T>(batch, 5, rng, 0, 0.4);
        MSE<T> mv, ml;
        mv.set_engine(Engine::vectorized);
        ml.set_engine(Engine::loop);
        // Errors of every layer add up through the chain rule: K = all fan-ins plus the batch.
        const double k = 11 + 16 + 16 + 8 + double(batch);
        const Matrix<T>& yv = v->forward(x);
        const Matrix<T>& yl = l->forward(x);
        agree<T>("model output", yv, yl, k);
        const T lv = mv.forward(yv, Targets<T>(t));
        const T ll = ml.forward(yl, Targets<T>(t));
        INFO("loss vectorized " << lv << " loop " << ll);
        CHECK(vecnn::test::scalar_close(lv, ll, engine_rtol<T>(k)));
        v->zero_grad();
        l->zero_grad();
        agree<T>("model input gradient", v->backward(mv.backward()), l->backward(ml.backward()), k);
        agree<T>("model parameter gradients", all_gradients(*v), all_gradients(*l), k);
    }
}

// ---------------------------------------------------------------------------
// Accumulation
// ---------------------------------------------------------------------------

namespace {

// backward twice without zero_grad, on top of a non-zero pre-filled gradient
// buffer (as dlib's test_layer does): grad == prefill + 2 * single. The
// input gradient is overwritten, never accumulated.
template <class T, class MakeModel>
void check_double_backward(MakeModel make, std::size_t in, std::size_t out, Engine e) {
    Rng rng(77);
    const Matrix<T> x = random_matrix<T>(6, in, rng);
    const Matrix<T> dy = random_matrix<T>(6, out, rng);

    auto single = make();
    single->set_engine(e);
    single->forward(x);
    single->zero_grad();
    const Matrix<T> dx_single = copy_of<T>(single->backward(dy));
    const Matrix<T> g_single = copy_of(all_gradients(*single));

    auto twice = make();
    twice->set_engine(e);
    const std::size_t n = twice->parameter_count();
    REQUIRE(n > 0);
    const Matrix<T> prefill = random_matrix<T>(1, n, rng, -2, 2);
    std::copy(prefill.begin(), prefill.end(), twice->gradient_data());
    twice->forward(x);
    twice->backward(dy);
    const Matrix<T> dx_twice = copy_of<T>(twice->backward(dy));
    VECNN_CHECK_CLOSE(dx_twice, dx_single, 0.0);

    // The bound: BLAS (beta = 1) and the vectorized column sums fold the old
    // gradient into their chain of K = batch additions rather than adding one
    // finished sum, so each accumulation may round up to K + 1 times near
    // |prefill|. Measured worst: 2.0 eps (|p| + 2|s|); bound (K + 2) eps = 8 eps.
    const T eps = std::numeric_limits<T>::epsilon();
    const T rounding = T(x.shape()[0] + 2) * eps;
    std::size_t bad = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const T p = prefill.data()[i];
        const T s = g_single.data()[i];
        const T expected = p + T(2) * s;
        const T allowed = rounding * (std::abs(p) + T(2) * std::abs(s));
        const T got = twice->gradient_data()[i];
        if (!(std::abs(got - expected) <= allowed)) {
            if (bad < 5) {
                MESSAGE(twice->describe() << " gradient[" << i << "]: got " << got << " expected prefill " << p
                                          << " + 2 * " << s << " = " << expected);
            }
            ++bad;
        }
    }
    CHECK(bad == 0);
    // And zero_grad really clears everything.
    twice->zero_grad();
    for (std::size_t i = 0; i < n; ++i) REQUIRE(twice->gradient_data()[i] == T(0));
}

}  // namespace

TEST_CASE_TEMPLATE("backward twice without zero_grad doubles the gradient (Linear, Sequential)", T, float, double) {
    for (Engine e : kEngines) {
        INFO("engine: " << std::string(to_string(e)));
        check_double_backward<T>([] { return std::make_unique<Linear<T>>(5, 4, 21); }, 5, 4, e);
        check_double_backward<T>([] { return build_model<T>("linear(5,8),tanh,linear(8,6),relu,linear(6,3)", 8); }, 5,
                                 3, e);
    }
}

TEST_CASE_TEMPLATE("loss backward weights add up: m/M parts of a batch give the whole-batch gradient", T, float,
                   double) {
    // The accumulation contract at loss level: two halves weighted by their share.
    for (Engine e : kEngines) {
        INFO("engine: " << std::string(to_string(e)));
        Rng rng(8);
        const Matrix<T> logits = random_matrix<T>(6, 4, rng, -2, 2);
        const std::vector<std::int64_t> labels{0, 3, 1, 2, 2, 0};
        CrossEntropy<T> whole, part;
        whole.set_engine(e);
        part.set_engine(e);
        whole.forward(logits, Targets<T>(labels));
        const Matrix<T> g_whole = whole.backward();
        // Row-major: the two parts are views of consecutive rows.
        const ConstView<T> first(logits.data(), 4, 4);
        const ConstView<T> second(logits.data() + 16, 2, 4);
        part.forward(first, Targets<T>(labels.data(), 4));
        const Matrix<T> g1 = part.backward(T(4) / T(6));
        part.forward(second, Targets<T>(labels.data() + 4, 2));
        const Matrix<T> g2 = part.backward(T(2) / T(6));
        Matrix<T> joined = Matrix<T>::from_shape({6, 4});
        std::copy(g1.begin(), g1.end(), joined.data());
        std::copy(g2.begin(), g2.end(), joined.data() + 16);
        VECNN_CHECK_CLOSE(joined, g_whole, ulps<T>(4));
    }
}

// ---------------------------------------------------------------------------
// Extreme values
// ---------------------------------------------------------------------------

TEST_CASE_TEMPLATE("Softmax layer and CrossEntropy stay finite and exact for logits of +-1e4", T, float, double) {
    for (Engine e : kEngines) {
        INFO("engine: " << std::string(to_string(e)));
        const Matrix<T> logits = mat<T>({{1e4, 0, -1e4}, {-1e4, 1e4, 0}});

        Softmax<T> softmax;
        softmax.set_engine(e);
        VECNN_CHECK_CLOSE(softmax.forward(logits), mat<T>({{1, 0, 0}, {0, 1, 0}}), 0.0);
        const Matrix<T>& dsoft = softmax.backward(mat<T>({{1, 2, 3}, {4, 5, 6}}));
        CHECK(vecnn::test::all_finite<T>(dsoft));
        VECNN_CHECK_CLOSE(dsoft, mat<T>({{0, 0, 0}, {0, 0, 0}}), 0.0);  // a saturated softmax passes nothing

        CrossEntropy<T> ce;
        ce.set_engine(e);
        // Row 0, label 1: lse = 1e4, loss 1e4 - 0. Row 1, label 1: loss 0. Mean 5e3.
        const std::vector<std::int64_t> labels{1, 1};
        CHECK(ce.forward(logits, Targets<T>(labels)) == T(5e3));
        VECNN_CHECK_CLOSE(ce.probabilities(), mat<T>({{1, 0, 0}, {0, 1, 0}}), 0.0);
        VECNN_CHECK_CLOSE(ce.backward(), mat<T>({{0.5, -0.5, 0}, {0, 0, 0}}), 0.0);

        const std::vector<std::int64_t> label1{1};
        const Matrix<T> one = mat<T>({{1e4, 0, -1e4}});
        CHECK(ce.forward(one, Targets<T>(label1)) == T(1e4));
        VECNN_CHECK_CLOSE(ce.backward(), mat<T>({{1, -1, 0}}), 0.0);
        const std::vector<std::int64_t> label2{2};
        CHECK(ce.forward(one, Targets<T>(label2)) == T(2e4));

        const Matrix<T> rows = mat<T>({{0, 1, 0}});
        CHECK(ce.forward(one, Targets<T>(rows)) == T(1e4));
        VECNN_CHECK_CLOSE(ce.backward(), mat<T>({{1, -1, 0}}), 0.0);
    }
}

TEST_CASE_TEMPLATE("Sigmoid layer: exactly 1 and 0 at +-1000, finite backward", T, float, double) {
    for (Engine e : kEngines) {
        INFO("engine: " << std::string(to_string(e)));
        Sigmoid<T> sigmoid;
        sigmoid.set_engine(e);
        const Matrix<T> x = mat<T>({{1000, -1000, 0}});
        const Matrix<T>& y = sigmoid.forward(x);
        CHECK(y(0, 0) == T(1));
        CHECK(y(0, 1) == T(0));
        CHECK(y(0, 2) == T(0.5));
        const Matrix<T>& dx = sigmoid.backward(mat<T>({{3, 3, 4}}));
        CHECK(vecnn::test::all_finite<T>(dx));
        VECNN_CHECK_CLOSE(dx, mat<T>({{0, 0, 1}}), 0.0);

        Tanh<T> tanh_layer;
        tanh_layer.set_engine(e);
        VECNN_CHECK_CLOSE(tanh_layer.forward(x), mat<T>({{1, -1, 0}}), 0.0);
        VECNN_CHECK_CLOSE(tanh_layer.backward(mat<T>({{3, 3, 4}})), mat<T>({{0, 0, 4}}), 0.0);
    }
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

TEST_CASE_TEMPLATE("layers reject mismatched shapes naming both shapes", T, float, double) {
    for (Engine e : kEngines) {
        INFO("engine: " << std::string(to_string(e)));
        Linear<T> lin(3, 2);
        lin.set_engine(e);
        const Matrix<T> x45 = Matrix<T>::from_shape({4, 5});
        // Input width 5 for a weight (2, 3): both shapes in the message.
        check_invalid_argument([&] { lin.forward(x45); }, {"linear(3,2)", "(4, 5)", "(2, 3)"});
        check_invalid_argument([] { Linear<T>(0, 3); }, {"linear(0,3)"});

        Matrix<T> x43 = vecnn::test::filled<T>(4, 3, T(1));
        lin.forward(x43);
        const Matrix<T> dy52 = Matrix<T>::from_shape({5, 2});
        const Matrix<T> dy43 = Matrix<T>::from_shape({4, 3});
        check_invalid_argument([&] { lin.backward(dy52); }, {"linear(3,2)", "(5, 2)", "(4, 2)"});
        check_invalid_argument([&] { lin.backward(dy43); }, {"linear(3,2)", "(4, 3)", "(4, 2)"});

        for (Kind kind : {Kind::relu, Kind::sigmoid, Kind::tanh, Kind::softmax}) {
            INFO("layer: " << std::string(name_of(kind)));
            auto act = make_layer<T>(kind, 0, 0, 0);
            act->set_engine(e);
            act->forward(x43);
            const Matrix<T> dy53 = Matrix<T>::from_shape({5, 3});
            check_invalid_argument([&] { act->backward(dy53); }, {name_of(kind), "(5, 3)", "(4, 3)"});
        }

        auto model = build_model<T>("linear(3,4),relu,linear(4,2)");
        model->set_engine(e);
        check_invalid_argument([&] { model->forward(x45); }, {"linear(3,4)", "(4, 5)", "(4, 3)"});
        model->forward(x43);
        check_invalid_argument([&] { model->backward(dy43); }, {"linear(4,2)", "(4, 3)", "(4, 2)"});
    }
}

TEST_CASE_TEMPLATE("losses reject wrong targets naming both shapes, labels naming label and row", T, float, double) {
    for (Engine e : kEngines) {
        INFO("engine: " << std::string(to_string(e)));
        CrossEntropy<T> ce;
        MSE<T> mse;
        ce.set_engine(e);
        mse.set_engine(e);
        const Matrix<T> p43 = vecnn::test::filled<T>(4, 3, T(0.5));
        const Matrix<T> t53 = vecnn::test::filled<T>(5, 3, T(0.5));
        const Matrix<T> t45 = vecnn::test::filled<T>(4, 5, T(0.5));
        const std::vector<std::int64_t> five_labels{0, 1, 2, 0, 1};
        const std::vector<std::int64_t> bad_label{0, 1, 7, 0};

        check_invalid_argument([&] { ce.forward(p43, Targets<T>(five_labels)); }, {"(4, 3)", "labels (5)"});
        check_invalid_argument([&] { ce.forward(p43, Targets<T>(t53)); }, {"(4, 3)", "(5, 3)"});
        check_invalid_argument([&] { ce.forward(p43, Targets<T>(t45)); }, {"(4, 3)", "(4, 5)"});
        check_invalid_argument([&] { ce.forward(p43, Targets<T>(bad_label)); }, {"label 7", "row 2"});
        check_invalid_argument([&] { mse.forward(p43, Targets<T>(t53)); }, {"mse", "(4, 3)", "(5, 3)"});
        check_invalid_argument([&] { mse.forward(p43, Targets<T>(t45)); }, {"mse", "(4, 3)", "(4, 5)"});
        check_invalid_argument([&] { mse.forward(p43, Targets<T>(five_labels)); }, {"mse", "(4, 3)"});

        // Degenerate batches: no rows, no classes (never a crash or a silent NaN).
        const Matrix<T> p03 = Matrix<T>::from_shape({0, 3});
        const Matrix<T> p20 = Matrix<T>::from_shape({2, 0});
        const std::vector<std::int64_t> no_labels;
        const std::vector<std::int64_t> two_labels{0, 0};
        check_invalid_argument([&] { ce.forward(p03, Targets<T>(no_labels)); }, {"cross-entropy", "(0, 3)"});
        check_invalid_argument([&] { ce.forward(p20, Targets<T>(two_labels)); }, {"cross-entropy", "(2, 0)"});
        check_invalid_argument([&] { ce.forward(p20, Targets<T>(p20)); }, {"cross-entropy", "(2, 0)"});
        check_invalid_argument([&] { mse.forward(p20, Targets<T>(p20)); }, {"mse", "(2, 0)"});

        CrossEntropy<T> fresh_ce;
        MSE<T> fresh_mse;
        CHECK_THROWS_AS(fresh_ce.backward(), std::logic_error);
        CHECK_THROWS_AS(fresh_mse.backward(), std::logic_error);
        Linear<T> lin(2, 2);
        const Matrix<T> dy = Matrix<T>::from_shape({1, 2});
        CHECK_THROWS_AS(lin.backward(dy), std::logic_error);
    }
}

// ---------------------------------------------------------------------------
// Sequential's flat buffers
// ---------------------------------------------------------------------------

TEST_CASE_TEMPLATE("Sequential: one flat parameter block, layers are views into it", T, float, double) {
    auto model = build_model<T>("linear(3,4),relu,linear(4,5),tanh,linear(5,2)", 6);
    // 3*4+4, 4*5+5, 5*2+2
    const std::size_t sizes[] = {16, 0, 25, 0, 12};
    REQUIRE(model->parameter_count() == 53);
    T* base = model->parameter_data();
    T* gbase = model->gradient_data();
    std::size_t offset = 0;
    for (std::size_t i = 0; i < model->size(); ++i) {
        CAPTURE(i);
        Layer<T>& layer = model->layer(i);
        CHECK(layer.parameter_count() == sizes[i]);
        if (sizes[i] > 0) {
            CHECK(layer.parameter_data() == base + offset);
            CHECK(layer.gradient_data() == gbase + offset);
        }
        offset += sizes[i];
    }
    // Parameter list: names, dims and offsets into the flat block.
    const auto& params = model->parameters();
    REQUIRE(params.size() == 6);
    CHECK(params[2].name == "2.weight");
    CHECK(params[2].offset == 16);
    CHECK(params[5].name == "4.bias");
    CHECK(params[5].offset == 51);

    // Writing through the model's buffer changes the layer's weight (and the output).
    auto& lin2 = dynamic_cast<Linear<T>&>(model->layer(2));
    base[16] = T(0.125);
    CHECK(lin2.weight()(0, 0) == T(0.125));
    CHECK(model->parameter(2)(0, 0) == T(0.125));
    lin2.bias()(0, 4) = T(-3);
    CHECK(base[16 + 20 + 4] == T(-3));

    // Forward reads through the views: a model with one Linear whose weight we
    // overwrite through the model buffer gives the hand-computed output.
    auto single = build_model<T>("linear(2,1)", 1);
    T* w = single->parameter_data();
    w[0] = T(2);
    w[1] = T(-1);
    w[2] = T(0.5);  // bias
    const Matrix<T> x = mat<T>({{1, 1}, {3, 2}});
    VECNN_CHECK_CLOSE(single->forward(x), mat<T>({{1.5}, {4.5}}), 0.0);

    // backward writes into the model's gradient block; zero_grad clears all of it.
    Rng rng(1);
    const Matrix<T> xin = random_matrix<T>(4, 3, rng);
    model->forward(xin);
    model->backward(random_matrix<T>(4, 2, rng));
    std::size_t nonzero = 0;
    for (std::size_t i = 0; i < model->parameter_count(); ++i) nonzero += gbase[i] != T(0);
    CHECK(nonzero > model->parameter_count() / 2);
    for (std::size_t i = 0; i < model->parameter_count(); ++i) gbase[i] = T(1);  // every element dirty
    model->zero_grad();
    const T* cleared = model->gradient_data();  // reading through the accessor sees the clear
    CHECK(cleared == gbase);
    for (std::size_t i = 0; i < model->parameter_count(); ++i) {
        CAPTURE(i);
        REQUIRE(gbase[i] == T(0));
    }
    for (std::size_t i = 0; i < model->size(); ++i) {
        const Layer<T>& layer = model->layer(i);
        for (std::size_t j = 0; j < layer.parameter_count(); ++j) REQUIRE(layer.gradient_data()[j] == T(0));
    }
}

TEST_CASE_TEMPLATE("Sequential built layer by layer keeps every layer's parameters", T, float, double) {
    // Three add() calls: every call re-lays out the flat buffer; the values of
    // the layers added before must survive each move.
    Linear<T> ref0(3, 4, 31), ref2(4, 2, 32);
    Sequential<T> model;
    model.template emplace<Linear<T>>(3, 4, std::uint64_t(31));
    model.template emplace<ReLU<T>>();
    model.template emplace<Linear<T>>(4, 2, std::uint64_t(32));
    REQUIRE(model.parameter_count() == ref0.parameter_count() + ref2.parameter_count());
    VECNN_CHECK_CLOSE(ConstView<T>(model.parameter_data(), 1, ref0.parameter_count()), all_parameters(ref0), 0.0);
    VECNN_CHECK_CLOSE(ConstView<T>(model.parameter_data() + ref0.parameter_count(), 1, ref2.parameter_count()),
                      all_parameters(ref2), 0.0);
    CHECK(model.describe() == "linear(3,4),relu,linear(4,2)");
    CHECK(model.parameters()[2].name == "2.weight");

    // Gradients accumulated before an add() survive it too.
    Rng rng(2);
    const Matrix<T> x = random_matrix<T>(3, 3, rng);
    Sequential<T> grow;
    grow.template emplace<Linear<T>>(3, 3, std::uint64_t(5));
    grow.forward(x);
    grow.backward(random_matrix<T>(3, 3, rng));
    const Matrix<T> g_before = copy_of(all_gradients(grow));
    grow.template emplace<Tanh<T>>();
    grow.template emplace<Linear<T>>(3, 1, std::uint64_t(6));
    VECNN_CHECK_CLOSE(ConstView<T>(grow.gradient_data(), 1, g_before.size()), g_before, 0.0);
}

TEST_CASE_TEMPLATE("Sequential nested in a Sequential: keys, values and views reach the inner layers", T, float,
                   double) {
    const char* inner_spec = "linear(3,4),tanh,linear(4,2)";
    auto reference = build_model<T>(inner_spec, 3);
    Linear<T> reference_tail(2, 2, std::uint64_t(4));
    std::vector<LayerPtr<T>> layers;
    layers.push_back(build_model<T>(inner_spec, 3));
    layers.push_back(std::make_unique<Linear<T>>(2, 2, std::uint64_t(4)));
    Sequential<T> outer(std::move(layers));

    const auto& p = outer.parameters();
    REQUIRE(p.size() == 6);
    CHECK(p[0].name == "0.0.weight");  // torch.nn.Sequential nesting: "<outer>.<inner>.<name>"
    CHECK(p[3].name == "0.2.bias");
    CHECK(p[4].name == "1.weight");
    CHECK(outer.parameter_count() == reference->parameter_count() + reference_tail.parameter_count());
    VECNN_CHECK_CLOSE(ConstView<T>(outer.parameter_data(), 1, reference->parameter_count()), all_parameters(*reference),
                      0.0);

    // The innermost Linear reads its weight from the outer flat block.
    auto& inner = dynamic_cast<Sequential<T>&>(outer.layer(0));
    auto& inner_linear = dynamic_cast<Linear<T>&>(inner.layer(2));
    CHECK(inner_linear.parameter_data() == outer.parameter_data() + p[2].offset);
    CHECK(inner_linear.gradient_data() == outer.gradient_data() + p[2].offset);

    Rng rng(12);
    const Matrix<T> x = random_matrix<T>(4, 3, rng);
    const Matrix<T> expected = copy_of<T>(reference_tail.forward(reference->forward(x)));
    VECNN_CHECK_CLOSE(outer.forward(x), expected, 0.0);
    outer.parameter_data()[p[4].offset] += T(1);  // 1.weight(0, 0)
    CHECK_FALSE(compare_close(ConstView<T>(outer.forward(x)), ConstView<T>(expected), 0.0).ok);
}

TEST_CASE_TEMPLATE("zero_grad is lazy: the next backward overwrites, later ones add, a read sees zeros", T, float,
                   double) {
    for (Engine engine : {Engine::vectorized, Engine::loop}) {
        CAPTURE(engine == Engine::vectorized);
        auto model = build_model<T>("linear(5,7),tanh,linear(7,3)", 3);
        model->set_engine(engine);
        Rng rng(4);
        const Matrix<T> x = random_matrix<T>(6, 5, rng), dy = random_matrix<T>(6, 3, rng);
        const std::size_t n = model->parameter_count();

        // Reference: gradients of one backward into a block cleared eagerly by hand.
        T* g = model->gradient_data();
        std::fill(g, g + n, T(0));
        model->forward(x);
        model->backward(dy);
        const std::vector<T> once(g, g + n);

        // Garbage (NaN included) in the block, then zero_grad: the backward
        // must write, never read it (beta = 0 never multiplies the old value).
        std::fill(g, g + n, std::numeric_limits<T>::quiet_NaN());
        model->zero_grad();
        model->forward(x);
        model->backward(dy);
        g = model->gradient_data();
        std::size_t differ = 0;
        for (std::size_t i = 0; i < n; ++i) differ += g[i] != once[i];
        CHECK(differ == 0);

        // A second backward adds on top.
        model->forward(x);
        model->backward(dy);
        g = model->gradient_data();
        differ = 0;
        for (std::size_t i = 0; i < n; ++i) differ += std::abs(g[i] - 2 * once[i]) > 1e-5 * std::abs(once[i]);
        CHECK(differ == 0);

        // zero_grad with no backward after it: every accessor reads zeros.
        model->zero_grad();
        CHECK(model->layer(0).gradient(0)(0, 0) == T(0));
        const auto& linear = dynamic_cast<const Linear<T>&>(model->layer(2));
        CHECK(linear.gradient(1)(0, 2) == T(0));
        g = model->gradient_data();
        std::size_t nonzero = 0;
        for (std::size_t i = 0; i < n; ++i) nonzero += g[i] != T(0);
        CHECK(nonzero == 0);
    }
}
