// Model specs (nn/model_spec.hpp): valid specs build the right layers with
// torch.nn.Sequential parameter keys and shapes; Linear's default init is
// U(-1/sqrt(in), 1/sqrt(in)) and a function of the seed only; bad specs
// throw std::invalid_argument naming the token and its position.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "vecnn/nn/activations.hpp"
#include "vecnn/nn/linear.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "test_util.hpp"

using namespace vecnn;
using vecnn::test::check_invalid_argument;

namespace {

std::vector<double> parameters_of(const Layer<double>& layer) {
    return std::vector<double>(layer.parameter_data(), layer.parameter_data() + layer.parameter_count());
}

}  // namespace

TEST_CASE_TEMPLATE("build_model: layers, keys and shapes follow the spec", T, float, double) {
    auto model = build_model<T>("linear(4,8),relu,linear(8,3),sigmoid,tanh,softmax", 1);
    REQUIRE(model->size() == 6);
    CHECK(model->describe() == "linear(4,8),relu,linear(8,3),sigmoid,tanh,softmax");
    CHECK(dynamic_cast<Linear<T>*>(&model->layer(0)) != nullptr);
    CHECK(dynamic_cast<ReLU<T>*>(&model->layer(1)) != nullptr);
    CHECK(dynamic_cast<Linear<T>*>(&model->layer(2)) != nullptr);
    CHECK(dynamic_cast<Sigmoid<T>*>(&model->layer(3)) != nullptr);
    CHECK(dynamic_cast<Tanh<T>*>(&model->layer(4)) != nullptr);
    CHECK(dynamic_cast<Softmax<T>*>(&model->layer(5)) != nullptr);

    const auto& p = model->parameters();
    REQUIRE(p.size() == 4);
    CHECK(p[0].name == "0.weight");
    CHECK(p[0].dims == std::vector<std::size_t>{8, 4});
    CHECK(p[0].offset == 0);
    CHECK(p[1].name == "0.bias");
    CHECK(p[1].dims == std::vector<std::size_t>{8});
    CHECK(p[1].offset == 32);
    CHECK(p[2].name == "2.weight");
    CHECK(p[2].dims == std::vector<std::size_t>{3, 8});
    CHECK(p[2].offset == 40);
    CHECK(p[3].name == "2.bias");
    CHECK(p[3].dims == std::vector<std::size_t>{3});
    CHECK(p[3].offset == 64);
    CHECK(model->parameter_count() == 67);
    CHECK(model->parameter_index("2.weight") == 2);
    check_invalid_argument([&] { model->parameter_index("1.weight"); }, {"1.weight"});

    // Shapes as matrices: weight (out, in), bias (1, out).
    CHECK(model->parameter(0).shape == Shape{8, 4});
    CHECK(model->parameter(1).shape == Shape{1, 8});
    CHECK(model->gradient(2).shape == Shape{3, 8});

    // A forward pass maps (batch, 4) to (batch, 3).
    Matrix<T> x = vecnn::test::filled<T>(5, 4, T(0.25));
    const Matrix<T>& y = model->forward(x);
    CHECK(y.shape()[0] == 5);
    CHECK(y.shape()[1] == 3);
}

TEST_CASE("build_model: whitespace is ignored; activations may lead; no Linear means no parameters") {
    auto model = build_model<double>(" linear( 3 , 2 ) ,\ttanh ", 0);
    CHECK(model->describe() == "linear(3,2),tanh");
    auto act = build_model<double>("relu,linear(2,2)", 0);
    CHECK(act->parameters()[0].name == "1.weight");
    auto none = build_model<double>("softmax", 0);
    CHECK(none->parameter_count() == 0);
    CHECK(none->parameters().empty());
}

TEST_CASE("the short form of a ReLU MLP is the same spec, parsed by the same parser") {
    CHECK(model_spec_tokens("784-256-10") == std::vector<std::string>{"linear(784,256)", "relu", "linear(256,10)"});
    CHECK(model_spec_tokens(" 2 - 3 ") == std::vector<std::string>{"linear(2,3)"});
    const auto a = build_model<double>("5-7-3", 4);
    const auto b = build_model<double>("linear(5,7),relu,linear(7,3)", 4);
    CHECK(a->describe() == b->describe());
    CHECK(parameters_of(*a) == parameters_of(*b));
    CHECK(spec_features("784-256-10").inputs == 784);
    check_invalid_argument([] { build_model<float>("784--10"); }, {"784--10", "empty size"});
    check_invalid_argument([] { build_model<float>("784-0"); }, {"layer 0", "'linear(784,0)'", "positive"});
    check_invalid_argument([] { build_model<float>("7"); }, {"layer 0", "'7'", "not a layer name"});
}

TEST_CASE("spec_features: inputs of the first Linear, outputs of the last") {
    const auto f = spec_features("linear(784,256),relu,linear(256,10),softmax");
    CHECK(f.inputs == 784);
    CHECK(f.outputs == 10);
    check_invalid_argument([] { spec_features("relu,tanh"); }, {"relu,tanh", "no linear"});
    check_invalid_argument([] { spec_features("linear(2,3),linear(4,1)"); }, {"linear(4,1)", "layer 1"});
}

TEST_CASE("Linear init: U(-1/sqrt(in), 1/sqrt(in)) for weight and bias, spread over the range") {
    for (std::size_t in : {1, 3, 16, 100}) {
        CAPTURE(in);
        Linear<double> lin(in, 50, 17);
        const double bound = 1.0 / std::sqrt(static_cast<double>(in));
        for (std::size_t p = 0; p < 2; ++p) {
            CAPTURE(p);
            const ConstView<double> v = static_cast<const Linear<double>&>(lin).parameter(p);
            double lo = 1e9, hi = -1e9, sum = 0;
            for (std::size_t i = 0; i < v.size(); ++i) {
                lo = std::min(lo, v.data[i]);
                hi = std::max(hi, v.data[i]);
                sum += v.data[i];
            }
            CHECK(lo >= -bound);
            CHECK(hi <= bound);
            // 50+ uniform draws: the extremes come near the bounds, the mean near 0.
            CHECK(lo < -0.8 * bound);
            CHECK(hi > 0.8 * bound);
            CHECK(std::abs(sum / double(v.size())) < 0.35 * bound);
        }
    }
}

TEST_CASE("build_model: the same seed gives the same parameters, another seed others") {
    const char* spec = "linear(5,7),tanh,linear(7,3)";
    const auto a = parameters_of(*build_model<double>(spec, 123));
    const auto b = parameters_of(*build_model<double>(spec, 123));
    const auto c = parameters_of(*build_model<double>(spec, 124));
    CHECK(a == b);
    CHECK(a != c);

    // Linear layers draw in order from ONE Rng seeded with the seed.
    Rng rng(123);
    Linear<double> first(5, 7, rng);
    Linear<double> second(7, 3, rng);
    auto model = build_model<double>(spec, 123);
    CHECK(parameters_of(model->layer(0)) == parameters_of(first));
    CHECK(parameters_of(model->layer(2)) == parameters_of(second));

    // float models hold the same draws rounded to float.
    const auto f = build_model<float>(spec, 123);
    REQUIRE(f->parameter_count() == a.size());
    for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(f->parameter_data()[i] == static_cast<float>(a[i]));

    // A Linear built from a seed draws what one from Rng(seed) does.
    Linear<double> by_seed(5, 7, std::uint64_t(9));
    Linear<double> by_rng(5, 7, Rng(9));
    CHECK(parameters_of(by_seed) == parameters_of(by_rng));
}

TEST_CASE("build_model: bad specs throw naming the token and its position") {
    // Unknown layer.
    check_invalid_argument([] { build_model<double>("linear(3,4),foo,linear(4,2)"); }, {"layer 1", "'foo'"});
    check_invalid_argument([] { build_model<double>("Relu"); }, {"layer 0", "'Relu'"});
    // Malformed linear.
    check_invalid_argument([] { build_model<double>("linear(3)"); }, {"layer 0", "'linear(3)'"});
    check_invalid_argument([] { build_model<double>("relu,linear(3,4,5)"); }, {"layer 1", "'linear(3,4,5)'"});
    check_invalid_argument([] { build_model<double>("linear(3,4"); }, {"layer 0", "'linear(3,4'"});
    check_invalid_argument([] { build_model<double>("linear(a,4)"); }, {"layer 0", "'linear(a,4)'"});
    check_invalid_argument([] { build_model<double>("linear(-3,4)"); }, {"layer 0", "'linear(-3,4)'"});
    check_invalid_argument([] { build_model<double>("linear(,4)"); }, {"layer 0", "'linear(,4)'"});
    // Zero sizes.
    check_invalid_argument([] { build_model<double>("linear(0,4)"); }, {"layer 0", "'linear(0,4)'", "positive"});
    check_invalid_argument([] { build_model<double>("linear(4,8),relu,linear(8,0)"); }, {"layer 2", "'linear(8,0)'"});
    // Mismatched chain: layer 2 takes 7, layer 0 gives 8.
    check_invalid_argument([] { build_model<double>("linear(4,8),relu,linear(7,2)"); },
                           {"layer 2", "'linear(7,2)'", "takes 7", "gives 8"});
    // Empty specs and empty tokens.
    check_invalid_argument([] { build_model<double>(""); }, {"empty"});
    check_invalid_argument([] { build_model<double>("   "); }, {"empty"});
    check_invalid_argument([] { build_model<double>("linear(3,4),"); }, {"layer 1", "''"});
    check_invalid_argument([] { build_model<double>("linear(3,4),,relu"); }, {"layer 1", "''"});
    check_invalid_argument([] { build_model<float>(",relu"); }, {"layer 0", "''"});
}
