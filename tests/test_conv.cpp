// Conv2d, MaxPool2d and Flatten:
//  * check_layer on both engines (float64 finite differences, loop against
//    vectorized in float64 and float32, accumulation), alone, with stride
//    and padding, and in a small CNN;
//  * equal to torch.nn on fixtures (tests/data/torch_layers, written by
//    tools/torch_layer_fixtures.py): outputs, input gradients and every
//    parameter gradient, float64 to 1e-12 and float32 to 1e-5;
//  * PyTorch's choice among equal maxima and for NaN, on both engines;
//  * sample shapes through a model, tokens that read back, and bad specs
//    refused with the layer and the rule.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "tests/test_util.hpp"
#include "tests/torch_fixture.hpp"
#include "vecnn/nn/conv2d.hpp"
#include "vecnn/nn/layer_check.hpp"
#include "vecnn/nn/max_pool2d.hpp"
#include "vecnn/nn/model_spec.hpp"

using namespace vecnn;
using vecnn::test::check_invalid_argument;
using vecnn::test::matrix_of;
using vecnn::test::suffix;

namespace {

SampleShape parse_shape(const std::string& text) {
    SampleShape shape;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const std::size_t comma = std::min(text.find(',', pos), text.size());
        shape.push_back(std::stoul(text.substr(pos, comma - pos)));
        pos = comma + 1;
    }
    return shape;
}

LayerCheckReport check_image_layer(const std::string& spec, const SampleShape& shape) {
    LayerCheckOptions o;
    o.input_shape = shape;
    o.agreement_batches = {1, 4};
    return check_layer(spec, o);
}

}  // namespace

TEST_CASE("Conv2d, MaxPool2d and Flatten pass check_layer on both engines, alone and in a CNN") {
    const std::pair<const char*, SampleShape> cases[] = {
        {"conv2d(2,3,3)", {2, 5, 6}},
        {"conv2d(2,4,3,stride=2,padding=1)", {2, 7, 6}},
        {"conv2d(1,2,5,p=2)", {1, 4, 4}},
        {"conv2d(3,2,1)", {3, 3, 4}},
        {"maxpool2d(2)", {2, 6, 7}},
        {"maxpool2d(3,stride=2,padding=1)", {2, 7, 5}},
        {"flatten", {2, 3, 3}},
        {"conv2d(1,4,3,padding=1),relu,maxpool2d(2),conv2d(4,3,3),tanh,flatten,linear(12,5)", {1, 8, 8}},
    };
    for (const auto& [spec, shape] : cases) {
        CAPTURE(spec);
        const LayerCheckReport r = check_image_layer(spec, shape);
        INFO(r.table());
        CHECK(r.passed);
    }
}

TEST_CASE_TEMPLATE("Conv2d, MaxPool2d and a CNN equal torch.nn on both engines: outputs and every gradient", T, float,
                   double) {
    const double rtol = std::is_same<T, double>::value ? 1e-12 : 1e-5;
    for (const char* name : {"conv", "conv_stride_pad", "conv_k1", "conv_k5_p2", "maxpool", "maxpool_stride_pad",
                             "maxpool_ties", "cnn"}) {
        const test::Fixture f = test::load_fixture("torch_layers", std::string(name) + "." + suffix<T>() + ".txt");
        CAPTURE(f.path);
        const SampleShape shape = parse_shape(f.option("input_shape"));
        const std::size_t rows = std::stoul(f.option("rows"));
        const Matrix<T> x = matrix_of(f.values<T>("x"), rows, sample_size(shape));
        const std::vector<T> y_values = f.values<T>("y");
        const std::size_t out = y_values.size() / rows;
        const Matrix<T> y = matrix_of(y_values, rows, out), dy = matrix_of(f.values<T>("dy"), rows, out);
        const Matrix<T> dx = matrix_of(f.values<T>("dx"), rows, sample_size(shape));
        for (Engine engine : {Engine::loop, Engine::vectorized}) {
            CAPTURE(to_string(engine));
            auto model = build_model<T>(f.option("spec"), 0, shape);
            model->set_engine(engine);
            for (const ParameterInfo& p : model->parameters()) {
                const std::vector<T> values = f.values<T>(p.name);
                REQUIRE(values.size() == p.size());
                std::copy(values.begin(), values.end(), model->parameter_data() + p.offset);
            }
            model->zero_grad();
            VECNN_CHECK_CLOSE(model->forward(x), y, rtol);
            VECNN_CHECK_CLOSE(model->backward(dy), dx, rtol);
            for (std::size_t i = 0; i < model->parameters().size(); ++i) {
                const ParameterInfo& p = model->parameters()[i];
                CAPTURE(p.name);
                const ConstView<T> g = model->gradient(i);
                VECNN_CHECK_CLOSE(g, matrix_of(f.values<T>("grad." + p.name), g.rows(), g.cols()), rtol);
            }
        }
    }
}

TEST_CASE_TEMPLATE("MaxPool2d: the first of equal maxima takes the gradient, NaN wins, -inf windows stay -inf", T,
                   float, double) {
    const T inf = std::numeric_limits<T>::infinity(), nan = std::numeric_limits<T>::quiet_NaN();
    // One (1, 2, 4) sample, pooled 2x2: windows {1,1,1,1}, {nan,5,7,nan}.
    const Matrix<T> x = {{T(1), T(1), nan, T(5), T(1), T(1), T(7), nan}};
    const Matrix<T> minus_inf = {{-inf, -inf, T(2), T(3), -inf, -inf, T(4), T(3)}};  // windows {-inf x4}, {2,3,4,3}
    const Matrix<T> dy = {{T(10), T(20)}};
    for (Engine engine : {Engine::loop, Engine::vectorized}) {
        CAPTURE(to_string(engine));
        MaxPool2d<T> pool({1, 2, 4}, 2, 2);
        pool.set_engine(engine);
        const Matrix<T> y = pool.forward(x);
        CHECK(y(0, 0) == T(1));
        CHECK(std::isnan(y(0, 1)));
        const Matrix<T> dx = pool.backward(dy);
        const Matrix<T> expected = {{T(10), T(0), T(0), T(0), T(0), T(0), T(0), T(20)}};  // the last NaN wins
        VECNN_CHECK_CLOSE(dx, expected, 0.0);
        const Matrix<T> y2 = pool.forward(minus_inf);
        CHECK(y2(0, 0) == -inf);
        CHECK(y2(0, 1) == T(4));
        const Matrix<T> dx2 = pool.backward(dy);
        const Matrix<T> expected2 = {{T(10), T(0), T(0), T(0), T(0), T(0), T(20), T(0)}};
        VECNN_CHECK_CLOSE(dx2, expected2, 0.0);
    }
}

TEST_CASE("image shapes flow through a model: (C, H, W) per layer, the widths chain, tokens read back") {
    auto model = build_model<float>("conv2d(1,8,3,p=1),relu,maxpool2d(2),conv2d(8,16,3,padding=1),relu,maxpool2d(2),"
                                    "flatten,linear(784,10)",
                                    0, {1, 28, 28});
    CHECK(model->describe() ==
          "conv2d(1,8,3,padding=1),relu,maxpool2d(2),conv2d(8,16,3,padding=1),relu,maxpool2d(2),flatten,linear(784,10)");
    CHECK(model->input_features() == 784);
    CHECK(model->input_shape() == SampleShape{1, 28, 28});
    CHECK(model->output_features(784) == 10);
    CHECK(model->layer(2).output_shape({8, 28, 28}) == SampleShape{8, 14, 14});
    CHECK(model->layer(6).output_shape({16, 7, 7}) == SampleShape{784});
    CHECK(model->layer(1).output_shape({8, 28, 28}) == SampleShape{8, 28, 28});  // elementwise keeps the shape
    CHECK(model->parameters()[0].name == "0.weight");
    CHECK(model->parameters()[0].dims == std::vector<std::size_t>{8, 1, 3, 3});
    CHECK(model->parameters()[2].name == "3.weight");
    CHECK(model->parameter_count() == 8 * 9 + 8 + 16 * 8 * 9 + 16 + 784 * 10 + 10);
    // stride and padding, positional or by keyword, odd sizes floor as PyTorch
    auto strided = build_model<double>("conv2d(3,2,3,2,1),maxpool2d(2,1)", 0, {3, 9, 8});
    CHECK(strided->describe() == "conv2d(3,2,3,stride=2,padding=1),maxpool2d(2,stride=1)");
    CHECK(strided->output_shape({3, 9, 8}) == SampleShape{2, 4, 3});
    // The same model built again from its description and shape has the same parameters.
    auto again = build_model<float>(model->describe(), 0, model->input_shape());
    CHECK(std::equal(model->parameter_data(), model->parameter_data() + model->parameter_count(),
                     again->parameter_data()));
}

TEST_CASE("Conv2d init: PyTorch's kaiming_uniform(a = sqrt 5) bound 1/sqrt(C k k), for weight and bias") {
    Conv2d<double> conv({4, 10, 10}, 6, 3, 1, 0, std::uint64_t{5});
    const double bound = 1.0 / std::sqrt(4.0 * 9.0);
    double largest = 0;
    for (std::size_t i = 0; i < conv.parameter_count(); ++i) largest = std::max(largest, std::abs(conv.parameter_data()[i]));
    CHECK(largest <= bound);
    CHECK(largest > 0.9 * bound);
}

TEST_CASE("bad image specs are refused naming the layer and the rule") {
    const SampleShape mnist{1, 28, 28};
    check_invalid_argument([] { build_model<float>("conv2d(1,8,3),flatten,linear(5408,10)"); },
                           {"layer 0", "conv2d", "(channels, height, width)", "--input-shape"});
    check_invalid_argument([&] { build_model<float>("conv2d(3,8,3)", 0, mnist); }, {"takes 3 channels", "(1, 28, 28)"});
    check_invalid_argument([&] { build_model<float>("conv2d(1,8,31)", 0, mnist); },
                           {"kernel 31 is larger than the padded input 28x28"});
    check_invalid_argument([&] { build_model<float>("conv2d(1,8,31,padding=1)", 0, mnist); },
                           {"larger than the padded input 30x30"});
    check_invalid_argument([&] { build_model<float>("conv2d(1,8,3,stride=0)", 0, mnist); }, {"stride must be positive"});
    check_invalid_argument([&] { build_model<float>("conv2d(1,8,3,padding=-1)", 0, mnist); }, {"non-negative integer"});
    check_invalid_argument([&] { build_model<float>("conv2d(1,8,3,p=1,padding=1)", 0, mnist); }, {"not both"});
    check_invalid_argument([&] { build_model<float>("conv2d(1,8,3,1,1,padding=1)", 0, mnist); }, {"given twice"});
    check_invalid_argument([&] { build_model<float>("conv2d(1,8)", 0, mnist); }, {"takes 3 to 5 arguments"});
    check_invalid_argument([&] { build_model<float>("conv2d(1,0,3)", 0, mnist); }, {"positive"});
    check_invalid_argument([&] { build_model<float>("maxpool2d(2,padding=2)", 0, mnist); },
                           {"more than half the kernel"});
    check_invalid_argument([&] { build_model<float>("maxpool2d(29)", 0, mnist); }, {"larger than the padded input"});
    check_invalid_argument([&] { build_model<float>("flatten,conv2d(1,8,3)", 0, mnist); },
                           {"layer 1", "receives (784,)"});
    check_invalid_argument([&] { build_model<float>("conv2d(1,8,3),flatten,linear(100,10)", 0, mnist); },
                           {"layer 2", "takes 100 features", "gives 5408"});
    check_invalid_argument([&] { build_model<float>("linear(100,10)", 0, mnist); },
                           {"takes 100 features but the input shape (1, 28, 28) has 784"});
    check_invalid_argument([&] { build_model<float>("relu", 0, {1, 0, 3}); }, {"zero dimension"});
    // The batch's rows must hold the whole sample.
    auto model = build_model<float>("conv2d(1,2,3)", 0, {1, 5, 5});
    const Matrix<float> wrong = test::filled<float>(2, 24, 1.0f);
    check_invalid_argument([&] { model->forward(wrong); }, {"conv2d(1,2,3)", "25"});
}
