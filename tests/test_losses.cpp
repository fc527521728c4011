// The losses of torch.nn beyond cross-entropy and MSE: NLL (with the
// log_softmax layer), BCEWithLogits (with pos_weight), Huber and SmoothL1,
// each with mean and sum reductions:
//  * equal to PyTorch on fixtures (tests/data/torch_losses,
//    tools/torch_layer_fixtures.py), value and gradient, on both engines:
//    float64 to 1e-12, float32 to 1e-6 of the largest value;
//  * gradients of a model with each loss against float64 finite differences
//    on both engines, and log_softmax through check_layer;
//  * sum reduction keeps accumulation exact (k micro-batches = one batch);
//  * bad options and targets refused, naming the loss and what is wrong.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/test_util.hpp"
#include "tests/torch_fixture.hpp"
#include "vecnn/nn/gradcheck.hpp"
#include "vecnn/nn/layer_check.hpp"
#include "vecnn/nn/loss.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/nn/sgd.hpp"
#include "vecnn/nn/trainer.hpp"

using namespace vecnn;
using vecnn::test::check_invalid_argument;
using vecnn::test::matrix_of;
using vecnn::test::suffix;

namespace {

const char* const kFixtures[] = {"nll_mean",  "nll_sum",     "bce",   "bce_sum",   "bce_pos_weight",
                                 "huber",     "huber_delta", "smooth_l1", "smooth_l1_beta"};


LossOptions options_of(const test::Fixture& f) {
    LossOptions o;
    o.reduction = reduction_from_string(f.option("reduction"));
    if (f.options.count("delta")) o.huber_delta = f.number("delta");
    if (f.options.count("beta")) o.smooth_l1_beta = f.number("beta");
    if (f.has("pos_weight")) o.pos_weight = f.values<double>("pos_weight");
    return o;
}

}  // namespace

TEST_CASE_TEMPLATE("NLL, BCEWithLogits, Huber and SmoothL1 equal torch.nn on both engines, value and gradient", T,
                   float, double) {
    const double rtol = std::is_same<T, double>::value ? 1e-12 : 1e-6;
    for (const char* name : kFixtures) {
        const test::Fixture f = test::load_fixture("torch_losses", std::string(name) + "." + suffix<T>() + ".txt");
        CAPTURE(f.path);
        const std::size_t rows = std::stoul(f.option("shape"));
        const std::vector<T> xv = f.values<T>("x");
        const std::size_t cols = xv.size() / rows;
        const Matrix<T> x = matrix_of(xv, rows, cols), dx = matrix_of(f.values<T>("dx"), rows, cols);
        std::vector<std::int64_t> labels;
        Matrix<T> t;
        if (f.has("labels")) {
            for (double l : f.values<double>("labels")) labels.push_back(static_cast<std::int64_t>(l));
        } else {
            t = matrix_of(f.values<T>("t"), rows, cols);
        }
        const double expected = static_cast<double>(f.values<T>("loss").at(0));
        for (Engine engine : {Engine::loop, Engine::vectorized}) {
            CAPTURE(to_string(engine));
            auto loss = make_loss<T>(f.option("loss"), options_of(f));
            loss->set_engine(engine);
            const T value = labels.empty() ? loss->forward(x, Targets<T>(t)) : loss->forward(x, Targets<T>(labels));
            CHECK(test::scalar_close(static_cast<double>(value), expected, rtol));
            VECNN_CHECK_CLOSE(loss->backward(), dx, rtol);
        }
    }
}

TEST_CASE("the new losses' gradients through a model pass float64 finite differences on both engines") {
    Rng rng(11);
    const Matrix<double> x = test::random_matrix<double>(5, 4, rng);
    Matrix<double> rows = test::random_matrix<double>(5, 3, rng);
    Matrix<double> probabilities = Matrix<double>::from_shape({5, 3});
    for (auto& p : probabilities) p = rng.uniform(0, 1);
    const std::vector<std::int64_t> labels{0, 2, 1, 1, 0};
    struct Case {
        const char* loss;
        const char* model;
        LossOptions options;
    };
    LossOptions sum;
    sum.reduction = Reduction::sum;
    LossOptions weighted;
    weighted.pos_weight = {0.5, 2, 3};
    LossOptions small_delta;
    small_delta.huber_delta = 0.3;
    small_delta.smooth_l1_beta = 0.3;
    for (const Case& c : {Case{"nll", "linear(4,6),tanh,linear(6,3),log_softmax", {}},
                          Case{"nll", "linear(4,3),log_softmax", sum},
                          Case{"bce-with-logits", "linear(4,6),gelu,linear(6,3)", {}},
                          Case{"bce-with-logits", "linear(4,3)", weighted},
                          Case{"huber", "linear(4,6),softplus,linear(6,3)", small_delta},
                          Case{"smooth-l1", "linear(4,6),leaky_relu(0.1),linear(6,3)", small_delta},
                          Case{"smooth-l1", "linear(4,3)", sum}}) {
        for (Engine engine : {Engine::loop, Engine::vectorized}) {
            CAPTURE(c.loss);
            CAPTURE(c.model);
            CAPTURE(to_string(engine));
            auto model = build_model<double>(c.model, 3);
            auto loss = make_loss<double>(c.loss, c.options);
            model->set_engine(engine);
            loss->set_engine(engine);
            const std::string name = c.loss;
            const GradCheckReport r =
                name == "nll" ? check_gradients(*model, *loss, x, Targets<double>(labels))
                              : check_gradients(*model, *loss, x,
                                                Targets<double>(name == "bce-with-logits" ? probabilities : rows));
            INFO(r.table());
            CHECK(r.passed);
        }
    }
    const LayerCheckReport r = check_layer("log_softmax");
    INFO(r.table());
    CHECK(r.passed);
}

TEST_CASE("sum reduction: k micro-batches give the gradients and the loss of one batch") {
    Rng rng(5);
    const Matrix<double> x = test::random_matrix<double>(10, 4, rng);
    const Matrix<double> y = test::random_matrix<double>(10, 2, rng);
    const auto view = DataSetView<double>::with_rows(x, y);
    std::vector<std::vector<double>> gradients;
    std::vector<double> losses;
    for (std::size_t accumulate : {1, 3}) {
        auto model = build_model<double>("linear(4,5),tanh,linear(5,2)", 1);
        LossOptions o;
        o.reduction = Reduction::sum;
        auto loss = make_loss<double>("huber", o);
        SGD<double> sgd(*model, SgdOptions{0.01});
        TrainOptions options;
        options.batch_size = 10;
        options.accumulate = accumulate;
        options.max_steps = 1;
        options.shuffle = false;
        Trainer<double> trainer(*model, *loss, sgd, options);
        trainer.before_update = [&](const StepInfo& s) {
            gradients.emplace_back(model->gradient_data(), model->gradient_data() + model->parameter_count());
            losses.push_back(s.loss);
        };
        trainer.fit(view);
    }
    REQUIRE(gradients.size() == 2);
    for (std::size_t i = 0; i < gradients[0].size(); ++i) CHECK(gradients[1][i] == doctest::Approx(gradients[0][i]).epsilon(1e-12));
    CHECK(losses[1] == doctest::Approx(losses[0]).epsilon(1e-12));
}

TEST_CASE("bad loss options and targets are refused, naming the loss and what is wrong") {
    LossOptions o;
    o.huber_delta = 0;
    check_invalid_argument([&] { make_loss<double>("huber", o); }, {"huber", "delta 0", "> 0"});
    o = {};
    o.smooth_l1_beta = -1;
    check_invalid_argument([&] { make_loss<double>("smooth-l1", o); }, {"smooth-l1", "beta -1"});
    o = {};
    o.huber_delta = 1e39;
    check_invalid_argument([&] { make_loss<float>("huber", o); }, {"huber", "delta"});  // inf in float32
    o = {};
    o.pos_weight = {1, -2};
    check_invalid_argument([&] { make_loss<double>("bce-with-logits", o); }, {"pos_weight[1] -2", ">= 0"});
    o.pos_weight = {2};
    check_invalid_argument([&] { make_loss<double>("mse", o); }, {"pos_weight", "bce-with-logits", "mse"});
    check_invalid_argument([] { reduction_from_string("none"); }, {"reduction 'none'", "mean", "sum"});
    check_invalid_argument([] { make_loss<float>("hinge"); }, {"hinge", "nll", "smooth-l1"});

    const Matrix<double> p = {{0.1, 0.2, 0.3}, {0.4, 0.5, 0.6}};
    const std::vector<std::int64_t> labels{0, 2};
    o = {};
    o.pos_weight = {1, 2};  // 2 values for 3 outputs
    auto bce = make_loss<double>("bce-with-logits", o);
    check_invalid_argument([&] { bce->forward(p, Targets<double>(p)); }, {"2 pos_weight values for 3 outputs"});
    auto huber = make_loss<double>("huber");
    check_invalid_argument([&] { huber->forward(p, Targets<double>(labels)); }, {"huber", "rows", "(2, 3)"});
    const Matrix<double> wrong = {{0.1, 0.2}, {0.3, 0.4}};
    check_invalid_argument([&] { huber->forward(p, Targets<double>(wrong)); }, {"(2, 3)", "(2, 2)"});
    auto nll = make_loss<double>("nll");
    check_invalid_argument([&] { nll->forward(p, Targets<double>(p)); }, {"nll", "class indices"});
    const std::vector<std::int64_t> out_of_range{0, 3};
    check_invalid_argument([&] { nll->forward(p, Targets<double>(out_of_range)); }, {"nll", "3"});
    CHECK_THROWS_AS(make_loss<double>("smooth-l1")->backward(), std::logic_error);
}
