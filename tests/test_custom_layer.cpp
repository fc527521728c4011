// Layers of a user's own, through the extension point a user gets
// (TwinLayer, SingleImplementationLayer, register_layer, check_layer):
//  * a layer with a learnable parameter and both engines passes check_layer,
//    trains in a Sequential next to built-in layers, saves and loads;
//  * deliberately broken layers fail check_layer, each for its own reason
//    (a wrong vectorized backward, a backward that overwrites instead of
//    adding, a wrong backward on both engines), and a model check names the
//    broken layer by position and token;
//  * the registry refuses what it should (duplicates, bad names, unused arguments);
//  * the model and the loss cannot silently run different engines.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "tests/cli_runner.hpp"
#include "vecnn/vecnn.hpp"

using namespace vecnn;
using vecnn::test::check_invalid_argument;

namespace {

// y = x * w per feature, w learnable (n,), initialised to 1 + small noise from the model's Rng.
// The flaws let one class play the broken layers of the tests.
enum class Flaw { none, vectorized_backward, overwrites_gradient };

template <class T>
class Scale final : public TwinLayer<T> {
public:
    Scale(std::size_t n, Rng& rng, Flaw flaw = Flaw::none) : n_(n), flaw_(flaw) {
        this->declare_parameter("weight", {n});
        this->allocate_parameters();
        View<T> w = this->parameter(0);
        for (std::size_t i = 0; i < n; ++i) w.data[i] = static_cast<T>(1 + rng.uniform(-0.5, 0.5));
    }
    std::string describe() const override {
        return (flaw_ == Flaw::none ? "scale(" : "brokenscale(") + std::to_string(n_) + ")";
    }
    std::size_t input_features() const override { return n_; }

protected:
    void forward_loop(ConstView<T> x, View<T> y) override {
        const T* w = this->parameter_data();
        for (std::size_t r = 0; r < x.rows(); ++r)
            for (std::size_t c = 0; c < n_; ++c) y(r, c) = x(r, c) * w[c];
    }
    void backward_loop(ConstView<T> x, ConstView<T>, ConstView<T> dy, View<T> dx) override {
        const T* w = this->parameter_data();
        T* dw = this->gradient_data();
        for (std::size_t r = 0; r < x.rows(); ++r)
            for (std::size_t c = 0; c < n_; ++c) dx(r, c) = dy(r, c) * w[c];
        for (std::size_t c = 0; c < n_; ++c) {
            T sum = 0;
            for (std::size_t r = 0; r < x.rows(); ++r) sum += dy(r, c) * x(r, c);
            dw[c] = flaw_ == Flaw::overwrites_gradient ? sum : dw[c] + sum;
        }
    }
    void forward_vectorized(ConstView<T> x, View<T> y) override {
        const auto w = adapt(ConstView<T>(this->parameter_data(), 1, n_));
        xt::noalias(adapt(y)) = adapt(x) * w;  // broadcast over rows
    }
    void backward_vectorized(ConstView<T> x, ConstView<T>, ConstView<T> dy, View<T> dx) override {
        const auto w = adapt(ConstView<T>(this->parameter_data(), 1, n_));
        auto dw = adapt(View<T>(this->gradient_data(), 1, n_));
        // The flaw: the input gradient forgets the weight.
        if (flaw_ == Flaw::vectorized_backward) {
            xt::noalias(adapt(dx)) = adapt(dy);
        } else {
            xt::noalias(adapt(dx)) = adapt(dy) * w;
        }
        const auto column_sums = xt::eval(xt::sum(adapt(dy) * adapt(x), {0}));
        for (std::size_t c = 0; c < n_; ++c) {
            dw(0, c) = flaw_ == Flaw::overwrites_gradient ? column_sums(c) : dw(0, c) + column_sums(c);
        }
    }

private:
    std::size_t n_;
    Flaw flaw_;
};

// y = x^2, one implementation for both engines; `broken` forgets the factor 2.
template <class T>
class Square final : public SingleImplementationLayer<T> {
public:
    explicit Square(bool broken = false) : broken_(broken) {}
    std::string describe() const override { return broken_ ? "brokensquare" : "square"; }

protected:
    void forward_both_engines(ConstView<T> x, View<T> y) override {
        for (std::size_t i = 0; i < x.size(); ++i) y.data[i] = x.data[i] * x.data[i];
    }
    void backward_both_engines(ConstView<T> x, ConstView<T>, ConstView<T> dy, View<T> dx) override {
        const T factor = broken_ ? T(1) : T(2);
        for (std::size_t i = 0; i < x.size(); ++i) dx.data[i] = factor * x.data[i] * dy.data[i];
    }

private:
    bool broken_;
};

// Registers the test layers once per test program.
void register_test_layers() {
    static const bool done = [] {
        auto scale = [](Flaw flaw) {
            return [flaw](const LayerSpec& spec, auto scalar) {
                return std::make_unique<Scale<decltype(scalar)>>(spec.size(0, "n"), spec.rng(), flaw);
            };
        };
        register_layer("scale", "scale(n)", scale(Flaw::none));
        register_layer("brokenscale", "brokenscale(n)", scale(Flaw::vectorized_backward));
        register_layer("leakyscale", "leakyscale(n)", scale(Flaw::overwrites_gradient));
        register_layer("square", "square",
                       [](const LayerSpec&, auto scalar) { return std::make_unique<Square<decltype(scalar)>>(); });
        register_layer("brokensquare", "brokensquare",
                       [](const LayerSpec&, auto scalar) { return std::make_unique<Square<decltype(scalar)>>(true); });
        return true;
    }();
    (void)done;
}

bool has_failed_check(const LayerCheckReport& r, const std::string& what_fragment) {
    for (const auto& c : r.checks) {
        if (!c.passed && c.what.find(what_fragment) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("check_layer passes a correct layer of one's own, with a parameter, on both engines") {
    register_test_layers();
    const LayerCheckReport r = check_layer("scale(7)");
    INFO(r.table());
    CHECK(r.passed);
    CHECK(r.layer == "scale(7)");
    // every kind of check ran: gradcheck on each engine, engines compared in both types, accumulation on each engine
    for (const char* what : {"gradcheck float64, loop engine", "gradcheck float64, vectorized engine",
                             "loop = vectorized, float64", "loop = vectorized, float32", "backward adds, loop engine",
                             "backward adds, vectorized engine"}) {
        CAPTURE(what);
        CHECK(std::any_of(r.checks.begin(), r.checks.end(),
                          [&](const auto& c) { return c.passed && c.what.find(what) != std::string::npos; }));
    }
    CHECK(r.summary().find("PASSED") != std::string::npos);
}

TEST_CASE("check_layer passes every built-in layer") {
    for (const char* spec : {"linear(5,3)", "relu", "sigmoid", "tanh", "softmax", "linear(4,6),tanh,linear(6,2)"}) {
        CAPTURE(spec);
        const LayerCheckReport r = check_layer(spec);
        INFO(r.table());
        CHECK(r.passed);
    }
}

TEST_CASE("a single implementation serves both engines, and check_layer says so instead of comparing") {
    register_test_layers();
    const LayerCheckReport r = check_layer("square");
    INFO(r.table());
    CHECK(r.passed);
    CHECK(r.table().find("one implementation serves both engines") != std::string::npos);
    CHECK(std::none_of(r.checks.begin(), r.checks.end(),
                       [](const auto& c) { return c.what.find("loop = vectorized, float") != std::string::npos; }));
}

TEST_CASE("check_layer fails a deliberately broken backward, for the right reason") {
    register_test_layers();
    SUBCASE("a wrong vectorized backward: the vectorized gradcheck and the engine comparison fail, the loop one passes") {
        const LayerCheckReport r = check_layer("brokenscale(7)");
        INFO(r.table());
        CHECK_FALSE(r.passed);
        CHECK(has_failed_check(r, "gradcheck float64, vectorized engine"));
        CHECK_FALSE(has_failed_check(r, "gradcheck float64, loop engine"));
        CHECK(has_failed_check(r, "loop = vectorized"));
        CHECK(r.summary().find("FAILED") != std::string::npos);
        CHECK(r.table().find("input gradient") != std::string::npos);
    }
    SUBCASE("a backward that overwrites the parameter gradient instead of adding: the accumulation check fails") {
        const LayerCheckReport r = check_layer("leakyscale(7)");
        INFO(r.table());
        CHECK_FALSE(r.passed);
        CHECK(has_failed_check(r, "backward adds"));
        CHECK_FALSE(has_failed_check(r, "gradcheck"));  // a single backward from zero cannot tell
    }
    SUBCASE("a wrong backward on both engines: both gradchecks fail (the engines agree on the wrong answer)") {
        const LayerCheckReport r = check_layer("brokensquare");
        INFO(r.table());
        CHECK_FALSE(r.passed);
        CHECK(has_failed_check(r, "gradcheck float64, loop engine"));
        CHECK(has_failed_check(r, "gradcheck float64, vectorized engine"));
    }
    SUBCASE("a layer object built by hand") {
        Rng rng(3);
        Scale<double> broken(5, rng, Flaw::vectorized_backward);
        broken.set_engine(Engine::loop);
        const LayerCheckReport r = check_layer(broken);
        CHECK_FALSE(r.passed);
        CHECK(broken.engine() == Engine::loop);  // restored
    }
}

TEST_CASE("a failing model check names the broken layer by position and token") {
    register_test_layers();
    auto model = build_model<double>("linear(3,4),brokensquare,linear(4,2)", 1);
    CrossEntropy<double> loss;
    Rng rng(5);
    const Matrix<double> x = vecnn::test::random_matrix<double>(3, 3, rng);
    const std::vector<std::int64_t> labels{0, 1, 1};
    for (Engine e : {Engine::vectorized, Engine::loop}) {
        model->set_engine(e);
        loss.set_engine(e);
        const GradCheckReport r = check_gradients(*model, loss, x, Targets<double>(labels));
        INFO(r.table());
        CHECK_FALSE(r.passed);
        CHECK(r.failing_layer == "layer 1 'brokensquare'");
        CHECK(r.summary().find("layer 1 'brokensquare'") != std::string::npos);
        CHECK(r.summary().find("input[") != std::string::npos);  // the tensor and element of the layer's own check
    }
    // A correct model names nothing.
    auto good = build_model<double>("linear(3,4),square,linear(4,2)", 1);
    loss.set_engine(Engine::vectorized);
    const GradCheckReport ok = check_gradients(*good, loss, x, Targets<double>(labels));
    CHECK(ok.passed);
    CHECK(ok.failing_layer.empty());
}

TEST_CASE("a layer of one's own trains next to built-in layers, saves and loads under its position") {
    register_test_layers();
    const auto data = make_spirals<float>(100, 1.0, 0.02, 3);
    const auto view = DataSetView<float>::with_labels(data.x, data.labels);
    auto model = build_model<float>("linear(2,32),scale(32),tanh,linear(32,2)", 1);
    CHECK(model->describe() == "linear(2,32),scale(32),tanh,linear(32,2)");
    CHECK(model->layer(1).parameters()[0].name == "weight");
    CHECK(model->parameters()[2].name == "1.weight");  // state_dict key of the layer at position 1
    CrossEntropy<float> loss;
    Adam<float> adam(*model, AdamOptions{0.01});
    TrainOptions options;
    options.batch_size = 20;
    options.epochs = 60;
    Trainer<float> trainer(*model, loss, adam, options);
    const double before = trainer.evaluate(view).loss;
    const std::vector<float> scale_before(model->layer(1).parameter_data(), model->layer(1).parameter_data() + 32);
    trainer.fit(view);
    const Evaluation after = trainer.evaluate(view);
    CHECK(after.loss < 0.5 * before);
    CHECK(after.accuracy > 0.9);
    // The custom parameter learned too.
    CHECK(std::vector<float>(model->layer(1).parameter_data(), model->layer(1).parameter_data() + 32) != scale_before);

    vecnn::test::TempDir dir("custom_layer");
    save_parameters(*model, dir / "m.npz");
    const NamedArrays saved = load_arrays(dir / "m.npz");
    CHECK(find_array(saved, "1.weight") != nullptr);
    auto loaded = build_model<float>(model->describe(), 99);  // other init, then the file's values
    load_parameters(*loaded, dir / "m.npz");
    CHECK(loaded->forward(data.x) == model->forward(data.x));
}

TEST_CASE("the registry: built-ins first, user layers after, refusals with reasons") {
    register_test_layers();
    const auto usages = registered_layer_usages();
    REQUIRE(usages.size() >= 5);
    CHECK(std::vector<std::string>(usages.begin(), usages.begin() + 5) ==
          std::vector<std::string>{"linear(in,out)", "relu", "sigmoid", "tanh", "softmax"});
    CHECK(std::find(usages.begin(), usages.end(), "scale(n)") != usages.end());
    auto make = [](const LayerSpec&, auto scalar) { return std::make_unique<Square<decltype(scalar)>>(); };
    check_invalid_argument([&] { register_layer("relu", "relu", make); }, {"'relu'", "already registered"});
    check_invalid_argument([&] { register_layer("Bad-Name", "", make); }, {"'Bad-Name'", "not a layer name"});
    check_invalid_argument([] { build_model<float>("linear(2,3),nosuchlayer"); },
                           {"layer 1", "'nosuchlayer'", "unknown layer", "scale(n)"});
    check_invalid_argument([] { build_model<float>("scale(0)"); }, {"layer 0", "'scale(0)'", "expected scale(n)"});
    check_invalid_argument([] { build_model<float>("scale(4,2)"); }, {"'scale(4,2)'", "2 arguments given, 1 used"});
    check_invalid_argument([] { build_model<float>("square(2)"); }, {"'square(2)'", "1 argument given, 0 used"});
    check_invalid_argument([] { build_model<float>("linear(2,4),scale(5)"); },
                           {"layer 1", "'scale(5)'", "takes 5 features but the layer before gives 4"});
    register_layer("temporary", "temporary", make);
    CHECK(is_layer_registered("temporary"));
    CHECK(build_model<double>("temporary")->describe() == "square");
    CHECK(unregister_layer("temporary"));
    CHECK_FALSE(unregister_layer("temporary"));
    CHECK_FALSE(is_layer_registered("temporary"));
}

TEST_CASE("layer tokens: positional then key=value arguments, each read or refused") {
    Rng rng(1);
    const LayerSpec spec("conv2d(1,8,3,p=1,s=2)", 4, rng);
    CHECK(spec.name() == "conv2d");
    CHECK(spec.position() == 4);
    CHECK(spec.argument_count() == 3);
    CHECK(spec.size(2, "kernel") == 3);
    CHECK(spec.has("p"));
    CHECK(spec.size("p", 0) == 1);
    CHECK(spec.number("s", 1.0) == 2.0);
    CHECK(spec.size("d", 7) == 7);  // absent: the default
    check_invalid_argument([&] { spec.require_all_read(); }, {"3 arguments given, 1 used"});
    spec.size(0, "in");
    spec.size(1, "out");
    spec.require_all_read();  // everything read now

    const LayerSpec extra("swish(1.5,q=2)", 0, rng);
    CHECK(extra.number(0, "beta") == 1.5);
    check_invalid_argument([&] { extra.require_all_read(); }, {"unknown argument 'q'"});
    check_invalid_argument([&] { LayerSpec("f(a=1,2)", 0, rng); }, {"positional argument '2' after a named one"});
    check_invalid_argument([&] { LayerSpec("f(a=1,a=2)", 0, rng); }, {"'a' given twice"});
    check_invalid_argument([&] { LayerSpec("f(x", 0, rng); }, {"parentheses"});
    check_invalid_argument([&] { LayerSpec("Relu", 0, rng); }, {"'Relu'", "not a layer name"});
    check_invalid_argument([&] { LayerSpec("", 0, rng); }, {"empty layer"});
    const LayerSpec nan("swish(nan)", 0, rng);
    check_invalid_argument([&] { nan.number(0, "beta"); }, {"beta", "'nan'"});
    const LayerSpec inf("swish(1e999)", 0, rng);
    check_invalid_argument([&] { inf.number(0, "beta"); }, {"beta"});
}

TEST_CASE("one engine switch: Trainer::set_engine sets the model and the loss; a mix is an error") {
    auto model = build_model<float>("linear(2,4),tanh,linear(4,2)", 1);
    CrossEntropy<float> loss;
    SGD<float> sgd(*model, SgdOptions{0.1});
    const auto data = make_xor<float>();
    const auto view = DataSetView<float>::with_labels(data.x, data.labels);

    model->set_engine(Engine::loop);  // the model alone: the loss still runs the vectorized engine
    check_invalid_argument([&] { Trainer<float>(*model, loss, sgd, TrainOptions{}); },
                           {"model runs the loop engine", "loss the vectorized engine", "Trainer::set_engine"});

    model->set_engine(Engine::vectorized);
    Trainer<float> trainer(*model, loss, sgd, TrainOptions{});
    trainer.set_engine(Engine::loop);
    CHECK(trainer.engine() == Engine::loop);
    CHECK(model->engine() == Engine::loop);
    CHECK(model->layer(1).engine() == Engine::loop);
    CHECK(loss.engine() == Engine::loop);
    trainer.fit(view);

    loss.set_engine(Engine::vectorized);  // changed behind the trainer's back
    check_invalid_argument([&] { trainer.fit(view); }, {"model runs the loop engine"});
    check_invalid_argument([&] { trainer.evaluate(view); }, {"model runs the loop engine"});

    auto dmodel = build_model<double>("linear(2,3)", 1);
    CrossEntropy<double> dloss;
    dmodel->set_engine(Engine::loop);
    const Matrix<double> x = {{0.5, 1.0}};
    const std::vector<std::int64_t> label{1};
    check_invalid_argument([&] { check_gradients(*dmodel, dloss, x, Targets<double>(label)); },
                           {"check_gradients", "loop engine", "vectorized engine"});
}
