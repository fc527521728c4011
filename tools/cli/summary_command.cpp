// vecnn summary: the model summary table (nn/model_summary.hpp) of a spec.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "tools/cli/commands.hpp"
#include "tools/cli/options.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/nn/model_summary.hpp"

namespace vecnn::cli {
namespace {

struct SummaryArgs {
    std::string model, dtype = "float32";
    std::vector<std::size_t> input_shape;
};

// "1,28,28" -> 784: the features per sample of a row-major input.
std::size_t features_of(const std::vector<std::size_t>& shape) {
    std::size_t n = 1;
    for (std::size_t d : shape) {
        if (d == 0 || n > kMaxCount / d) throw CommandError("--input-shape: every size must be 1 or more, and "
                                                            "their product at most " + std::to_string(kMaxCount));
        n *= d;
    }
    return n;
}

template <class T>
void run(const SummaryArgs& a) {
    const std::size_t features = a.input_shape.empty() ? 0 : features_of(a.input_shape);
    // A (C, H, W) shape builds the image layers; a width alone may feed a model that takes any width.
    const auto model = build_model<T>(a.model, 0, a.input_shape.size() > 1 ? a.input_shape : SampleShape{});
    const ModelSummary s = summarize(*model, features);
    std::printf("%s, %s\n", model->describe().c_str(), a.dtype.c_str());
    std::fputs(s.table().c_str(), stdout);
}

}  // namespace

void add_summary_command(CLI::App& app) {
    auto a = std::make_shared<SummaryArgs>();
    auto* cmd = app.add_subcommand("summary", "per layer: output shape, parameters, FLOPs and activation memory");
    add_model_option(*cmd, a->model)->required();
    default_in_text(cmd->add_option("--input-shape", a->input_shape,
                                    "features per sample, or its shape (e.g. 1,28,28: channels, height, width, as "
                                    "conv2d needs); default: the first layer's width"))
        ->delimiter(',');
    add_dtype_option(*cmd, a->dtype);
    cmd->callback([a] {
        if (a->dtype == "float64") {
            run<double>(*a);
        } else {
            run<float>(*a);
        }
    });
}

}  // namespace vecnn::cli
