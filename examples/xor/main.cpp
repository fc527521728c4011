// examples/xor: a 2-8-2 tanh network learns XOR, on both engines.
//
// The same model (same seed, same initial parameters) is trained once with
// the vectorized engine and once with the loop reference; the program prints
// each run's loss, accuracy and time, and the loop/vectorized time ratio.
// On four samples the BLAS call overhead dominates, so do not expect the
// vectorized engine to win here: the MNIST example is where it pays.
// --check exits non-zero unless both engines reach 100% accuracy.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>

#include "vecnn/data/generators.hpp"
#include "vecnn/nn/loss.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/nn/sgd.hpp"
#include "vecnn/nn/trainer.hpp"

namespace {

struct RunResult {
    double loss;
    double accuracy;
    double seconds;
};

RunResult train(vecnn::Engine engine, std::size_t epochs, std::uint64_t seed) {
    using namespace vecnn;
    const auto data = make_xor<float>();
    auto model = build_model<float>("linear(2,8),tanh,linear(8,2)", seed);
    CrossEntropy<float> loss;
    SGD<float> sgd(*model, SgdOptions{0.5, 0.9, 0, 0, false});
    TrainOptions options;
    options.batch_size = 4;  // full batch
    options.epochs = epochs;
    options.shuffle = false;
    Trainer<float> trainer(*model, loss, sgd, options);
    trainer.set_engine(engine);
    const auto view = DataSetView<float>::with_labels(data.x, data.labels);
    const auto start = std::chrono::steady_clock::now();
    trainer.fit(view);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const Evaluation e = trainer.evaluate(view);
    return {e.loss, e.accuracy, seconds};
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Train a 2-8-2 tanh network on XOR with both engines"};
    bool check = false;
    std::size_t epochs = 500;
    std::uint64_t seed = 1;
    app.add_flag("--check", check, "exit non-zero unless both engines reach 100% accuracy");
    app.add_option("--epochs", epochs, "full-batch SGD steps")->check(CLI::PositiveNumber);
    app.add_option("--seed", seed, "initialisation seed");
    CLI11_PARSE(app, argc, argv);

    try {
        const RunResult vec = train(vecnn::Engine::vectorized, epochs, seed);
        const RunResult loop = train(vecnn::Engine::loop, epochs, seed);
        std::printf("XOR, linear(2,8),tanh,linear(8,2), SGD lr 0.5 momentum 0.9, %zu full-batch steps\n", epochs);
        std::printf("%-11s %10s %9s %10s\n", "engine", "loss", "accuracy", "seconds");
        std::printf("%-11s %10.6f %8.1f%% %10.4f\n", "vectorized", vec.loss, 100 * vec.accuracy, vec.seconds);
        std::printf("%-11s %10.6f %8.1f%% %10.4f\n", "loop", loop.loss, 100 * loop.accuracy, loop.seconds);
        std::printf("loop/vectorized time ratio: %.2f\n", loop.seconds / vec.seconds);
        if (check && (vec.accuracy < 1.0 || loop.accuracy < 1.0)) {
            std::fprintf(stderr, "xor --check: FAILED, accuracy below 100%%\n");
            return 1;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "xor: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
