// Trainer: exact gradient accumulation (also with an uneven last
// micro-batch), bit-exact resume, non-finite loss reporting, batching rules.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "tests/test_util.hpp"
#include "vecnn/nn/adam.hpp"
#include "vecnn/nn/clip_grad_norm.hpp"
#include "vecnn/nn/loss.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/nn/sgd.hpp"
#include "vecnn/nn/trainer.hpp"
#include "vecnn/nn/training_checkpoint.hpp"
#include "vecnn/tensor/random.hpp"

using namespace vecnn;

namespace {

const char* kSpec = "linear(5,7),tanh,linear(7,3)";

struct Data {
    Matrix<double> x;
    std::vector<std::int64_t> labels;
    Matrix<double> rows;
};

Data make_data(std::size_t n, std::uint64_t seed) {
    Rng rng(seed);
    Data d;
    d.x = Matrix<double>::from_shape({n, 5});
    for (auto& v : d.x) v = rng.uniform(-1, 1);
    d.rows = Matrix<double>::from_shape({n, 3});
    for (auto& v : d.rows) v = rng.uniform(-1, 1);
    for (std::size_t i = 0; i < n; ++i) d.labels.push_back(static_cast<std::int64_t>(rng.below(3)));
    return d;
}

std::vector<double> params_of(Layer<double>& m) {
    return std::vector<double>(m.parameter_data(), m.parameter_data() + m.parameter_count());
}

double max_rel_diff(const std::vector<double>& a, const std::vector<double>& b) {
    REQUIRE(a.size() == b.size());
    double worst = 0, scale = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        worst = std::max(worst, std::abs(a[i] - b[i]));
        scale = std::max(scale, std::abs(b[i]));
    }
    return worst / std::max(scale, 1e-300);
}

struct RunResult {
    std::vector<double> params;
    std::vector<double> last_gradients;
    std::vector<double> step_losses;
};

// Trains a fresh seeded model and records the parameters, the gradients just
// before the last update, and every step's loss.
RunResult run(const Data& d, bool labels, const std::string& loss_name, TrainOptions options, Engine engine,
              bool adam) {
    auto model = build_model<double>(kSpec, 3);
    model->set_engine(engine);
    auto loss = make_loss<double>(loss_name);
    loss->set_engine(engine);
    std::unique_ptr<Optimizer<double>> opt;
    if (adam) {
        opt = std::make_unique<Adam<double>>(*model, AdamOptions{0.01, 0.9, 0.999, 1e-8, 0.01});
    } else {
        opt = std::make_unique<SGD<double>>(*model, SgdOptions{0.1, 0.9, 0, 0.01, true});
    }
    Trainer<double> trainer(*model, *loss, *opt, options);
    RunResult r;
    trainer.before_update = [&](const StepInfo& s) {
        r.step_losses.push_back(s.loss);
        if (s.last) r.last_gradients.assign(model->gradient_data(), model->gradient_data() + model->parameter_count());
    };
    const auto view = labels ? DataSetView<double>::with_labels(d.x, d.labels) : DataSetView<double>::with_rows(d.x, d.rows);
    trainer.fit(view);
    r.params = params_of(*model);
    return r;
}

}  // namespace

TEST_CASE("k micro-batches give the step of their union, also with an uneven last micro-batch") {
    const Data d = make_data(23, 11);  // batches of 10, 10, 3
    for (Engine engine : {Engine::vectorized, Engine::loop}) {
        for (const char* loss : {"cross-entropy", "mse"}) {
            for (bool adam : {false, true}) {
                CAPTURE(to_string(engine));
                CAPTURE(loss);
                CAPTURE(adam);
                const bool labels = std::string(loss) == "cross-entropy";
                TrainOptions whole;
                whole.batch_size = 10;
                whole.epochs = 2;
                whole.seed = 5;
                TrainOptions split = whole;
                split.accumulate = 3;  // micro-batches of 4, 4, 2 (and 3 for the last step)
                const RunResult a = run(d, labels, loss, whole, engine, adam);
                const RunResult b = run(d, labels, loss, split, engine, adam);
                REQUIRE(a.step_losses.size() == 6);
                REQUIRE(b.step_losses.size() == 6);
                for (std::size_t i = 0; i < a.step_losses.size(); ++i) {
                    CHECK(b.step_losses[i] == doctest::Approx(a.step_losses[i]).epsilon(1e-12));
                }
                CHECK(max_rel_diff(b.last_gradients, a.last_gradients) < 1e-12);
                CHECK(max_rel_diff(b.params, a.params) < 1e-12);
                // and the run really moved the parameters
                const auto initial = params_of(*build_model<double>(kSpec, 3));
                CHECK(max_rel_diff(a.params, initial) > 1e-3);
            }
        }
    }
}

TEST_CASE("accumulate must lie between 1 and the batch size") {
    auto model = build_model<double>(kSpec, 3);
    CrossEntropy<double> loss;
    SGD<double> sgd(*model, SgdOptions{0.1});
    TrainOptions o;
    o.batch_size = 4;
    o.accumulate = 5;
    CHECK_THROWS_AS(Trainer<double>(*model, loss, sgd, o), std::invalid_argument);
    o.accumulate = 0;
    CHECK_THROWS_AS(Trainer<double>(*model, loss, sgd, o), std::invalid_argument);
}

TEST_CASE("last partial batch is kept by default and dropped on request") {
    const Data d = make_data(23, 1);
    TrainOptions o;
    o.batch_size = 10;
    o.epochs = 1;
    std::vector<std::size_t> rows;
    auto model = build_model<double>(kSpec, 3);
    CrossEntropy<double> loss;
    SGD<double> sgd(*model, SgdOptions{0.1});
    {
        Trainer<double> t(*model, loss, sgd, o);
        t.on_step = [&](const StepInfo& s) { rows.push_back(s.rows); };
        t.fit(DataSetView<double>::with_labels(d.x, d.labels));
        CHECK(rows == std::vector<std::size_t>{10, 10, 3});
    }
    rows.clear();
    o.drop_last = true;
    Trainer<double> t(*model, loss, sgd, o);
    t.on_step = [&](const StepInfo& s) { rows.push_back(s.rows); };
    t.fit(DataSetView<double>::with_labels(d.x, d.labels));
    CHECK(rows == std::vector<std::size_t>{10, 10});
}

TEST_CASE("shuffling is seeded, differs between epochs, and in-order training is deterministic") {
    const Data d = make_data(40, 2);
    TrainOptions o;
    o.batch_size = 8;
    o.epochs = 2;
    o.seed = 9;
    const RunResult a = run(d, true, "cross-entropy", o, Engine::vectorized, false);
    const RunResult b = run(d, true, "cross-entropy", o, Engine::vectorized, false);
    CHECK(a.params == b.params);  // same seed: bit-identical
    o.seed = 10;
    const RunResult c = run(d, true, "cross-entropy", o, Engine::vectorized, false);
    CHECK(c.params != a.params);
    o.shuffle = false;
    const RunResult e = run(d, true, "cross-entropy", o, Engine::vectorized, false);
    o.seed = 11;
    const RunResult f = run(d, true, "cross-entropy", o, Engine::vectorized, false);
    CHECK(e.params == f.params);  // no shuffle: the seed only matters for init, fixed here
}

namespace {
// Trains `first` (epochs or steps) in one trainer, checkpoints to a file,
// restores into a fresh model/optimizer/trainer and trains on to `total`.
std::vector<double> resumed_run(const Data& d, TrainOptions options, std::size_t first, bool adam, bool by_steps) {
    const auto path = (std::filesystem::temp_directory_path() / "vecnn_test_resume.npz").string();
    const auto view = DataSetView<double>::with_labels(d.x, d.labels);
    const std::string config = "test";
    auto make_opt = [&](Layer<double>& m) -> std::unique_ptr<Optimizer<double>> {
        if (adam) return std::make_unique<Adam<double>>(m, AdamOptions{0.01});
        return std::make_unique<SGD<double>>(m, SgdOptions{0.1, 0.9});
    };
    TrainOptions part = options;
    (by_steps ? part.max_steps : part.epochs) = first;
    {
        auto model = build_model<double>(kSpec, 3);
        CrossEntropy<double> loss;
        auto opt = make_opt(*model);
        Trainer<double> t(*model, loss, *opt, part);
        t.fit(view);
        save_training_checkpoint(path, *model, *opt, t.state(), config);
    }
    auto model = build_model<double>(kSpec, 99);  // different init: the checkpoint must overwrite it
    CrossEntropy<double> loss;
    auto opt = make_opt(*model);
    Trainer<double> t(*model, loss, *opt, options);
    t.restore(load_training_checkpoint(path, *model, *opt, config));
    t.fit(view);
    std::filesystem::remove(path);
    return params_of(*model);
}
}  // namespace

TEST_CASE("2 epochs in one run equal 1 epoch, checkpoint, restore, 1 more epoch: bit for bit") {
    const Data d = make_data(37, 4);
    for (bool adam : {false, true}) {
        CAPTURE(adam);
        TrainOptions o;
        o.batch_size = 8;
        o.epochs = 2;
        o.seed = 21;
        auto model = build_model<double>(kSpec, 3);
        CrossEntropy<double> loss;
        std::unique_ptr<Optimizer<double>> opt;
        if (adam) {
            opt = std::make_unique<Adam<double>>(*model, AdamOptions{0.01});
        } else {
            opt = std::make_unique<SGD<double>>(*model, SgdOptions{0.1, 0.9});
        }
        Trainer<double> t(*model, loss, *opt, o);
        t.fit(DataSetView<double>::with_labels(d.x, d.labels));
        const auto straight = params_of(*model);
        const auto resumed = resumed_run(d, o, 1, adam, false);
        REQUIRE(straight.size() == resumed.size());
        CHECK(std::memcmp(straight.data(), resumed.data(), straight.size() * sizeof(double)) == 0);

        // Stopping in the middle of an epoch (by steps) resumes exactly too.
        TrainOptions s = o;
        s.max_steps = 7;  // 5 steps per epoch: stop inside epoch 2 at step 3, then go on to 7
        auto model2 = build_model<double>(kSpec, 3);
        std::unique_ptr<Optimizer<double>> opt2;
        if (adam) {
            opt2 = std::make_unique<Adam<double>>(*model2, AdamOptions{0.01});
        } else {
            opt2 = std::make_unique<SGD<double>>(*model2, SgdOptions{0.1, 0.9});
        }
        Trainer<double> t2(*model2, loss, *opt2, s);
        t2.fit(DataSetView<double>::with_labels(d.x, d.labels));
        const auto straight_steps = params_of(*model2);
        const auto resumed_steps = resumed_run(d, s, 3, adam, true);
        CHECK(std::memcmp(straight_steps.data(), resumed_steps.data(), straight_steps.size() * sizeof(double)) == 0);
    }
}

TEST_CASE("a checkpoint from another run is refused, naming the file") {
    const auto path = (std::filesystem::temp_directory_path() / "vecnn_test_resume_cfg.npz").string();
    auto model = build_model<double>(kSpec, 3);
    SGD<double> sgd(*model, SgdOptions{0.1, 0.9});
    save_training_checkpoint(path, *model, sgd, TrainerState{}, "run A");
    try {
        load_training_checkpoint(path, *model, sgd, "run B");
        FAIL("expected an error");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find(path) != std::string::npos);
        CHECK(std::string(e.what()).find("run A") != std::string::npos);
    }
    std::filesystem::remove(path);
}

TEST_CASE("a non-finite loss stops training naming epoch and step, before the update") {
    Data d = make_data(20, 6);
    d.x(16, 2) = std::numeric_limits<double>::quiet_NaN();  // batch 5, in order: step 4 of epoch 1
    auto model = build_model<double>(kSpec, 3);
    CrossEntropy<double> loss;
    SGD<double> sgd(*model, SgdOptions{0.1});
    TrainOptions o;
    o.batch_size = 5;
    o.shuffle = false;
    Trainer<double> t(*model, loss, sgd, o);
    std::vector<double> after_last_good;
    t.on_step = [&](const StepInfo&) { after_last_good = params_of(*model); };
    try {
        t.fit(DataSetView<double>::with_labels(d.x, d.labels));
        FAIL("expected an error");
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        CHECK(what.find("epoch 1, step 4") != std::string::npos);
        CHECK(what.find("nan") != std::string::npos);
    }
    CHECK(t.step() == 3);
    CHECK(params_of(*model) == after_last_good);
}

TEST_CASE("evaluate reports loss and accuracy over the whole set") {
    const Data d = make_data(30, 8);
    auto model = build_model<double>(kSpec, 3);
    CrossEntropy<double> ce;
    SGD<double> sgd(*model, SgdOptions{0.1});
    Trainer<double> t(*model, ce, sgd, TrainOptions{});
    const Evaluation e = t.evaluate(DataSetView<double>::with_labels(d.x, d.labels));
    // recompute by hand on the whole set
    const Matrix<double>& out = model->forward(d.x);
    std::size_t correct = 0;
    for (std::size_t i = 0; i < 30; ++i) correct += argmax_row<double>(out, i) == static_cast<std::size_t>(d.labels[i]);
    CHECK(e.accuracy == doctest::Approx(correct / 30.0));
    CHECK(e.loss == doctest::Approx(ce.forward(out, Targets<double>(d.labels))));
    MSE<double> mse;
    Trainer<double> t2(*model, mse, sgd, TrainOptions{});
    Matrix<double> y1 = Matrix<double>::from_shape({30, 3});
    y1.fill(0.5);
    const auto reg = t2.evaluate(DataSetView<double>::with_rows(d.x, y1));
    CHECK_FALSE(std::isnan(reg.loss));
    CHECK(!std::isnan(reg.accuracy));  // 3-column targets: argmax accuracy is defined
}

TEST_CASE("clip_grad_norm: the global 2-norm over every parameter, scaled as torch.nn.utils.clip_grad_norm_") {
    auto model = build_model<double>("linear(2,1)", 1);  // weight (1, 2) and bias (1)
    auto set = [&](double w0, double w1, double b) {
        model->zero_grad();
        double* g = model->gradient_data();
        g[0] = w0;
        g[1] = w1;
        g[2] = b;
    };
    set(0, 3, 4);  // norms: weight 3, bias 4; total 5
    CHECK(clip_grad_norm(*model, 1.0) == doctest::Approx(5.0));
    const double factor = 1.0 / (5.0 + 1e-6);
    CHECK(model->gradient_data()[1] == doctest::Approx(3 * factor).epsilon(1e-15));
    CHECK(model->gradient_data()[2] == doctest::Approx(4 * factor).epsilon(1e-15));
    set(0, 0.3, 0.4);  // below the limit: untouched
    CHECK(clip_grad_norm(*model, 1.0) == doctest::Approx(0.5));
    CHECK(model->gradient_data()[1] == 0.3);
    test::check_invalid_argument([&] { clip_grad_norm(*model, 0.0); }, {"max_norm 0"});
    test::check_invalid_argument([&] { clip_grad_norm(*model, std::nan("")); }, {"max_norm"});

    // In the trainer: every step reports the norm, and the gradient the optimizer sees is within the limit.
    Rng rng(3);
    const Matrix<double> x = test::random_matrix<double>(12, 2, rng, -10, 10);
    const std::vector<std::int64_t> labels{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    auto net = build_model<double>("linear(2,2)", 2);
    CrossEntropy<double> loss;
    SGD<double> sgd(*net, SgdOptions{0.1});
    TrainOptions options;
    options.batch_size = 4;
    options.clip_grad_norm = 0.05;
    Trainer<double> trainer(*net, loss, sgd, options);
    std::size_t steps = 0;
    trainer.before_update = [&](const StepInfo& s) {
        CHECK(std::isfinite(s.grad_norm));
        double squares = 0;
        for (std::size_t i = 0; i < net->parameter_count(); ++i) squares += net->gradient_data()[i] * net->gradient_data()[i];
        CHECK(std::sqrt(squares) <= 0.05 + 1e-12);
        ++steps;
    };
    trainer.fit(DataSetView<double>::with_labels(x, labels));
    CHECK(steps == 3);
    options.clip_grad_norm = -1;
    test::check_invalid_argument([&] { Trainer<double>(*net, loss, sgd, options); }, {"clip_grad_norm -1"});
}

TEST_CASE("early stopping: stops after `patience` epochs without improvement, keeps the best epoch, resumes exactly") {
    Rng rng(8);
    const Matrix<double> x = test::random_matrix<double>(40, 2, rng);
    std::vector<std::int64_t> train_labels(40), val_labels(40);
    for (std::size_t i = 0; i < 40; ++i) {
        train_labels[i] = x(i, 0) > 0 ? 1 : 0;
        val_labels[i] = 1 - train_labels[i];  // the better the fit, the worse the validation loss
    }
    const auto train = DataSetView<double>::with_labels(x, train_labels);
    const auto val = DataSetView<double>::with_labels(x, val_labels);
    struct Run {
        std::vector<double> parameters;
        std::size_t epochs = 0, best_epoch = 0;
        bool stopped = false;
    };
    auto run = [&](std::size_t epochs, std::size_t patience, const TrainerState* from, TrainerState* to) {
        auto model = build_model<double>("linear(2,4),tanh,linear(4,2)", 5);
        CrossEntropy<double> loss;
        SGD<double> sgd(*model, SgdOptions{0.5, 0.9});
        TrainOptions options;
        options.batch_size = 8;
        options.epochs = epochs;
        options.seed = 3;
        options.patience = patience;
        Trainer<double> trainer(*model, loss, sgd, options);
        if (from) trainer.restore(*from);
        Run r;
        trainer.on_epoch = [&](const EpochInfo& e) {
            r.epochs = e.epoch;
            r.best_epoch = e.best_epoch;
            r.stopped = r.stopped || e.stopped_early;
        };
        trainer.fit(train, &val);
        if (to) *to = trainer.state();
        r.parameters.assign(model->parameter_data(), model->parameter_data() + model->parameter_count());
        return r;
    };
    const Run stopped = run(50, 2, nullptr, nullptr);
    CHECK(stopped.stopped);
    CHECK(stopped.epochs < 50);
    CHECK(stopped.epochs == stopped.best_epoch + 2);
    // The parameters kept are those a run of exactly best_epoch epochs ends with.
    const Run best = run(stopped.best_epoch, 0, nullptr, nullptr);
    CHECK(stopped.parameters == best.parameters);
    // Resumed after 2 epochs: stops at the same epoch with the same parameters.
    TrainerState middle;
    run(2, 2, nullptr, &middle);
    const Run resumed = run(50, 2, &middle, nullptr);
    CHECK(resumed.epochs == stopped.epochs);
    CHECK(resumed.parameters == stopped.parameters);

    auto model = build_model<double>("linear(2,2)", 1);
    CrossEntropy<double> loss;
    SGD<double> sgd(*model, SgdOptions{0.1});
    TrainOptions options;
    options.patience = 2;
    Trainer<double> trainer(*model, loss, sgd, options);
    test::check_invalid_argument([&] { trainer.fit(train); }, {"early stopping", "validation set"});
    options.monitor = "loss";
    test::check_invalid_argument([&] { Trainer<double>(*model, loss, sgd, options); }, {"monitor 'loss'"});
}
