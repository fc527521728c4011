// The model summary: per-layer widths, parameters, FLOPs and activation
// memory by hand for an MLP, totals that add up, and the errors; `vecnn
// summary` and the table at the start of `vecnn train`.
#include <doctest/doctest.h>

#include <string>

#include "tests/cli_runner.hpp"
#include "tests/test_util.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/nn/model_summary.hpp"

using namespace vecnn;

TEST_CASE_TEMPLATE("summary of an MLP: widths, parameters, FLOPs and activations by hand", T, float, double) {
    const auto model = build_model<T>("linear(784,256),gelu,linear(256,10),log_softmax");
    const ModelSummary s = summarize(*model);
    CHECK(s.input_features == 784);
    REQUIRE(s.layers.size() == 4);
    CHECK(s.layers[0].layer == "linear(784,256)");
    CHECK(s.layers[0].output_features == 256);
    CHECK(s.layers[0].parameters == 784 * 256 + 256);
    CHECK(s.layers[0].flops_per_sample == 2.0 * 784 * 256 + 256);
    CHECK(s.layers[1].flops_per_sample == 256);
    CHECK(s.layers[2].flops_per_sample == 2.0 * 256 * 10 + 10);
    CHECK(s.layers[3].output_features == 10);
    CHECK(s.layers[1].activation_bytes_per_sample == 256 * sizeof(T));
    CHECK(s.parameters == model->parameter_count());
    CHECK(s.parameter_bytes == model->parameter_count() * sizeof(T));
    CHECK(s.flops_per_sample == 2.0 * 784 * 256 + 256 + 256 + 2.0 * 256 * 10 + 10 + 10);
    CHECK(s.activation_bytes_per_sample == (256 + 256 + 10 + 10) * sizeof(T));
    const std::string table = s.table();
    CHECK(table.find("linear(784,256)") != std::string::npos);
    CHECK(table.find("200,960") != std::string::npos);  // the first layer's parameters, grouped
    CHECK(table.find("203,530") != std::string::npos);  // the total
}

TEST_CASE("summary of a CNN: output shapes (C, H, W), convolution FLOPs and parameters by hand") {
    const auto model = build_model<float>("conv2d(1,8,3,padding=1),relu,maxpool2d(2),dropout(0.5),flatten,linear(1568,10)",
                                          0, {1, 28, 28});
    const ModelSummary s = summarize(*model);
    CHECK(s.input_features == 784);
    CHECK(s.input_shape == SampleShape{1, 28, 28});
    REQUIRE(s.layers.size() == 6);
    CHECK(s.layers[0].output_shape == SampleShape{8, 28, 28});
    CHECK(s.layers[0].parameters == 8 * 9 + 8);
    CHECK(s.layers[0].flops_per_sample == 8.0 * 784 * (2 * 9 + 1));  // a multiply-add per weight and pixel, the bias
    CHECK(s.layers[1].output_shape == SampleShape{8, 28, 28});
    CHECK(s.layers[2].output_shape == SampleShape{8, 14, 14});
    CHECK(s.layers[2].flops_per_sample == 8.0 * 196 * 4);              // one comparison per window element
    CHECK(s.layers[3].output_shape == SampleShape{8, 14, 14});
    CHECK(s.layers[4].output_shape == SampleShape{1568});
    CHECK(s.layers[5].output_features == 10);
    const std::string table = s.table();
    CHECK(table.find("1x28x28") != std::string::npos);
    CHECK(table.find("8x14x14") != std::string::npos);
}

TEST_CASE("summary errors: a first layer of any width needs the input width; widths that do not fit") {
    const auto any_width = build_model<float>("relu,linear(4,2)");
    test::check_invalid_argument([&] { summarize(*any_width); }, {"relu", "input width"});
    CHECK(summarize(*any_width, 4).layers[1].output_features == 2);
    test::check_invalid_argument([&] { summarize(*any_width, 5); }, {"4", "5"});
}

TEST_CASE("vecnn summary prints the table; vecnn train starts with it; bad shapes are refused") {
    const auto r = test::run_vecnn("summary --model 784-256-10");
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("linear(784,256)") != std::string::npos);
    CHECK(r.out.find("203,530") != std::string::npos);
    CHECK(r.out.find("407,050") != std::string::npos);
    const auto shaped = test::run_vecnn("summary --model 'relu,linear(784,10)' --input-shape 1,28,28");
    CHECK(shaped.status == 0);
    CHECK(shaped.out.find("784") != std::string::npos);
    const auto zero = test::run_vecnn("summary --model 784-10 --input-shape 0,28");
    CHECK(zero.status != 0);
    CHECK(zero.err.find("--input-shape") != std::string::npos);
    const auto unknown = test::run_vecnn("summary --model 'relu,linear(4,2)'");
    CHECK(unknown.status != 0);
    CHECK(unknown.err.find("--input-shape") != std::string::npos);
}
