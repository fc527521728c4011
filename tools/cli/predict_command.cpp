// vecnn predict: a trained model's outputs for every row of a features file.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "vecnn/nn/checkpoint.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/data/npy.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/model_data.hpp"
#include "tools/cli/options.hpp"

namespace vecnn::cli {
namespace {

struct PredictArgs {
    SampleShape input_shape;
    std::string model, params, x, out;
    std::string dtype = "float32", engine = "vectorized";
    std::size_t batch = 1024;
};

template <class T>
void run(const PredictArgs& a) {
    auto model = build_model<T>(a.model, 0, a.input_shape);
    model->set_engine(engine_from_string(a.engine));
    model->set_training(false);  // evaluation mode: no dropout
    load_parameters(*model, a.params);
    const SpecFeatures features = model_features(*model);
    const Matrix<T> x = load_model_features<T>(features, a.x, "--x");
    const std::size_t rows = x.shape()[0], cols = x.shape()[1];
    const std::size_t outputs = features.outputs;
    std::vector<T> out(rows * outputs);
    for (std::size_t start = 0; start < rows; start += a.batch) {  // bounded memory for large files
        const std::size_t m = std::min(a.batch, rows - start);
        const Matrix<T>& y = model->forward(ConstView<T>(x.data() + start * cols, m, cols));
        std::copy(y.begin(), y.end(), out.begin() + static_cast<std::ptrdiff_t>(start * outputs));
    }
    write_npy(a.out, make_npy(out.data(), {rows, outputs}));
    // The array itself may be on standard output (-, /dev/stdout, /dev/fd/1):
    // the report goes to stderr then.
    const bool to_stdout = a.out == "-" || a.out.rfind("/dev/", 0) == 0 || a.out.rfind("/proc/", 0) == 0;
    std::fprintf(to_stdout ? stderr : stdout, "wrote %zu x %zu outputs to %s\n", rows, outputs, a.out.c_str());
}

}  // namespace

void add_predict_command(CLI::App& app) {
    auto a = std::make_shared<PredictArgs>();
    auto* cmd = app.add_subcommand("predict", "write a model's outputs for every row of a features file");
    add_model_option(*cmd, a->model, "the model the parameters were trained with: ")->required();
    add_input_shape_option(*cmd, a->input_shape);
    cmd->add_option("--params", a->params, "parameters (.npz, state_dict keys)")->required()->check(non_empty_path());
    cmd->add_option("--x", a->x, "features: .npy, CSV or MNIST IDX (a file, a pipe, or - for stdin)")
        ->required()
        ->check(non_empty_path());
    cmd->add_option("--out", a->out, "output .npy, (rows, outputs); - for standard output")
        ->required()
        ->check(non_empty_path());
    add_dtype_option(*cmd, a->dtype);
    add_engine_option(*cmd, a->engine);
    cmd->add_option("--batch", a->batch, "rows per forward pass")->check(whole_number(1, kMaxCount));
    add_input_limit_options(*cmd);
    cmd->callback([a] {
        if (a->dtype == "float64") {
            run<double>(*a);
        } else {
            run<float>(*a);
        }
    });
}

}  // namespace vecnn::cli
