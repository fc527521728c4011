// vecnn gradcheck: the finite-difference gradient checker on random data, of
// a whole model with its loss (--model) or of layers on both engines (--layer).
#include <CLI/CLI.hpp>

#include <cstdio>

#include "tools/cli/commands.hpp"
#include "tools/cli/options.hpp"
#include "vecnn/nn/gradcheck.hpp"
#include "vecnn/nn/layer_check.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/tensor/random.hpp"

namespace vecnn::cli {
namespace {

struct GradcheckArgs {
    SampleShape input_shape;
    std::string model, layer;
    std::string loss = "cross-entropy";
    std::string engine = "vectorized";
    std::size_t batch = 4;
    std::uint64_t seed = 0;
    GradCheckOptions check;
};

void check_model(const GradcheckArgs& a) {
    auto model = build_model<double>(a.model, a.seed, a.input_shape);
    auto loss = make_loss<double>(a.loss);
    const SpecFeatures features = model_features(*model);
    model->set_engine(engine_from_string(a.engine));
    loss->set_engine(engine_from_string(a.engine));

    Rng rng(a.seed + 1);
    Matrix<double> x = Matrix<double>::from_shape({a.batch, features.inputs});
    for (auto& v : x) v = rng.uniform(-1, 1);
    std::vector<std::int64_t> labels(a.batch);
    Matrix<double> rows = Matrix<double>::from_shape({a.batch, features.outputs});
    const bool use_labels = !loss_needs_rows(a.loss);
    if (use_labels) {
        for (auto& l : labels) l = static_cast<std::int64_t>(rng.below(features.outputs));
    } else {
        // Binary targets are probabilities; the others any value.
        for (auto& v : rows) v = a.loss == "bce-with-logits" ? rng.uniform(0, 1) : rng.uniform(-1, 1);
    }
    GradCheckOptions options = a.check;
    options.seed = a.seed + 2;
    const auto report = use_labels ? check_gradients(*model, *loss, x, Targets<double>(labels), options)
                                   : check_gradients(*model, *loss, x, Targets<double>(rows), options);
    std::printf("gradcheck %s, loss %s, engine %s, batch %zu, float64, eps %g atol %g rtol %g\n",
                model->describe().c_str(), loss->describe().c_str(), a.engine.c_str(), a.batch, options.eps,
                options.atol, options.rtol);
    std::fputs(report.table().c_str(), stdout);
    if (!report.passed) throw CommandVerdict{1};
}

void check_layers(const GradcheckArgs& a) {
    LayerCheckOptions options;
    options.gradcheck = a.check;
    options.seed = a.seed + 1;
    options.input_shape = a.input_shape;
    const LayerCheckReport report = check_layer(a.layer, options);
    std::printf("check_layer %s: float64 gradients on both engines, loop against vectorized (float64 and float32)\n",
                report.layer.c_str());
    std::fputs(report.table().c_str(), stdout);
    if (!report.passed) throw CommandVerdict{1};
}

}  // namespace

void add_gradcheck_command(CLI::App& app) {
    auto args = std::make_shared<GradcheckArgs>();
    auto* cmd = app.add_subcommand("gradcheck", "check gradients against central differences (float64)");
    auto* model = add_model_option(*cmd, args->model, "the model to check with its loss: ");
    auto* layer = cmd->add_option("--layer", args->layer,
                                  "instead: layers to check on both engines (check_layer), e.g. 'tanh' or 'linear(4,3)'");
    model->excludes(layer);
    add_input_shape_option(*cmd, args->input_shape);
    cmd->add_option("--loss", args->loss, "the loss (with --model), e.g. cross-entropy, mse, nll, huber")
        ->check(CLI::IsMember(loss_names()));
    add_engine_option(*cmd, args->engine);
    cmd->add_option("--batch", args->batch, "rows of random input (with --model)")->check(whole_number(1, 100000));
    cmd->add_option("--seed", args->seed, "seed for parameters and data")->check(whole_number(0, UINT64_MAX - 2));
    cmd->add_option("--eps", args->check.eps, "finite-difference step")->check(CLI::PositiveNumber);
    cmd->add_option("--atol", args->check.atol, "absolute tolerance")->check(CLI::NonNegativeNumber);
    cmd->add_option("--rtol", args->check.rtol, "relative tolerance")->check(CLI::NonNegativeNumber);
    cmd->callback([args, model, layer] {
        if (model->count() == 0 && layer->count() == 0) throw CommandError("gradcheck needs --model or --layer");
        if (layer->count() > 0) {
            check_layers(*args);
        } else {
            check_model(*args);
        }
    });
}

}  // namespace vecnn::cli
