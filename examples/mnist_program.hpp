// The MNIST example program, shared by examples/mnist (the 784-256-10 MLP,
// the main job) and examples/mnist_cnn (a small CNN): train a recipe on real
// digits printing per epoch the loss, training and test accuracy and
// samples/s; then the test accuracy, the confusion matrix, and both engines
// timed on the same short slice of the training (the same first steps from
// the same initialisation): samples/s and their ratio. --check fails below
// the recipe's bound.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>

#include "vecnn/data/idx.hpp"
#include "vecnn/nn/layer_spec.hpp"
#include "vecnn/nn/loss.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/nn/optimizer_factory.hpp"
#include "vecnn/nn/trainer.hpp"
#include "vecnn/nn/training_log.hpp"
#include "vecnn/tensor/bf16_gemm.hpp"
#include "vecnn/tensor/blas_core.hpp"
#include "vecnn/tensor/precision.hpp"
#include "vecnn/tensor/threads.hpp"
#include "vecnn/tensor/xsmm_gemm.hpp"

namespace vecnn::examples {

// What differs between the two programs.
struct MnistRecipe {
    const char* program;      // "mnist"
    const char* description;  // the --help line
    const char* spec;         // the model
    SampleShape input_shape;  // empty for flat rows
    double sgd_lr;            // the default lr of SGD (Adam's is 1e-3)
    double sgd_bound, adam_bound;  // --check's test accuracy bounds
};

struct Args {
    std::string data = "data/mnist";
    std::string optimizer = "sgd";
    double lr = 0;  // 0: 0.1 for sgd, 1e-3 for adam
    double momentum = 0.9;
    std::size_t epochs = 20, batch = 64, slice_steps = 40;
    std::uint64_t seed = 0;
    int threads = 2;
    std::string precision = "float32";
    bool check = false;
    double min_accuracy = 0;
    std::string log_json;
};

inline std::unique_ptr<Optimizer<float>> make(const MnistRecipe& r, const Args& a, Layer<float>& model) {
    OptimizerOptions o;
    o.lr = a.lr > 0 ? a.lr : (a.optimizer == "adam" ? 1e-3 : r.sgd_lr);
    if (a.optimizer == "sgd") o.momentum = a.momentum;
    return make_optimizer(model, a.optimizer, o);
}

// Samples/s of `steps` training steps from a fresh initialisation on `engine`.
inline double time_slice(const MnistRecipe& r, const Args& a, const DataSetView<float>& train, Engine engine) {
    auto model = build_model<float>(r.spec, a.seed, r.input_shape);
    CrossEntropy<float> loss;
    auto opt = make(r, a, *model);
    TrainOptions o;
    o.batch_size = a.batch;
    o.max_steps = a.slice_steps;
    o.seed = a.seed;
    Trainer<float> trainer(*model, loss, *opt, o);
    trainer.set_engine(engine);
    const auto start = std::chrono::steady_clock::now();
    trainer.fit(train);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return static_cast<double>(a.slice_steps * a.batch) / s;
}

inline void print_confusion(Layer<float>& model, const IdxDataset<float>& test) {
    std::size_t m[10][10] = {};
    model.set_training(false);
    const Matrix<float>& out = model.forward(test.images);
    for (std::size_t i = 0; i < test.labels.size(); ++i) ++m[test.labels[i]][argmax_row<float>(out, i)];
    std::printf("confusion matrix (rows: true digit, columns: predicted)\n     ");
    for (int j = 0; j < 10; ++j) std::printf("%5d", j);
    std::printf("\n");
    for (int i = 0; i < 10; ++i) {
        std::printf("%5d", i);
        for (int j = 0; j < 10; ++j) std::printf("%5zu", m[i][j]);
        std::printf("\n");
    }
}

inline int run_mnist(const MnistRecipe& r, int argc, char** argv) {
    CLI::App app{r.description};
    Args a;
    app.add_option("--data", a.data, "folder with the four MNIST IDX files (data/fetch_mnist.sh makes them)");
    app.add_option("--optimizer", a.optimizer, "sgd | adam")->check(CLI::IsMember({"sgd", "adam"}));
    app.add_option("--lr", a.lr, "learning rate (default " + format_number(r.sgd_lr) + " for sgd, 1e-3 for adam)")
        ->check(CLI::PositiveNumber);
    app.add_option("--momentum", a.momentum, "sgd momentum")->check(CLI::NonNegativeNumber);
    app.add_option("--epochs", a.epochs, "epochs")->check(CLI::PositiveNumber);
    app.add_option("--batch-size", a.batch, "rows per step")->check(CLI::PositiveNumber);
    app.add_option("--slice-steps", a.slice_steps, "steps timed on both engines for the ratio")
        ->check(CLI::PositiveNumber);
    app.add_option("--seed", a.seed, "seed for initialisation and shuffling");
    app.add_option("--threads", a.threads, "compute threads")->check(CLI::PositiveNumber);
    app.add_option("--precision", a.precision,
                   "float32 | bf16: the GEMMs' operands (bf16: rounded to bfloat16, float32 sums and parameters)")
        ->check(CLI::IsMember({"float32", "bf16"}));
    app.add_flag("--check", a.check,
                 "exit non-zero below the target test accuracy (" + format_number(100 * r.sgd_bound) + "% sgd, " +
                     format_number(100 * r.adam_bound) + "% adam)");
    app.add_option("--min-accuracy", a.min_accuracy, "exit non-zero below this test accuracy (0..1)")
        ->check(CLI::Range(0.0, 1.0));
    app.add_option("--log-json", a.log_json, "one JSON object per epoch to this file");
    CLI11_PARSE(app, argc, argv);

    try {
        set_compute_threads(a.threads);
        set_matmul_precision(matmul_precision_from_string(a.precision));
        const MnistData<float> data = load_mnist<float>(a.data);
        const auto train = DataSetView<float>::with_labels(data.train.images, data.train.labels);
        const auto test = DataSetView<float>::with_labels(data.test.images, data.test.labels);

        auto model = build_model<float>(r.spec, a.seed, r.input_shape);
        CrossEntropy<float> loss;
        auto opt = make(r, a, *model);
        TrainOptions o;
        o.batch_size = a.batch;
        o.epochs = a.epochs;
        o.seed = a.seed;
        Trainer<float> trainer(*model, loss, *opt, o);
        TrainingLogOptions lo;
        lo.json_path = a.log_json;
        lo.total_epochs = a.epochs;
        TrainingLog log(lo);
        log.attach(trainer);
        std::printf("MNIST: %zu training and %zu test digits from %s\n", train.rows(), test.rows(), a.data.c_str());
        std::printf("model %s, %s, batch %zu, %zu epochs, vectorized engine, %d compute threads, %s GEMMs by %s, "
                    "OpenBLAS kernels %s\n",
                    r.spec, opt->describe().c_str(), a.batch, a.epochs, a.threads, a.precision.c_str(),
                    a.precision == "bf16" ? bf16_gemm_description().c_str() : gemm_library_description().c_str(),
                    vecnn::blas_core_description().c_str());
        trainer.fit(train, &test);

        const Evaluation final_test = trainer.evaluate(test);
        std::printf("test accuracy: %.2f%% (loss %.4f)\n", 100 * final_test.accuracy, final_test.loss);
        print_confusion(*model, data.test);

        const double vec = time_slice(r, a, train, Engine::vectorized);
        const double loop = time_slice(r, a, train, Engine::loop);
        std::printf("same %zu training steps (batch %zu) from the same initialisation:\n", a.slice_steps, a.batch);
        std::printf("  vectorized %10.0f samples/s\n  loop       %10.0f samples/s\n", vec, loop);
        std::printf("  vectorized/loop speed ratio: %.1fx\n", vec / loop);

        double bound = a.min_accuracy;
        if (a.check) bound = std::max(bound, a.optimizer == "adam" ? r.adam_bound : r.sgd_bound);
        if (bound > 0 && !(final_test.accuracy >= bound)) {
            std::fprintf(stderr, "%s: FAILED, test accuracy %.2f%% is below %.2f%%\n", r.program,
                         100 * final_test.accuracy, 100 * bound);
            return 1;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: error: %s\n", r.program, e.what());
        return 1;
    }
    return 0;
}

}  // namespace vecnn::examples
