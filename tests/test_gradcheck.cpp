// Gradient checks (float64, central differences, nn/gradcheck.hpp defaults:
// eps 1e-6, atol 1e-5, rtol 1e-3):
//  * every layer and every loss passes, alone and in the middle of a network,
//    on both engines, batch > 1 (ReLU inputs kept >= 1e-2 away from its kink);
//  * the checker itself fails on wrong backward passes (10 % off, a missing
//    parameter gradient, an all-zero backward, a wrong loss gradient) and
//    names the worst element; it refuses all-zero gradients unless
//    allow_zero_gradient is set, and even then only when they are right.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "vecnn/nn/activations.hpp"
#include "vecnn/nn/gradcheck.hpp"
#include "vecnn/nn/linear.hpp"
#include "vecnn/nn/loss.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/nn/sequential.hpp"
#include "test_util.hpp"

using namespace vecnn;
using vecnn::test::random_matrix;

namespace {

const Engine kEngines[] = {Engine::vectorized, Engine::loop};

bool contains(const std::string& text, const std::string& fragment) {
    return text.find(fragment) != std::string::npos;
}

const TensorCheck* find_tensor(const GradCheckReport& r, const std::string& name) {
    for (const auto& t : r.tensors) {
        if (t.name == name) return &t;
    }
    return nullptr;
}

std::vector<std::string> tensor_names(const GradCheckReport& r) {
    std::vector<std::string> names;
    for (const auto& t : r.tensors) names.push_back(t.name);
    return names;
}

// Activation layers by spec token.
LayerPtr<double> make_activation(const std::string& name) {
    if (name == "relu") return std::make_unique<ReLU<double>>();
    if (name == "sigmoid") return std::make_unique<Sigmoid<double>>();
    if (name == "tanh") return std::make_unique<Tanh<double>>();
    if (name == "softmax") return std::make_unique<Softmax<double>>();
    throw std::invalid_argument("no activation " + name);
}

// An input for `model` such that the output of its first layer keeps at
// least `gap` away from 0 (a ReLU after it never sits on its kink).
Matrix<double> input_away_from_kinks(Sequential<double>& model, std::size_t batch, std::size_t features, Rng& rng,
                                     double gap = 1e-2) {
    for (int attempt = 0; attempt < 1000; ++attempt) {
        Matrix<double> x = random_matrix<double>(batch, features, rng);
        const Matrix<double>& z = model.layer(0).forward(x);
        const bool clear = std::all_of(z.begin(), z.end(), [&](double v) { return std::abs(v) >= gap; });
        if (clear) return x;
    }
    FAIL("no input keeps the first layer away from 0");
    return {};
}

// ---- deliberately (in)correct test layers -----------------------------------

// y = x * scale + shift, column-wise: parameters "scale" (n) and "shift" (n).
enum class Bug {
    none,
    input_gradient_10_percent,  // dx = 1.1 * dy * scale
    scale_gradient_10_percent,  // dscale 1.1x too large
    forgets_shift_gradient,     // never adds into dshift
    zero_backward,              // dx = 0 and no parameter gradients at all
};

class ScaleShift final : public Layer<double> {
public:
    ScaleShift(std::size_t n, Bug bug) : n_(n), bug_(bug) {
        declare_parameter("scale", {n});
        declare_parameter("shift", {n});
        allocate_parameters();
        Rng rng(99);
        for (std::size_t i = 0; i < 2 * n; ++i) parameter_data()[i] = rng.uniform(0.5, 1.5);
    }
    std::string describe() const override { return "scale_shift"; }
    const Matrix<double>& forward(ConstView<double> input) override {
        input_ = vecnn::test::copy_of(input);
        ensure_shape(output_, input.rows(), n_);
        const double* scale = parameter_data();
        const double* shift = parameter_data() + n_;
        for (std::size_t r = 0; r < input.rows(); ++r) {
            for (std::size_t c = 0; c < n_; ++c) output_(r, c) = input(r, c) * scale[c] + shift[c];
        }
        return output_;
    }
    const Matrix<double>& backward(ConstView<double> dy, bool need_input_gradient) override {
        ensure_shape(input_gradient_, dy.rows(), n_);
        input_gradient_.fill(0.0);
        if (bug_ == Bug::zero_backward) return input_gradient_;
        const double* scale = parameter_data();
        double* dscale = gradient_data();
        double* dshift = gradient_data() + n_;
        const double scale_factor = bug_ == Bug::scale_gradient_10_percent ? 1.1 : 1.0;
        const double input_factor = bug_ == Bug::input_gradient_10_percent ? 1.1 : 1.0;
        for (std::size_t r = 0; r < dy.rows(); ++r) {
            for (std::size_t c = 0; c < n_; ++c) {
                dscale[c] += scale_factor * dy(r, c) * input_(r, c);
                if (bug_ != Bug::forgets_shift_gradient) dshift[c] += dy(r, c);
                if (need_input_gradient) input_gradient_(r, c) = input_factor * dy(r, c) * scale[c];
            }
        }
        return input_gradient_;
    }

private:
    std::size_t n_;
    Bug bug_;
    Matrix<double> input_;
    Matrix<double> output_;
    Matrix<double> input_gradient_;
};

// y = 0 for every input: its true gradient is zero everywhere.
class Constant final : public Layer<double> {
public:
    std::string describe() const override { return "constant"; }
    const Matrix<double>& forward(ConstView<double> input) override {
        ensure_shape(output_, input.rows(), input.cols());
        output_.fill(0.0);
        return output_;
    }
    const Matrix<double>& backward(ConstView<double> dy, bool) override {
        ensure_shape(input_gradient_, dy.rows(), dy.cols());
        input_gradient_.fill(0.0);
        return input_gradient_;
    }

private:
    Matrix<double> output_;
    Matrix<double> input_gradient_;
};

// MSE whose backward is half the right gradient (forgets the 2 of 2 (p - t) / numel).
class HalfGradientMSE final : public Loss<double> {
public:
    std::string describe() const override { return "half-mse"; }
    double forward(ConstView<double> p, const Targets<double>& t) override {
        const double v = inner_.forward(p, t);
        return v;
    }
    const Matrix<double>& backward(double weight) override {
        gradient_ = 0.5 * inner_.backward(weight);
        return gradient_;
    }

private:
    MSE<double> inner_;
    Matrix<double> gradient_;
};

}  // namespace

// ---------------------------------------------------------------------------
// Every layer and loss passes
// ---------------------------------------------------------------------------

TEST_CASE("gradcheck: Linear alone, both engines") {
    for (Engine e : kEngines) {
        INFO("engine: " << std::string(to_string(e)));
        Linear<double> lin(4, 3, 5);
        lin.set_engine(e);
        Rng rng(1);
        const Matrix<double> x = random_matrix<double>(5, 4, rng);
        const auto r = check_gradients(lin, x);
        INFO(r.table());
        CHECK(r.passed);
        CHECK(tensor_names(r) == std::vector<std::string>{"input", "weight", "bias"});
        REQUIRE(find_tensor(r, "weight") != nullptr);
        CHECK(find_tensor(r, "weight")->elements == 12);
        CHECK(find_tensor(r, "weight")->max_abs_error < 1e-8);
        CHECK(find_tensor(r, "input")->max_abs_error < 1e-8);
    }
}

TEST_CASE("gradcheck: every activation alone, both engines") {
    for (const char* name : {"relu", "sigmoid", "tanh", "softmax"}) {
        for (Engine e : kEngines) {
            INFO("layer: " << std::string(name));
            INFO("engine: " << std::string(to_string(e)));
            auto layer = make_activation(name);
            layer->set_engine(e);
            Rng rng(2);
            // Off ReLU's kink: |x| >= 0.05.
            const Matrix<double> x = vecnn::test::random_away_from_zero<double>(4, 6, rng, 0.05, 2.0);
            const auto r = check_gradients(*layer, x);
            INFO(r.table());
            CHECK(r.passed);
            REQUIRE(r.tensors.size() == 1);
            CHECK(r.tensors[0].name == "input");
            CHECK(r.tensors[0].max_abs_error < 1e-8);
        }
    }
}

TEST_CASE("gradcheck: every loss alone (CE labels, CE probability rows, MSE), both engines") {
    Rng rng(3);
    const Matrix<double> predictions = random_matrix<double>(5, 4, rng, -2, 2);
    const std::vector<std::int64_t> labels{0, 3, 1, 1, 2};
    const Matrix<double> rows = vecnn::test::random_distributions<double>(5, 4, rng);
    Matrix<double> heavy_rows = rows;
    heavy_rows *= 1.7;  // rows that do not sum to one: gradient p * mass - t
    const Matrix<double> values = random_matrix<double>(5, 4, rng);
    for (Engine e : kEngines) {
        INFO("engine: " << std::string(to_string(e)));
        CrossEntropy<double> ce;
        MSE<double> mse;
        ce.set_engine(e);
        mse.set_engine(e);
        for (int which = 0; which < 4; ++which) {
            CAPTURE(which);
            GradCheckReport r;
            if (which == 0) r = check_gradients(ce, predictions, Targets<double>(labels));
            if (which == 1) r = check_gradients(ce, predictions, Targets<double>(rows));
            if (which == 2) r = check_gradients(ce, predictions, Targets<double>(heavy_rows));
            if (which == 3) r = check_gradients(mse, predictions, Targets<double>(values));
            INFO(r.table());
            CHECK(r.passed);
            REQUIRE(r.tensors.size() == 1);
            CHECK(r.tensors[0].elements == 20);
            CHECK(r.tensors[0].max_abs_error < 1e-8);
        }
    }
}

TEST_CASE("gradcheck: every layer in the middle of a network, every loss at its end, both engines") {
    for (const char* name : {"relu", "sigmoid", "tanh", "softmax"}) {
        for (int loss_kind = 0; loss_kind < 3; ++loss_kind) {
            for (Engine e : kEngines) {
                INFO("layer: " << std::string(name));
                CAPTURE(loss_kind);  // 0: CE labels, 1: CE probability rows, 2: MSE
                INFO("engine: " << std::string(to_string(e)));
                auto model = build_model<double>(std::string("linear(4,6),") + name + ",linear(6,3)", 12);
                model->set_engine(e);
                Rng rng(4);
                const Matrix<double> x = input_away_from_kinks(*model, 5, 4, rng);
                const std::vector<std::int64_t> labels{2, 0, 1, 1, 0};
                const Matrix<double> rows = vecnn::test::random_distributions<double>(5, 3, rng);
                const Matrix<double> values = random_matrix<double>(5, 3, rng);
                CrossEntropy<double> ce;
                MSE<double> mse;
                ce.set_engine(e);
                mse.set_engine(e);
                GradCheckReport r;
                if (loss_kind == 0) r = check_gradients(*model, ce, x, Targets<double>(labels));
                if (loss_kind == 1) r = check_gradients(*model, ce, x, Targets<double>(rows));
                if (loss_kind == 2) r = check_gradients(*model, mse, x, Targets<double>(values));
                INFO(r.table());
                CHECK(r.passed);
                CHECK(tensor_names(r) == std::vector<std::string>{"input", "0.weight", "0.bias", "2.weight", "2.bias"});
                for (const auto& t : r.tensors) {
                    CAPTURE(t.name);
                    CHECK(t.failures == 0);
                    CHECK_FALSE(t.all_zero);
                }
            }
        }
    }
}

TEST_CASE("gradcheck: a deeper model with every layer, both engines") {
    for (Engine e : kEngines) {
        INFO("engine: " << std::string(to_string(e)));
        auto model = build_model<double>(
            "linear(3,5),relu,linear(5,5),sigmoid,linear(5,4),tanh,linear(4,4),softmax,"
            "linear(4,3)",
            21);
        model->set_engine(e);
        Rng rng(5);
        const Matrix<double> x = input_away_from_kinks(*model, 4, 3, rng);
        const std::vector<std::int64_t> labels{0, 2, 1, 2};
        CrossEntropy<double> ce;
        ce.set_engine(e);
        const auto r = check_gradients(*model, ce, x, Targets<double>(labels));
        INFO(r.table());
        CHECK(r.passed);
        CHECK(r.tensors.size() == 11);  // input + 5 Linear x (weight, bias)
    }
}

TEST_CASE("gradcheck: check_input = false leaves the input out") {
    Linear<double> lin(3, 2, 1);
    Rng rng(6);
    GradCheckOptions opt;
    opt.check_input = false;
    const auto r = check_gradients(lin, random_matrix<double>(4, 3, rng), opt);
    CHECK(r.passed);
    CHECK(tensor_names(r) == std::vector<std::string>{"weight", "bias"});
}

// ---------------------------------------------------------------------------
// The checker catches wrong gradients
// ---------------------------------------------------------------------------

TEST_CASE("gradcheck: the correct test layer passes (the harness itself is right)") {
    ScaleShift layer(4, Bug::none);
    Rng rng(7);
    const auto r = check_gradients(layer, random_matrix<double>(3, 4, rng));
    INFO(r.table());
    CHECK(r.passed);
    CHECK(r.reason.empty());
}

TEST_CASE("gradcheck fails on an input gradient 10% too large and names the worst element") {
    ScaleShift layer(4, Bug::input_gradient_10_percent);
    Rng rng(8);
    const auto r = check_gradients(layer, random_matrix<double>(3, 4, rng));
    INFO(r.table());
    CHECK_FALSE(r.passed);
    CHECK_FALSE(r.reason.empty());
    CHECK(r.worst_tensor == "input");
    CHECK(r.worst_index < 12);
    CHECK(r.worst_numeric != 0.0);
    CHECK(r.worst_analytic == doctest::Approx(1.1 * r.worst_numeric).epsilon(1e-6));
    CHECK(find_tensor(r, "input")->failures > 0);
    CHECK(find_tensor(r, "scale")->failures == 0);
    CHECK(find_tensor(r, "shift")->failures == 0);
    CHECK(contains(r.summary(), "FAILED"));
    CHECK(contains(r.table(), "worst element input[" + std::to_string(r.worst_index) + "]"));
}

TEST_CASE("gradcheck fails on a forgotten bias gradient and the table names the parameter") {
    SUBCASE("alone") {
        ScaleShift layer(4, Bug::forgets_shift_gradient);
        Rng rng(9);
        const auto r = check_gradients(layer, random_matrix<double>(3, 4, rng));
        INFO(r.table());
        CHECK_FALSE(r.passed);
        CHECK(r.worst_tensor == "shift");
        CHECK(r.worst_analytic == 0.0);
        CHECK(r.worst_numeric != 0.0);
        CHECK(find_tensor(r, "shift")->all_zero);
        CHECK(find_tensor(r, "shift")->failures == 4);
        CHECK(find_tensor(r, "input")->failures == 0);
        CHECK(contains(r.table(), "worst element shift["));
    }
    SUBCASE("in a model: parameter keys carry the layer index") {
        std::vector<LayerPtr<double>> layers;
        layers.push_back(std::make_unique<Linear<double>>(3, 4, 1));
        layers.push_back(std::make_unique<ScaleShift>(4, Bug::forgets_shift_gradient));
        layers.push_back(std::make_unique<Linear<double>>(4, 2, 2));
        Sequential<double> model(std::move(layers));
        Rng rng(10);
        const std::vector<std::int64_t> labels{1, 0, 1};
        CrossEntropy<double> ce;
        const auto r = check_gradients(model, ce, random_matrix<double>(3, 3, rng), Targets<double>(labels));
        INFO(r.table());
        CHECK_FALSE(r.passed);
        CHECK(r.worst_tensor == "1.shift");
        CHECK(contains(r.table(), "1.shift"));
        CHECK(contains(r.table(), "worst element 1.shift["));
        // The wrong shift gradient is the only wrong one.
        for (const auto& t : r.tensors) {
            CAPTURE(t.name);
            CHECK((t.failures > 0) == (t.name == "1.shift"));
        }
    }
}

TEST_CASE("gradcheck fails on a parameter gradient 10% too large inside a model") {
    std::vector<LayerPtr<double>> layers;
    layers.push_back(std::make_unique<Linear<double>>(3, 4, 1));
    layers.push_back(std::make_unique<Tanh<double>>());
    layers.push_back(std::make_unique<ScaleShift>(4, Bug::scale_gradient_10_percent));
    Sequential<double> model(std::move(layers));
    Rng rng(11);
    MSE<double> mse;
    const Matrix<double> t = random_matrix<double>(3, 4, rng);
    const auto r = check_gradients(model, mse, random_matrix<double>(3, 3, rng), Targets<double>(t));
    INFO(r.table());
    CHECK_FALSE(r.passed);
    CHECK(r.worst_tensor == "2.scale");
    CHECK(r.worst_analytic == doctest::Approx(1.1 * r.worst_numeric).epsilon(1e-6));
    CHECK(contains(r.table(), "worst element 2.scale["));
}

TEST_CASE("gradcheck fails on an all-zero backward even with allow_zero_gradient") {
    ScaleShift layer(4, Bug::zero_backward);
    Rng rng(12);
    const Matrix<double> x = random_matrix<double>(3, 4, rng);
    const auto r = check_gradients(layer, x);
    INFO(r.table());
    CHECK_FALSE(r.passed);
    for (const auto& t : r.tensors) {
        CAPTURE(t.name);
        CHECK(t.all_zero);
        CHECK(t.failures > 0);
    }
    CHECK(contains(r.table(), "all-zero"));
    GradCheckOptions allow;
    allow.allow_zero_gradient = true;
    const auto r2 = check_gradients(layer, x, allow);
    INFO(r2.table());
    CHECK_FALSE(r2.passed);  // zeros are wrong here: the true gradient is not zero
}

TEST_CASE("gradcheck refuses a true all-zero gradient unless allow_zero_gradient") {
    SUBCASE("a constant layer") {
        Constant layer;
        Rng rng(13);
        const Matrix<double> x = random_matrix<double>(3, 4, rng);
        const auto r = check_gradients(layer, x);
        INFO(r.table());
        CHECK_FALSE(r.passed);
        CHECK(contains(r.reason, "all zero"));
        CHECK(contains(r.reason, "input"));
        GradCheckOptions allow;
        allow.allow_zero_gradient = true;
        CHECK(check_gradients(layer, x, allow).passed);
    }
    SUBCASE("ReLU with all-negative inputs, both engines") {
        for (Engine e : kEngines) {
            INFO("engine: " << std::string(to_string(e)));
            ReLU<double> relu;
            relu.set_engine(e);
            Rng rng(14);
            const Matrix<double> x = random_matrix<double>(3, 4, rng, -2.0, -0.1);
            const auto r = check_gradients(relu, x);
            INFO(r.table());
            CHECK_FALSE(r.passed);
            CHECK(r.tensors[0].all_zero);
            CHECK(r.tensors[0].failures == 0);  // the zeros are right; only the rule rejects them
            CHECK(contains(r.reason, "'input'"));
            GradCheckOptions allow;
            allow.allow_zero_gradient = true;
            CHECK(check_gradients(relu, x, allow).passed);
        }
    }
}

TEST_CASE("gradcheck fails on a loss with half the right gradient") {
    HalfGradientMSE loss;
    Rng rng(15);
    const Matrix<double> p = random_matrix<double>(3, 4, rng);
    const Matrix<double> t = random_matrix<double>(3, 4, rng);
    const auto r = check_gradients(loss, p, Targets<double>(t));
    INFO(r.table());
    CHECK_FALSE(r.passed);
    CHECK(r.worst_tensor == "input");
    CHECK(r.worst_analytic == doctest::Approx(0.5 * r.worst_numeric).epsilon(1e-6));
    // The right MSE passes on the same data.
    MSE<double> mse;
    CHECK(check_gradients(mse, p, Targets<double>(t)).passed);
}
