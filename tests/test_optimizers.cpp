// Optimizers (nn/sgd.hpp, nn/adam.hpp, nn/optimizer_factory.hpp) against
// torch.optim, plus state save/load, option checks, zero_grad, lr changes
// and "no allocation in step()".
//
// PyTorch fixtures: tests/data/optim/<config>.<f64|f32>.txt, written by
// tools/torch_fixtures.py (plain text, see its docstring; no Python here).
// Each holds a model's initial flat parameters, the lr and gradient fed to
// every step, torch's parameters after every step and torch's final state.
// We mirror torch's roundings, FMAs included, and on this machine agree bit
// for bit (the deviations are printed). The tolerances leave room for a
// build without FMA (VECNN_NATIVE=OFF on an old CPU), measured at 6e-15
// (float64, elementwise) and 1.1e-7 (float32, normwise):
//   float64: elementwise relative, |ours - torch| <= 1e-12 |torch|
//   float32: normwise per array, max |ours - torch| <= 1e-6 max |torch|
//            (~8 ulps; elementwise would fail on near-zero parameters,
//            where one rounding of a cancelling update is a large fraction)
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "vecnn/nn/linear.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/nn/optimizer.hpp"
#include "tests/torch_fixture.hpp"

// ---- allocation counter: proves step() allocates nothing ----------------------
// Replaces the global operator new for this test program only. noinline:
// inlined into callers, free() after operator new trips GCC's
// -Wmismatched-new-delete (a false positive: both sides are ours).
namespace {
std::size_t g_allocations = 0;
}

__attribute__((noinline)) void* operator new(std::size_t size) {
    ++g_allocations;
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
__attribute__((noinline)) void operator delete(void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace vecnn;
using vecnn::test::Fixture;
using vecnn::test::load_fixture;
using vecnn::test::suffix;

namespace {

const char* const kConfigs[] = {"sgd_plain",       "sgd_momentum_dampening",    "sgd_nesterov_weight_decay",
                                "adam_default",    "adam_weight_decay_betas",   "adamw_default",
                                "adamw_betas_decay", "rmsprop_default",         "rmsprop_centered_momentum",
                                "adagrad_default", "adagrad_decay_initial"};
const char* const kModelSpec = "linear(3,4),tanh,linear(4,2)";


template <class T>
double tolerance() {
    return std::is_same<T, double>::value ? 1e-12 : 1e-6;
}


// Every option the fixture lists (each optimizer's own, torch's defaults filled in).
OptimizerOptions fixture_options(const Fixture& f) {
    OptimizerOptions o;
    auto has = [&](const char* key) { return f.options.count(key) != 0; };
    o.lr = f.number("lr");
    o.weight_decay = f.number("weight_decay");
    if (has("momentum")) o.momentum = f.number("momentum");
    if (has("dampening")) o.dampening = f.number("dampening");
    if (has("nesterov")) o.nesterov = f.option("nesterov") == "1";
    if (has("beta1")) o.beta1 = f.number("beta1");
    if (has("beta2")) o.beta2 = f.number("beta2");
    if (has("eps")) o.eps = f.number("eps");
    if (has("alpha")) o.alpha = f.number("alpha");
    if (has("centered")) o.centered = f.option("centered") == "1";
    if (has("lr_decay")) o.lr_decay = f.number("lr_decay");
    if (has("initial_accumulator_value")) o.initial_accumulator_value = f.number("initial_accumulator_value");
    return o;
}

// ---- comparisons -----------------------------------------------------------------

struct Deviation {
    double elementwise = 0;  // max |a - e| / |e| (|a - e| where e == 0)
    double normwise = 0;     // max over arrays of max |a - e| / max |e|
    std::size_t compared = 0;
    std::size_t identical = 0;  // bit-for-bit equal elements

    // The measure the tolerance applies to (see the top of the file).
    template <class T>
    double measure() const {
        return std::is_same<T, double>::value ? elementwise : normwise;
    }
};

// Adds one array to `d`.
template <class T>
void accumulate(Deviation& d, const T* actual, const std::vector<T>& expected) {
    double max_diff = 0, max_expected = 0;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const double a = actual[i], e = expected[i];
        const double diff = std::fabs(a - e);
        d.elementwise = std::max(d.elementwise, e == 0 ? diff : diff / std::fabs(e));
        max_diff = std::max(max_diff, diff);
        max_expected = std::max(max_expected, std::fabs(e));
        ++d.compared;
        if (std::memcmp(&actual[i], &expected[i], sizeof(T)) == 0) ++d.identical;
    }
    d.normwise = std::max(d.normwise, max_expected == 0 ? max_diff : max_diff / max_expected);
}

template <class T>
bool same_bits(const T* a, const T* b, std::size_t n) {
    return std::memcmp(a, b, n * sizeof(T)) == 0;
}

// Deterministic pseudo-random gradients (no <random>: distributions differ between libraries).
template <class T>
void fill_gradients(Layer<T>& model, std::uint64_t seed) {
    std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    T* g = model.gradient_data();
    for (std::size_t i = 0; i < model.parameter_count(); ++i) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        g[i] = static_cast<T>(static_cast<double>(s >> 11) / 9007199254740992.0 * 2.0 - 1.0);
    }
}

template <class T>
std::vector<T> parameters_of(const Layer<T>& model) {
    return std::vector<T>(model.parameter_data(), model.parameter_data() + model.parameter_count());
}

template <class T>
void set_parameters(Layer<T>& model, const std::vector<T>& values) {
    REQUIRE(values.size() == model.parameter_count());
    std::copy(values.begin(), values.end(), model.parameter_data());
}

// Message of the std::invalid_argument `f` throws ("" if it throws nothing or something else).
template <class F>
std::string invalid_argument_message(F&& f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    } catch (...) {
        return "<other exception>";
    }
    return "<no exception>";
}

#define CHECK_INVALID(expr, fragment)                                                      \
    do {                                                                                   \
        const std::string message_ = invalid_argument_message([&] { (void)(expr); });      \
        INFO("message: " << message_);                                                     \
        CHECK(message_.find(fragment) != std::string::npos);                               \
    } while (0)

// ---- the PyTorch comparison ------------------------------------------------------

template <class T>
void check_against_torch() {
    for (const char* config : kConfigs) {
        const Fixture f = load_fixture("optim", std::string(config) + "." + suffix<T>() + ".txt");
        INFO("fixture: " << f.path);
        REQUIRE(f.option("model") == kModelSpec);
        REQUIRE(f.option("dtype") == (std::is_same<T, double>::value ? "float64" : "float32"));

        auto model = build_model<T>(kModelSpec, 0);
        // torch.nn.Sequential's state_dict order is vecnn's flat layout.
        REQUIRE(model->parameters().size() == 4);
        CHECK(model->parameters()[0].name == "0.weight");
        CHECK(model->parameters()[3].name == "2.bias");
        set_parameters(*model, f.values<T>("initial"));
        auto optimizer = make_optimizer<T>(*model, f.option("optimizer"), fixture_options(f));

        const std::vector<double> lrs = f.values<double>("lr");
        const std::size_t steps = std::stoul(f.option("steps"));
        REQUIRE(lrs.size() == steps);
        Deviation params;
        for (std::size_t k = 1; k <= steps; ++k) {
            optimizer->zero_grad();
            const std::vector<T> grad = f.values<T>("grad." + std::to_string(k));
            REQUIRE(grad.size() == model->parameter_count());
            std::copy(grad.begin(), grad.end(), model->gradient_data());
            optimizer->set_lr(lrs[k - 1]);
            optimizer->step();
            Deviation d;
            accumulate(d, model->parameter_data(), f.values<T>("param." + std::to_string(k)));
            CAPTURE(k);
            CHECK(d.measure<T>() <= tolerance<T>());
            accumulate(params, model->parameter_data(), f.values<T>("param." + std::to_string(k)));
        }
        CHECK(optimizer->steps_taken() == steps);

        // Final state: torch's optimizer.state arrays, same values. torch's
        // SGD keeps no step count; ours must then equal the steps taken.
        Deviation state;
        const OptimizerState<T> ours = optimizer->state();
        std::size_t torch_arrays = 0;
        for (const auto& [name, values] : ours) {
            INFO("state array: " << name);
            const bool in_torch = f.has("state." + name);
            REQUIRE((in_torch || name == "step"));
            torch_arrays += in_torch;
            const std::vector<T> expected = in_torch ? f.values<T>("state." + name)
                                                     : std::vector<T>{static_cast<T>(steps)};
            REQUIRE(values.size() == expected.size());
            accumulate(state, values.data(), expected);
        }
        std::size_t fixture_arrays = 0;
        for (const auto& entry : f.arrays) fixture_arrays += entry.first.rfind("state.", 0) == 0;
        CHECK(torch_arrays == fixture_arrays);  // nothing of torch's state is missing from ours
        CHECK(state.measure<T>() <= tolerance<T>());
        MESSAGE(std::string(config) << " (" << std::string(suffix<T>()) << "): deviation from torch, "
                                    << "elementwise / normwise relative: parameters " << params.elementwise << " / "
                                    << params.normwise << " (" << params.identical << "/" << params.compared
                                    << " bit-identical), state " << state.elementwise << " / " << state.normwise
                                    << " (" << state.identical << "/" << state.compared << " bit-identical)");
    }
}

// Runs `first` steps, saves the state, restores it into a fresh optimizer on
// a copy of the model, then runs both `then` more steps: they must agree to
// the bit, and differ from an optimizer that starts afresh (state matters).
template <class T>
void check_resume(const std::string& name, const OptimizerOptions& options) {
    INFO("optimizer: " << name);
    const std::size_t first = 3, then = 4;
    auto a = build_model<T>(kModelSpec, 7);
    auto opt_a = make_optimizer<T>(*a, name, options);
    for (std::size_t k = 0; k < first; ++k) {
        fill_gradients(*a, k);
        opt_a->step();
    }
    const OptimizerState<T> saved = opt_a->state();

    auto b = build_model<T>(kModelSpec, 99);  // different init, overwritten
    set_parameters(*b, parameters_of(*a));
    auto opt_b = make_optimizer<T>(*b, name, options);
    opt_b->load_state(saved);
    CHECK(opt_b->steps_taken() == first);

    auto c = build_model<T>(kModelSpec, 99);  // same parameters, no state
    set_parameters(*c, parameters_of(*a));
    auto opt_c = make_optimizer<T>(*c, name, options);

    for (std::size_t k = first; k < first + then; ++k) {
        for (Layer<T>* m : {static_cast<Layer<T>*>(a.get()), static_cast<Layer<T>*>(b.get()),
                            static_cast<Layer<T>*>(c.get())}) {
            fill_gradients(*m, k);
        }
        opt_a->step();
        opt_b->step();
        opt_c->step();
    }
    CHECK(same_bits(a->parameter_data(), b->parameter_data(), a->parameter_count()));
    CHECK_FALSE(same_bits(a->parameter_data(), c->parameter_data(), a->parameter_count()));
    const OptimizerState<T> sa = opt_a->state(), sb = opt_b->state();
    REQUIRE(sa.size() == sb.size());
    for (std::size_t i = 0; i < sa.size(); ++i) {
        CHECK(sa[i].first == sb[i].first);
        CHECK(same_bits(sa[i].second.data(), sb[i].second.data(), sa[i].second.size()));
    }
}

OptimizerOptions sgd_options(double lr, double momentum = 0, double dampening = 0, double weight_decay = 0,
                             bool nesterov = false) {
    OptimizerOptions o;
    o.lr = lr;
    o.momentum = momentum;
    o.dampening = dampening;
    o.weight_decay = weight_decay;
    o.nesterov = nesterov;
    return o;
}

OptimizerOptions adam_options(double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
                              double weight_decay = 0) {
    OptimizerOptions o;
    o.lr = lr;
    o.beta1 = beta1;
    o.beta2 = beta2;
    o.eps = eps;
    o.weight_decay = weight_decay;
    return o;
}

}  // namespace

TEST_CASE("optimizers match torch.optim in float64 (1e-12 elementwise relative)") { check_against_torch<double>(); }

TEST_CASE("optimizers match torch.optim in float32 (1e-6 normwise relative)") { check_against_torch<float>(); }

TEST_CASE_TEMPLATE("state save/load resumes bit for bit", T, float, double) {
    check_resume<T>("sgd", sgd_options(0.05, 0.9, 0.1, 0.01));
    check_resume<T>("sgd", sgd_options(0.05, 0.8, 0, 0.01, true));
    check_resume<T>("adam", adam_options(0.01, 0.8, 0.95, 1e-6, 0.05));
    check_resume<T>("adam", adam_options(1e-3));
    OptimizerOptions o;
    check_resume<T>("adamw", o);
    o.momentum = 0.5;
    o.centered = true;
    check_resume<T>("rmsprop", o);
    o = OptimizerOptions{};
    o.lr_decay = 0.1;
    o.initial_accumulator_value = 0.2;
    check_resume<T>("adagrad", o);
}

TEST_CASE("state arrays: names, sizes and the step count") {
    auto model = build_model<double>(kModelSpec, 1);
    const std::size_t n = model->parameter_count();
    SGD<double> plain(*model, SgdOptions{});
    CHECK(plain.state_names() == std::vector<std::string>{"step"});
    SgdOptions with_momentum;
    with_momentum.momentum = 0.9;
    SGD<double> sgd(*model, with_momentum);
    CHECK(sgd.state_names() == std::vector<std::string>{"step", "momentum_buffer"});
    Adam<double> adam(*model);
    CHECK(adam.state_names() == std::vector<std::string>{"step", "exp_avg", "exp_avg_sq"});
    OptimizerState<double> s = adam.state();
    REQUIRE(s.size() == 3);
    CHECK(s[0].second == std::vector<double>{0});
    CHECK(s[1].second.size() == n);
    CHECK(s[2].second.size() == n);
    adam.step();
    adam.step();
    CHECK(adam.state()[0].second == std::vector<double>{2});
}

TEST_CASE("load_state rejects mismatched state and changes nothing") {
    auto model = build_model<double>(kModelSpec, 1);
    const std::size_t n = model->parameter_count();
    Adam<double> adam(*model);
    fill_gradients(*model, 1);
    adam.step();
    const OptimizerState<double> before = adam.state();
    const OptimizerState<double> good = before;

    auto without = [&](const std::string& name) {
        OptimizerState<double> s;
        for (const auto& e : good)
            if (e.first != name) s.push_back(e);
        return s;
    };
    CHECK_INVALID(adam.load_state(without("exp_avg")), "missing array \"exp_avg\"");
    CHECK_INVALID(adam.load_state(without("step")), "missing array \"step\"");
    OptimizerState<double> extra = good;
    extra.emplace_back("momentum_buffer", std::vector<double>(n));
    CHECK_INVALID(adam.load_state(extra), "unexpected array \"momentum_buffer\"");
    OptimizerState<double> twice = good;
    twice.push_back(good[1]);
    CHECK_INVALID(adam.load_state(twice), "\"exp_avg\" appears twice");
    OptimizerState<double> short_array = good;
    short_array[2].second.pop_back();
    CHECK_INVALID(adam.load_state(short_array), "\"exp_avg_sq\" has " + std::to_string(n - 1) +
                                                    " elements, expected " + std::to_string(n));
    OptimizerState<double> bad_step = good;
    bad_step[0].second = {1.5};
    CHECK_INVALID(adam.load_state(bad_step), "\"step\" holds 1.5");
    bad_step[0].second = {-1};
    CHECK_INVALID(adam.load_state(bad_step), "\"step\" holds -1");
    bad_step[0].second = {1, 2};
    CHECK_INVALID(adam.load_state(bad_step), "\"step\" has 2 elements, expected 1");

    // A model of another size.
    auto other = build_model<double>("linear(3,5)", 1);
    Adam<double> small(*other);
    CHECK_INVALID(small.load_state(good), "has " + std::to_string(n) + " elements");

    // Nothing changed by the failed loads.
    const OptimizerState<double> after = adam.state();
    CHECK(after == before);
    CHECK(adam.steps_taken() == 1);
}

TEST_CASE("invalid options throw std::invalid_argument naming the option") {
    auto model = build_model<double>(kModelSpec, 1);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    auto sgd = [&](SgdOptions o) { return SGD<double>(*model, o); };
    auto adam = [&](AdamOptions o) { return Adam<double>(*model, o); };
    SgdOptions s;
    s.lr = -0.1;
    CHECK_INVALID(sgd(s), "SGD: invalid learning rate -0.1");
    s.lr = nan;
    CHECK_INVALID(sgd(s), "learning rate");
    s = SgdOptions{};
    s.momentum = -0.5;
    CHECK_INVALID(sgd(s), "SGD: invalid momentum -0.5");
    s = SgdOptions{};
    s.weight_decay = -1e-4;
    CHECK_INVALID(sgd(s), "invalid weight_decay");
    s = SgdOptions{};
    s.dampening = inf;
    CHECK_INVALID(sgd(s), "invalid dampening");
    s = SgdOptions{};
    s.nesterov = true;  // momentum 0
    CHECK_INVALID(sgd(s), "momentum 0 (must be > 0 with nesterov)");
    s.momentum = 0.9;
    s.dampening = 0.1;
    CHECK_INVALID(sgd(s), "dampening 0.1 (must be 0 with nesterov)");
    s.dampening = 0;
    CHECK_NOTHROW(sgd(s));

    AdamOptions a;
    a.lr = -1;
    CHECK_INVALID(adam(a), "Adam: invalid learning rate -1");
    a = AdamOptions{};
    a.eps = -1e-8;
    CHECK_INVALID(adam(a), "invalid eps");
    a = AdamOptions{};
    a.beta1 = 1.0;
    CHECK_INVALID(adam(a), "invalid beta1 1 (must be in [0, 1))");
    a = AdamOptions{};
    a.beta2 = -0.1;
    CHECK_INVALID(adam(a), "invalid beta2");
    a.beta2 = nan;
    CHECK_INVALID(adam(a), "invalid beta2");
    a = AdamOptions{};
    a.weight_decay = nan;
    CHECK_INVALID(adam(a), "invalid weight_decay");
    a = AdamOptions{};
    a.beta1 = 0;  // allowed, as in PyTorch
    CHECK_NOTHROW(adam(a));

    Adam<double> ok(*model);
    CHECK_INVALID(ok.set_lr(-1e-3), "invalid learning rate");
    CHECK_INVALID(ok.set_lr(inf), "invalid learning rate");
    CHECK(ok.lr() == 1e-3);
}

TEST_CASE("make_optimizer: names, defaults and options that do not apply") {
    auto model = build_model<float>(kModelSpec, 1);
    CHECK(optimizer_names() == std::vector<std::string>{"sgd", "adam", "adamw", "rmsprop", "adagrad"});
    auto sgd = make_optimizer<float>(*model, "sgd");
    CHECK(sgd->name() == "sgd");
    CHECK(sgd->lr() == 0.01);
    CHECK(sgd->describe() == "sgd(lr=0.01, momentum=0, dampening=0, weight_decay=0, nesterov=false)");
    auto adam = make_optimizer<float>(*model, "adam");
    CHECK(adam->name() == "adam");
    CHECK(adam->describe() == "adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0)");
    adam->set_lr(0.25);
    CHECK(adam->describe().find("lr=0.25") != std::string::npos);
    CHECK(dynamic_cast<Adam<float>&>(*adam).options().lr == 0.25);

    CHECK_INVALID(make_optimizer<float>(*model, "lion"), "unknown optimizer \"lion\"");
    CHECK(make_optimizer<float>(*model, "adamw")->describe() ==
          "adamw(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.01)");  // torch's default decay
    CHECK(make_optimizer<float>(*model, "rmsprop")->describe() ==
          "rmsprop(lr=0.01, alpha=0.99, eps=1e-08, weight_decay=0, momentum=0, centered=false)");
    CHECK(make_optimizer<float>(*model, "adagrad")->describe() ==
          "adagrad(lr=0.01, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10)");
    CHECK(make_optimizer<float>(*model, "rmsprop")->state_names() == std::vector<std::string>{"step", "square_avg"});
    OptimizerOptions rms;
    rms.momentum = 0.9;
    rms.centered = true;
    CHECK(make_optimizer<float>(*model, "rmsprop", rms)->state_names() ==
          std::vector<std::string>{"step", "square_avg", "momentum_buffer", "grad_avg"});
    CHECK_INVALID(make_optimizer<float>(*model, "adagrad", rms), "\"adagrad\" has no option momentum");
    OptimizerOptions foreign;
    foreign.alpha = 0.9;
    CHECK_INVALID(make_optimizer<float>(*model, "adamw", foreign), "\"adamw\" has no option alpha");
    foreign = OptimizerOptions{};
    foreign.lr_decay = 0.1;
    CHECK_INVALID(make_optimizer<float>(*model, "rmsprop", foreign), "\"rmsprop\" has no option lr_decay");
    foreign = OptimizerOptions{};
    foreign.eps = 1e-8;
    CHECK_INVALID(make_optimizer<float>(*model, "sgd", foreign), "\"sgd\" has no option eps");
    OptimizerOptions bad;
    bad.alpha = -0.5;
    CHECK_INVALID(make_optimizer<float>(*model, "rmsprop", bad), "invalid alpha -0.5");
    bad = OptimizerOptions{};
    bad.initial_accumulator_value = -1;
    CHECK_INVALID(make_optimizer<float>(*model, "adagrad", bad), "invalid initial_accumulator_value -1");
    bad = OptimizerOptions{};
    bad.lr_decay = std::numeric_limits<double>::infinity();
    CHECK_INVALID(make_optimizer<double>(*build_model<double>(kModelSpec, 1), "adagrad", bad), "invalid lr_decay");
    bad = OptimizerOptions{};
    bad.weight_decay = 1e39;  // infinite in float32
    CHECK_INVALID(make_optimizer<float>(*model, "adamw", bad), "invalid weight_decay");
    bad = OptimizerOptions{};
    bad.beta1 = 1;
    CHECK_INVALID(make_optimizer<float>(*model, "adamw", bad), "invalid beta1");
    CHECK_INVALID(make_optimizer<float>(*model, "adam", sgd_options(0.1, 0.9)), "\"adam\" has no option momentum");
    OptimizerOptions o;
    o.nesterov = true;
    CHECK_INVALID(make_optimizer<float>(*model, "adam", o), "no option nesterov");
    o = OptimizerOptions{};
    o.beta2 = 0.99;
    CHECK_INVALID(make_optimizer<float>(*model, "sgd", o), "\"sgd\" has no option beta2");
    CHECK_INVALID(make_optimizer<float>(*model, "sgd", sgd_options(-1)), "invalid learning rate -1");
}

TEST_CASE_TEMPLATE("zero_grad clears every gradient of the model", T, float, double) {
    auto model = build_model<T>(kModelSpec, 3);
    auto opt = make_optimizer<T>(*model, "adam");
    fill_gradients(*model, 5);
    opt->zero_grad();
    for (std::size_t i = 0; i < model->parameter_count(); ++i) CHECK(model->gradient_data()[i] == T(0));
}

TEST_CASE_TEMPLATE("a learning-rate change takes effect on the next step", T, float, double) {
    auto model = build_model<T>(kModelSpec, 3);
    const std::size_t n = model->parameter_count();
    SgdOptions o;
    o.lr = 0.1;
    SGD<T> sgd(*model, o);
    fill_gradients(*model, 1);
    const std::vector<T> p0 = parameters_of(*model);
    sgd.set_lr(0.5);
    CHECK(sgd.lr() == 0.5);
    sgd.step();
    for (std::size_t i = 0; i < n; ++i) {
        // 0.5 * g is exact, so fused or not, this is the one correctly rounded result.
        CHECK(model->parameter_data()[i] == p0[i] - T(0.5) * model->gradient_data()[i]);
    }
    // lr = 0 leaves the parameters untouched, for Adam too (its moments still move).
    for (const char* name : {"sgd", "adam"}) {
        auto m = build_model<T>(kModelSpec, 4);
        OptimizerOptions zero;
        zero.lr = 0.0;
        auto opt = make_optimizer<T>(*m, name, zero);
        fill_gradients(*m, 2);
        const std::vector<T> before = parameters_of(*m);
        opt->step();
        CHECK(parameters_of(*m) == before);
        opt->set_lr(1e-2);
        opt->step();
        CHECK(parameters_of(*m) != before);
    }
}

TEST_CASE_TEMPLATE("step() allocates nothing", T, float, double) {
    auto model = build_model<T>("linear(20,30),relu,linear(30,5)", 2);
    fill_gradients(*model, 3);
    std::vector<std::unique_ptr<Optimizer<T>>> optimizers;
    optimizers.push_back(make_optimizer<T>(*model, "sgd", sgd_options(0.01)));
    optimizers.push_back(make_optimizer<T>(*model, "sgd", sgd_options(0.01, 0.9, 0.1, 1e-4)));
    optimizers.push_back(make_optimizer<T>(*model, "sgd", sgd_options(0.01, 0.9, 0, 1e-4, true)));
    optimizers.push_back(make_optimizer<T>(*model, "adam", adam_options(1e-3, 0.9, 0.999, 1e-8, 1e-2)));
    OptimizerOptions rms;
    rms.momentum = 0.9;
    rms.centered = true;
    rms.weight_decay = 1e-3;
    optimizers.push_back(make_optimizer<T>(*model, "rmsprop", rms));
    optimizers.push_back(make_optimizer<T>(*model, "adagrad"));
    // The counter is live: state() copies the buffers into new vectors.
    const std::size_t probe = g_allocations;
    CHECK(optimizers.back()->state().size() == 2);
    CHECK(g_allocations > probe);
    for (auto& opt : optimizers) {
        const std::size_t before = g_allocations;
        for (int k = 0; k < 3; ++k) {  // the first step (lazy paths) and later ones
            opt->step();
            opt->zero_grad();
        }
        CHECK(g_allocations == before);
        CHECK(opt->steps_taken() == 3);
    }
}

TEST_CASE("step() refuses a model whose size changed after the optimizer was built") {
    Sequential<double> model;
    model.emplace<Linear<double>>(2, 3, 1);
    Adam<double> adam(model);
    adam.step();
    model.emplace<Linear<double>>(3, 1, 2);
    CHECK_THROWS_AS(adam.step(), std::logic_error);
    CHECK(adam.steps_taken() == 1);
}
