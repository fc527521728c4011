// Dropout:
//  * training mode zeroes a fraction p and scales the rest by 1 / (1 - p),
//    exactly as torch.nn.Dropout on the elements it keeps (fixture);
//    evaluation mode, p = 0 and p = 1 as PyTorch;
//  * both engines apply the same mask; micro-batches draw what the whole
//    batch draws; each dropout layer of a model draws its own mask;
//  * check_layer with the mask held fixed (float64 finite differences, loop
//    against vectorized);
//  * under a Trainer: evaluate() runs without dropout, accumulation is exact,
//    a resumed run continues as the straight run, and the masks change the result;
//  * bad p refused.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tests/test_util.hpp"
#include "tests/torch_fixture.hpp"
#include "vecnn/nn/dropout.hpp"
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

template <class T>
Matrix<T> forward_on(Engine engine, Layer<T>& layer, const Matrix<T>& x) {
    layer.set_engine(engine);
    return layer.forward(x);
}

// Parameters after `epochs` of SGD with dropout on a fixed problem.
struct Run {
    std::unique_ptr<Sequential<float>> model;
    std::unique_ptr<SGD<float>> sgd;
    CrossEntropy<float> loss;
    Matrix<float> x;
    std::vector<std::int64_t> labels;
    explicit Run(const char* spec) : model(build_model<float>(spec, 3)) {
        Rng rng(4);
        x = test::random_matrix<float>(40, 6, rng);
        labels = test::random_labels(40, 3, rng);
        sgd = std::make_unique<SGD<float>>(*model, SgdOptions{0.1, 0.9});
    }
    TrainOptions options(std::size_t epochs, std::size_t accumulate) const {
        TrainOptions o;
        o.batch_size = 8;
        o.accumulate = accumulate;
        o.epochs = epochs;
        o.seed = 9;
        return o;
    }
    std::vector<float> parameters() const {
        return {model->parameter_data(), model->parameter_data() + model->parameter_count()};
    }
};

const char* const kDropoutModel = "linear(6,16),relu,dropout(0.4),linear(16,16),tanh,dropout(0.25),linear(16,3)";

}  // namespace

TEST_CASE_TEMPLATE("Dropout scales the kept elements as torch.nn.Dropout does, forward and backward", T, float,
                   double) {
    const test::Fixture f = test::load_fixture("torch_layers", std::string("dropout.") + suffix<T>() + ".txt");
    const std::size_t rows = 6, cols = 12;
    const Matrix<T> x = matrix_of(f.values<T>("x"), rows, cols), y = matrix_of(f.values<T>("y"), rows, cols);
    const Matrix<T> dy = matrix_of(f.values<T>("dy"), rows, cols), dx = matrix_of(f.values<T>("dx"), rows, cols);
    Dropout<T> dropout(0.3);
    const T scale = T(1) / static_cast<T>(1 - 0.3);
    std::size_t kept = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (y.data()[i] == T(0)) continue;  // torch dropped it (x is never 0 here)
        ++kept;
        CHECK(x.data()[i] * scale == y.data()[i]);    // bit for bit
        CHECK(dy.data()[i] * scale == dx.data()[i]);
    }
    CHECK(kept > 20);
    // vecnn's own mask, on both engines: every element 0 or x * scale, the same gradient rule.
    for (Engine engine : {Engine::loop, Engine::vectorized}) {
        const Matrix<T> out = forward_on(engine, dropout, x);
        const Matrix<T> grad = dropout.backward(dy);
        for (std::size_t i = 0; i < x.size(); ++i) {
            const bool dropped = out.data()[i] == T(0);
            CHECK((dropped || out.data()[i] == x.data()[i] * scale));
            CHECK(grad.data()[i] == (dropped ? T(0) : dy.data()[i] * scale));
        }
    }
}

TEST_CASE_TEMPLATE("Dropout drops a fraction p; evaluation mode, p = 0 and p = 1 as PyTorch", T, float, double) {
    Rng rng(1);
    const Matrix<T> x = test::random_matrix<T>(400, 250, rng, 0.5, 1.5);  // never 0
    for (double p : {0.1, 0.5, 0.9}) {
        CAPTURE(p);
        Dropout<T> dropout(p);
        const Matrix<T> y = dropout.forward(x);
        std::size_t dropped = 0;
        for (T v : y) dropped += v == T(0) ? 1 : 0;
        const double n = static_cast<double>(x.size()), sigma = std::sqrt(n * p * (1 - p));
        CHECK(std::abs(static_cast<double>(dropped) - n * p) < 5 * sigma);
        dropout.set_training(false);
        VECNN_CHECK_CLOSE(dropout.forward(x), x, 0.0);
        VECNN_CHECK_CLOSE(dropout.backward(x), x, 0.0);
    }
    Dropout<T> none(0.0), all(1.0);
    VECNN_CHECK_CLOSE(none.forward(x), x, 0.0);
    VECNN_CHECK_CLOSE(all.forward(x), test::filled<T>(400, 250, T(0)), 0.0);
    VECNN_CHECK_CLOSE(all.backward(x), test::filled<T>(400, 250, T(0)), 0.0);
}

TEST_CASE("Dropout: both engines apply the same mask; micro-batches draw what the whole batch draws") {
    Rng rng(2);
    const Matrix<double> x = test::random_matrix<double>(10, 33, rng, 0.5, 1.5);
    Dropout<double> loop(0.5, 0, 7), vectorized(0.5, 0, 7);
    const Matrix<double> a = forward_on(Engine::loop, loop, x), b = forward_on(Engine::vectorized, vectorized, x);
    VECNN_CHECK_CLOSE(a, b, 0.0);
    CHECK(forward_on(Engine::loop, loop, x) != a);  // the next forward draws a new mask

    NoiseKey key{5, 11, 0};
    Dropout<double> whole(0.5), parts(0.5);
    whole.set_noise_key(&key);
    parts.set_noise_key(&key);
    const Matrix<double> all = whole.forward(x);
    key.first_row = 0;
    const Matrix<double> top = parts.forward(ConstView<double>(x.data(), 4, 33));
    key.first_row = 4;
    const Matrix<double> bottom = parts.forward(ConstView<double>(x.data() + 4 * 33, 6, 33));
    VECNN_CHECK_CLOSE(ConstView<double>(all.data(), 4, 33), top, 0.0);
    VECNN_CHECK_CLOSE(ConstView<double>(all.data() + 4 * 33, 6, 33), bottom, 0.0);
    key.step = 12;  // another step, another mask
    CHECK(whole.forward(x) != all);
    // Two dropout layers of one model draw different masks from one key.
    auto model = build_model<double>("dropout(0.5),dropout(0.5)");
    model->set_noise_key(&key);
    const Matrix<double> ones = test::filled<double>(10, 33, 1.0);
    model->forward(ones);
    CHECK(dynamic_cast<Dropout<double>&>(model->layer(0)).mask() !=
          dynamic_cast<Dropout<double>&>(model->layer(1)).mask());
}

TEST_CASE("Dropout passes check_layer with the mask held fixed, alone and in a model") {
    for (double p : {0.0, 0.3, 0.7}) {
        CAPTURE(p);
        Dropout<double> dropout(p);
        dropout.set_mask_frozen(true);
        const LayerCheckReport r = check_layer(dropout);
        INFO(r.table());
        CHECK(r.passed);
    }
    auto model = build_model<double>("linear(5,9),dropout(0.5),tanh,linear(9,3)", 1);
    dynamic_cast<Dropout<double>&>(model->layer(1)).set_mask_frozen(true);
    const LayerCheckReport r = check_layer(*model);
    INFO(r.table());
    CHECK(r.passed);
}

TEST_CASE("Dropout under a Trainer: evaluation without it, accumulation exact, resume continues, masks matter") {
    SUBCASE("evaluate() runs in evaluation mode and leaves training mode on") {
        Run run(kDropoutModel);
        Trainer<float> trainer(*run.model, run.loss, *run.sgd, run.options(1, 1));
        const auto view = DataSetView<float>::with_labels(run.x, run.labels);
        const Evaluation a = trainer.evaluate(view), b = trainer.evaluate(view);
        CHECK(a.loss == b.loss);  // no mask drawn
        CHECK(run.model->training());
        run.model->set_training(false);
        CrossEntropy<float> loss;
        CHECK(static_cast<double>(loss.forward(run.model->forward(run.x), Targets<float>(run.labels))) ==
              doctest::Approx(a.loss).epsilon(1e-6));
    }
    SUBCASE("2 micro-batches give the parameters of 1, and a resumed run those of the straight run") {
        Run whole(kDropoutModel), micro(kDropoutModel), first(kDropoutModel);
        const auto view = [](Run& r) { return DataSetView<float>::with_labels(r.x, r.labels); };
        Trainer<float>(*whole.model, whole.loss, *whole.sgd, whole.options(3, 1)).fit(view(whole));
        Trainer<float>(*micro.model, micro.loss, *micro.sgd, micro.options(3, 2)).fit(view(micro));
        const std::vector<float> a = whole.parameters(), b = micro.parameters();
        for (std::size_t i = 0; i < a.size(); ++i) CHECK(b[i] == doctest::Approx(a[i]).epsilon(1e-5));
        TrainerState state;
        {
            Trainer<float> t(*first.model, first.loss, *first.sgd, first.options(1, 1));
            t.fit(view(first));
            state = t.state();
        }
        Trainer<float> resumed(*first.model, first.loss, *first.sgd, first.options(3, 1));
        resumed.restore(state);
        resumed.fit(view(first));
        CHECK(first.parameters() == a);  // bit for bit
        Run plain("linear(6,16),relu,dropout(0),linear(16,16),tanh,dropout(0),linear(16,3)");
        Trainer<float>(*plain.model, plain.loss, *plain.sgd, plain.options(3, 1)).fit(view(plain));
        CHECK(plain.parameters() != a);  // the masks did something
    }
}

TEST_CASE("bad dropout specs are refused naming the rule") {
    check_invalid_argument([] { build_model<float>("linear(4,4),dropout(1.5)"); }, {"layer 1", "p must be a probability"});
    check_invalid_argument([] { build_model<float>("dropout(-0.1)"); }, {"p must be a probability"});
    check_invalid_argument([] { build_model<float>("dropout(0.1,0.2)"); }, {"takes 0 to 1 argument, got 2"});
    check_invalid_argument([] { build_model<float>("dropout(q=0.1)"); }, {"unknown argument 'q'"});
    CHECK(build_model<float>("dropout(p=0.2),dropout")->describe() == "dropout(0.2),dropout(0.5)");
}
