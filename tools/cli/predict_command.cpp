// vecnn predict: a trained model's outputs for every row of a features file.
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>

#include "vecnn/nn/checkpoint.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/data/npy.hpp"
#include "vecnn/tensor/kernels.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/model_data.hpp"
#include "tools/cli/options.hpp"
#include "tools/cli/standardize.hpp"

namespace vecnn::cli {
namespace {

struct PredictArgs {
    SampleShape input_shape;
    std::string model, params, x, y, out;
    std::string output = "logits";
    std::string dtype = "float32", engine = "vectorized";
    std::size_t batch = 1024;
};

// The spec to build: the file's (vecnn.model), or --model; both must agree.
// The sample shape likewise: --input-shape, else the file's (vecnn.input_shape).
template <class T>
std::unique_ptr<Sequential<T>> build_for(const PredictArgs& a, const ModelMetadata& meta) {
    if (!a.input_shape.empty() && !meta.input_shape.empty() && a.input_shape != meta.input_shape) {
        throw CommandError("--input-shape " + shape_string(a.input_shape) + " disagrees with the input shape saved in "
                           "--params " + a.params + ", " + shape_string(meta.input_shape));
    }
    const SampleShape& shape = a.input_shape.empty() ? meta.input_shape : a.input_shape;
    if (a.model.empty()) {
        if (meta.spec.empty()) {
            throw CommandError("--params " + a.params + " holds no model spec (saved by an older vecnn, or by "
                               "another tool): give the model with --model");
        }
        return build_model<T>(meta.spec, 0, shape);
    }
    auto model = build_model<T>(a.model, 0, shape);
    if (!meta.spec.empty() && model->describe() != meta.spec) {
        throw CommandError("--model " + model->describe() + " disagrees with the model saved in --params " + a.params +
                           ", " + meta.spec + " (leave --model out to use the saved one)");
    }
    return model;
}

// The model's outputs for every row, in batches of a.batch rows (bounded memory for large files).
template <class T>
std::vector<T> forward_all(const PredictArgs& a, Layer<T>& model, const Matrix<T>& x, std::size_t outputs) {
    const std::size_t rows = x.shape()[0], cols = x.shape()[1];
    std::vector<T> out(rows * outputs);
    for (std::size_t start = 0; start < rows; start += a.batch) {
        const std::size_t m = std::min(a.batch, rows - start);
        const Matrix<T>& y = model.forward(ConstView<T>(x.data() + start * cols, m, cols));
        std::copy(y.begin(), y.end(), out.begin() + static_cast<std::ptrdiff_t>(start * outputs));
    }
    return out;
}

template <class V>
std::size_t argmax(const V* row, std::size_t n) {
    std::size_t best = 0;
    for (std::size_t j = 1; j < n; ++j) best = row[j] > row[best] ? j : best;
    return best;
}

// Class probabilities from the outputs: softmax of logits; a model that ends
// in softmax already gives them, one that ends in log_softmax their logs.
template <class T>
void to_probabilities(std::vector<T>& out, std::size_t rows, std::size_t outputs, const std::string& last_layer,
                      Engine engine) {
    if (last_layer == "softmax") return;
    if (last_layer == "log_softmax") {
        for (T& v : out) v = std::exp(v);
        return;
    }
    const std::vector<T> logits = out;
    kernels<T>(engine).softmax_forward(ConstView<T>(logits.data(), rows, outputs), View<T>(out.data(), rows, outputs));
}

template <class T>
NpyArray output_array(const PredictArgs& a, const Sequential<T>& model, std::vector<T>& out, std::size_t rows,
                      std::size_t outputs) {
    if (a.output != "logits" && outputs < 2) {
        throw CommandError("--output " + a.output + " needs a model with 2 or more outputs (classes); " +
                           model.describe() + " has " + std::to_string(outputs));
    }
    if (a.output == "indices") {
        std::vector<std::int64_t> indices(rows);
        for (std::size_t i = 0; i < rows; ++i) indices[i] = static_cast<std::int64_t>(argmax(&out[i * outputs], outputs));
        return make_npy(indices.data(), {rows});
    }
    if (a.output == "probabilities") {
        to_probabilities(out, rows, outputs, model.layer(model.size() - 1).describe(), model.engine());
    }
    return make_npy(out.data(), {rows, outputs});
}

// Rows whose largest output is at the label (or at the largest target value).
template <class T>
std::size_t correct_rows(const std::vector<T>& out, std::size_t outputs, const TargetData<T>& y) {
    std::size_t correct = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        const std::size_t want = y.is_labels ? static_cast<std::size_t>(y.labels[i]) : argmax(&y.rows(i, 0), outputs);
        correct += argmax(&out[i * outputs], outputs) == want;
    }
    return correct;
}

template <class T>
void predict(const PredictArgs& a, Sequential<T>& model, const ModelMetadata& meta, Matrix<T>& x,
             const TargetData<T>* y) {
    standardize(x, meta, "--x " + a.x + " with the statistics of --params " + a.params);
    const std::size_t rows = x.shape()[0], outputs = model_features(model).outputs;
    std::vector<T> out = forward_all(a, model, x, outputs);
    const std::size_t correct = y ? correct_rows(out, outputs, *y) : 0;
    write_npy(a.out, output_array(a, model, out, rows, outputs));
    // The array itself may be on standard output (-, /dev/stdout, /dev/fd/1):
    // the report goes to stderr then.
    const bool to_stdout = a.out == "-" || a.out.rfind("/dev/", 0) == 0 || a.out.rfind("/proc/", 0) == 0;
    FILE* report = to_stdout ? stderr : stdout;
    if (a.output == "indices") {
        std::fprintf(report, "wrote %zu class indices to %s\n", rows, a.out.c_str());
    } else {  // the default's line as it always was
        std::fprintf(report, "wrote %zu x %zu %s to %s\n", rows, outputs,
                     a.output == "logits" ? "outputs" : a.output.c_str(), a.out.c_str());
    }
    if (y) {
        std::fprintf(report, "accuracy %.2f%% (%zu of %zu rows)\n", 100.0 * static_cast<double>(correct) /
                     static_cast<double>(rows), correct, rows);
    }
}

template <class T>
void run(const PredictArgs& a) {
    const NamedArrays arrays = read_npz(a.params);
    const ModelMetadata meta = read_metadata(arrays, a.params);
    auto model = build_for<T>(a, meta);
    model->set_engine(engine_from_string(a.engine));
    model->set_training(false);  // evaluation mode: no dropout
    assign_parameters(*model, arrays, a.params);
    const SpecFeatures features = model_features(*model);
    if (a.y.empty()) {
        Matrix<T> x = load_model_features<T>(features, a.x, "--x");
        predict<T>(a, *model, meta, x, nullptr);
    } else {  // class indices, or target rows whose largest value is the class
        ModelData<T> d = load_model_data<T>(features, "cross-entropy", a.x, a.y, "--x", "--y");
        predict<T>(a, *model, meta, d.features, &d.targets);
    }
}

}  // namespace

void add_predict_command(CLI::App& app) {
    auto a = std::make_shared<PredictArgs>();
    auto* cmd = app.add_subcommand("predict", "write a model's outputs for every row of a features file");
    add_model_option(*cmd, a->model,
                     "the model the parameters were trained with (default: the one saved in --params): ");
    add_input_shape_option(*cmd, a->input_shape);
    cmd->add_option("--params", a->params, "parameters (.npz, state_dict keys)")->required()->check(non_empty_path());
    cmd->add_option("--x", a->x, "features: .npy, CSV or MNIST IDX (a file, a pipe, or - for stdin)")
        ->required()
        ->check(non_empty_path());
    cmd->add_option("--y", a->y, "class indices (or one-hot rows) of --x: prints the accuracy")->check(non_empty_path());
    cmd->add_option("--out", a->out, "output .npy, (rows, outputs) or (rows,) of indices; - for standard output")
        ->required()
        ->check(non_empty_path());
    cmd->add_option("--output", a->output,
                    "what to write: logits (the model's outputs as they are, as before this option) | probabilities "
                    "(softmax of them; as they are after softmax, exp after log_softmax) | indices (the largest "
                    "output's, int64)")
        ->check(CLI::IsMember({"logits", "probabilities", "indices"}));
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
