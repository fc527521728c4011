// vecnn gradcheck: the finite-difference gradient checker on random data.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "nn/gradcheck.hpp"
#include "nn/model_spec.hpp"
#include "tensor/random.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/options.hpp"

namespace vecnn::cli {
namespace {

struct GradcheckArgs {
    std::string model;
    std::string loss = "cross-entropy";
    std::string engine = "vectorized";
    std::size_t batch = 4;
    std::uint64_t seed = 0;
    GradCheckOptions check;
};

void run(const GradcheckArgs& a) {
    const SpecFeatures features = spec_features(a.model);
    auto model = build_model<double>(a.model, a.seed);
    model->set_engine(engine_from_string(a.engine));
    auto loss = make_loss<double>(a.loss);
    loss->set_engine(engine_from_string(a.engine));

    Rng rng(a.seed + 1);
    Matrix<double> x = Matrix<double>::from_shape({a.batch, features.inputs});
    for (auto& v : x) v = rng.uniform(-1, 1);
    std::vector<std::int64_t> labels(a.batch);
    Matrix<double> rows = Matrix<double>::from_shape({a.batch, features.outputs});
    const bool use_labels = loss->describe() == "cross-entropy";
    if (use_labels) {
        for (auto& l : labels) l = static_cast<std::int64_t>(rng.below(features.outputs));
    } else {
        for (auto& v : rows) v = rng.uniform(-1, 1);
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

}  // namespace

void add_gradcheck_command(CLI::App& app) {
    auto args = std::make_shared<GradcheckArgs>();
    auto* cmd = app.add_subcommand("gradcheck", "check a model's gradients against central differences (float64)");
    cmd->add_option("--model", args->model, "layer list, e.g. linear(4,8),tanh,linear(8,3)")->required();
    cmd->add_option("--loss", args->loss, "cross-entropy | mse")->check(CLI::IsMember({"cross-entropy", "mse"}));
    add_engine_option(*cmd, args->engine);
    cmd->add_option("--batch", args->batch, "rows of random input")->check(CLI::PositiveNumber);
    cmd->add_option("--seed", args->seed, "seed for parameters and data");
    cmd->add_option("--eps", args->check.eps, "finite-difference step")->check(CLI::PositiveNumber);
    cmd->add_option("--atol", args->check.atol, "absolute tolerance")->check(CLI::NonNegativeNumber);
    cmd->add_option("--rtol", args->check.rtol, "relative tolerance")->check(CLI::NonNegativeNumber);
    cmd->callback([args] { run(*args); });
}

}  // namespace vecnn::cli
