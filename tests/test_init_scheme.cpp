// The initialisation schemes of torch.nn.init (nn/init_scheme.hpp): each
// weight's sample mean, variance and bounds against the scheme's law, biases
// zero, the default left as built, the same draws for float and double and
// for the same seed, and unknown names refused.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "tests/test_util.hpp"
#include "vecnn/nn/init_scheme.hpp"
#include "vecnn/nn/model_spec.hpp"

using namespace vecnn;

namespace {
struct Moments {
    double mean = 0, variance = 0, max_abs = 0;
};

Moments moments(ConstView<double> v) {
    Moments m;
    for (std::size_t i = 0; i < v.size(); ++i) m.mean += v.data[i];
    m.mean /= static_cast<double>(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        m.variance += (v.data[i] - m.mean) * (v.data[i] - m.mean);
        m.max_abs = std::max(m.max_abs, std::abs(v.data[i]));
    }
    m.variance /= static_cast<double>(v.size() - 1);
    return m;
}
}  // namespace

TEST_CASE("each scheme draws weights with its law: mean 0, its variance, its bounds; biases zero") {
    // linear(400,300): 120,000 weights, fan_in 400, fan_out 300; linear(300,50) too.
    struct Law {
        const char* name;
        double variance_0, variance_1;  // of the two weights
        bool uniform;
    };
    const Law laws[] = {
        {"xavier-uniform", 2.0 / 700, 2.0 / 350, true},
        {"xavier-normal", 2.0 / 700, 2.0 / 350, false},
        {"kaiming-uniform", 2.0 / 400, 2.0 / 300, true},
        {"kaiming-normal", 2.0 / 400, 2.0 / 300, false},
    };
    for (const Law& law : laws) {
        CAPTURE(law.name);
        auto model = build_model<double>("linear(400,300),relu,linear(300,50)", 1);
        apply_init_scheme(*model, init_scheme_from_string(law.name), 7);
        for (std::size_t layer : {0, 1}) {
            const Moments m = moments(model->parameter(2 * layer));
            const double variance = layer == 0 ? law.variance_0 : law.variance_1;
            const double n = static_cast<double>(model->parameter(2 * layer).size());
            CHECK(std::abs(m.mean) < 5 * std::sqrt(variance / n));  // 5 standard errors
            CHECK(m.variance == doctest::Approx(variance).epsilon(0.03));
            if (law.uniform) {
                const double bound = std::sqrt(3 * variance);
                CHECK(m.max_abs <= bound);
                CHECK(m.max_abs > 0.99 * bound);  // the draws reach the ends
            } else {
                CHECK(m.max_abs > 3 * std::sqrt(variance));  // a normal's tails, not a uniform's box
            }
            const ConstView<double> bias = model->parameter(2 * layer + 1);
            for (std::size_t i = 0; i < bias.size(); ++i) CHECK(bias.data[i] == 0.0);
        }
    }
}

TEST_CASE("default keeps the built parameters; a scheme's draws depend on the seed alone, not the dtype") {
    auto built = build_model<double>("linear(6,5),tanh,linear(5,2)", 3);
    auto kept = build_model<double>("linear(6,5),tanh,linear(5,2)", 3);
    apply_init_scheme(*kept, InitScheme::default_init, 99);
    CHECK(std::equal(built->parameter_data(), built->parameter_data() + built->parameter_count(),
                     kept->parameter_data()));

    auto a = build_model<double>("linear(6,5),tanh,linear(5,2)", 3);
    auto b = build_model<double>("linear(6,5),tanh,linear(5,2)", 4);  // another build seed: redrawn anyway
    auto f = build_model<float>("linear(6,5),tanh,linear(5,2)", 3);
    auto c = build_model<double>("linear(6,5),tanh,linear(5,2)", 3);
    apply_init_scheme(*a, InitScheme::kaiming_normal, 11);
    apply_init_scheme(*b, InitScheme::kaiming_normal, 11);
    apply_init_scheme(*f, InitScheme::kaiming_normal, 11);
    apply_init_scheme(*c, InitScheme::kaiming_normal, 12);
    bool differs = false;
    for (std::size_t i = 0; i < a->parameter_count(); ++i) {
        CHECK(a->parameter_data()[i] == b->parameter_data()[i]);
        CHECK(f->parameter_data()[i] == static_cast<float>(a->parameter_data()[i]));
        differs = differs || a->parameter_data()[i] != c->parameter_data()[i];
    }
    CHECK(differs);
}

TEST_CASE("scheme names: every name reads back, unknown names are refused naming the known ones") {
    for (const std::string& name : init_scheme_names()) CHECK(to_string(init_scheme_from_string(name)) == name);
    test::check_invalid_argument([] { init_scheme_from_string("he"); }, {"'he'", "xavier-uniform", "kaiming-normal"});
}
