// LeakyReLU, GELU and Softplus:
//  * check_layer on both engines (float64 finite differences, loop against
//    vectorized in float64 and float32, accumulation), alone and in a model;
//  * equal to torch.nn's modules on fixtures with the values where their
//    math changes (tests/data/torch_layers, tools/torch_layer_fixtures.py):
//    float64 to 1e-12, float32 to 1e-6 of the largest value, forward and backward;
//  * finite at +-1000 (Softplus switches to y = x past its threshold, GELU's
//    exp underflows to 0), model-spec tokens that read back, and bad arguments
//    refused with the layer, the argument and the rule.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/test_util.hpp"
#include "tests/torch_fixture.hpp"
#include "vecnn/nn/activations.hpp"
#include "vecnn/nn/layer_check.hpp"
#include "vecnn/nn/model_spec.hpp"

using namespace vecnn;
using vecnn::test::check_invalid_argument;
using vecnn::test::matrix_of;
using vecnn::test::suffix;

namespace {

const char* const kFixtures[] = {"leaky_relu", "leaky_relu_0.2", "gelu", "softplus", "softplus_beta2"};


}  // namespace

TEST_CASE("LeakyReLU, GELU and Softplus pass check_layer on both engines, alone and in a model") {
    for (const char* spec : {"leaky_relu", "leaky_relu(0.2)", "leaky_relu(-0.5)", "gelu", "softplus",
                             "softplus(beta=2,threshold=5)", "softplus(0.5)", "linear(5,7),gelu,linear(7,3)",
                             "linear(4,6),softplus,linear(6,6),leaky_relu(0.1),linear(6,2)"}) {
        CAPTURE(spec);
        const LayerCheckReport r = check_layer(spec);
        INFO(r.table());
        CHECK(r.passed);
    }
}

TEST_CASE_TEMPLATE("LeakyReLU, GELU and Softplus equal torch.nn on both engines, forward and backward", T, float,
                   double) {
    const double rtol = std::is_same<T, double>::value ? 1e-12 : 1e-6;
    for (const char* name : kFixtures) {
        const test::Fixture f = test::load_fixture("torch_layers", std::string(name) + "." + suffix<T>() + ".txt");
        CAPTURE(f.path);
        const std::size_t rows = std::stoul(f.option("shape"));
        const std::vector<T> x_values = f.values<T>("x");
        const std::size_t cols = x_values.size() / rows;
        const Matrix<T> x = matrix_of(x_values, rows, cols), y = matrix_of(f.values<T>("y"), rows, cols);
        const Matrix<T> dy = matrix_of(f.values<T>("dy"), rows, cols), dx = matrix_of(f.values<T>("dx"), rows, cols);
        for (Engine engine : {Engine::loop, Engine::vectorized}) {
            CAPTURE(to_string(engine));
            auto layer = build_model<T>(f.option("spec"));
            layer->set_engine(engine);
            VECNN_CHECK_CLOSE(layer->forward(x), y, rtol);
            VECNN_CHECK_CLOSE(layer->backward(dy), dx, rtol);
        }
    }
}

TEST_CASE_TEMPLATE("Softplus and GELU stay finite at +-1000; LeakyReLU's slope applies at 0", T, float, double) {
    const Matrix<T> x = {{T(-1000), T(-30), T(0), T(30), T(1000)}};
    const Matrix<T> ones = test::filled<T>(1, 5, T(1));
    for (Engine engine : {Engine::loop, Engine::vectorized}) {
        CAPTURE(to_string(engine));
        Softplus<T> softplus;
        softplus.set_engine(engine);
        const Matrix<T> y = softplus.forward(x);
        CHECK(y(0, 0) == T(0));         // log1p(exp(-1000)) underflows to 0, not NaN
        CHECK(y(0, 4) == T(1000));      // past the threshold: y = x, no exp(1000)
        CHECK(y(0, 3) == T(30));
        CHECK(y(0, 2) == doctest::Approx(std::log(2.0)));
        const Matrix<T> dx = softplus.backward(ones);
        CHECK(dx(0, 0) == T(0));
        CHECK(dx(0, 4) == T(1));
        CHECK(dx(0, 2) == doctest::Approx(0.5));

        GELU<T> gelu;
        gelu.set_engine(engine);
        const Matrix<T> g = gelu.forward(x);
        CHECK(g(0, 4) == T(1000));
        CHECK(g(0, 0) == T(0));
        CHECK(test::all_finite<T>(gelu.backward(ones)));

        LeakyReLU<T> leaky(0.25);
        leaky.set_engine(engine);
        leaky.forward(x);
        const Matrix<T> lx = leaky.backward(ones);
        CHECK(lx(0, 2) == T(0.25));  // x = 0 takes the slope, as torch's leaky_relu_backward
        CHECK(lx(0, 3) == T(1));
    }
}

TEST_CASE("the new activations' model-spec tokens: defaults, positional and named arguments, read back") {
    CHECK(build_model<float>("leaky_relu")->describe() == "leaky_relu(0.01)");
    CHECK(build_model<float>("leaky_relu(slope=0.2)")->describe() == "leaky_relu(0.2)");
    CHECK(build_model<float>("gelu")->describe() == "gelu");
    CHECK(build_model<float>("softplus")->describe() == "softplus(beta=1,threshold=20)");
    CHECK(build_model<float>("softplus(2,5)")->describe() == "softplus(beta=2,threshold=5)");
    CHECK(build_model<float>("softplus(threshold=3)")->describe() == "softplus(beta=1,threshold=3)");
    for (const char* spec : {"leaky_relu(0.3)", "softplus(beta=0.5,threshold=7)", "linear(3,4),gelu,linear(4,2)"}) {
        const std::string once = build_model<double>(spec)->describe();
        CHECK(build_model<double>(once)->describe() == once);
    }
}

TEST_CASE("bad arguments of the new activations are refused, naming the layer, the argument and the rule") {
    check_invalid_argument([] { build_model<float>("leaky_relu(nan)"); }, {"leaky_relu", "finite"});
    check_invalid_argument([] { build_model<float>("leaky_relu(1e39)"); }, {"slope", "finite"});  // inf in float32
    build_model<double>("leaky_relu(1e39)");                                                         // fine in float64
    check_invalid_argument([] { build_model<float>("softplus(beta=0)"); }, {"softplus", "beta 0", "> 0"});
    check_invalid_argument([] { build_model<double>("softplus(-1)"); }, {"beta -1", "> 0"});
    check_invalid_argument([] { build_model<double>("softplus(threshold=inf)"); }, {"threshold"});
    check_invalid_argument([] { build_model<float>("softplus(1,2,3)"); }, {"softplus", "0 to 2 arguments"});
    check_invalid_argument([] { build_model<float>("gelu(1)"); }, {"gelu"});
    check_invalid_argument([] { build_model<float>("leaky_relu(slope=0.1,alpha=2)"); }, {"unknown argument 'alpha'"});
    check_invalid_argument([] { build_model<float>("leaky_relu(x)"); }, {"leaky_relu"});
    check_invalid_argument([] { LeakyReLU<float>(std::numeric_limits<double>::infinity()); }, {"leaky_relu", "slope"});
    check_invalid_argument([] { Softplus<double>(1.0, std::nan("")); }, {"softplus", "threshold"});
}
