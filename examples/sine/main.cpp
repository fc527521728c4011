// examples/sine: regression of sin(x) on [-pi, pi] with a 1-32-32-1 tanh
// network and MSE, Adam. Target: held-out MSE below 1e-3 on both engines
// (--check exits non-zero above it). The bound is what this recipe reaches
// with room to spare (typically ~1e-4), yet far below the 0.5 MSE of
// predicting zero: a model that has not learned the curve fails.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "vecnn/data/generators.hpp"
#include "examples/example_util.hpp"

namespace {
const char* kSpec = "linear(1,32),tanh,linear(32,32),tanh,linear(32,1)";
constexpr double kBound = 1e-3;
}  // namespace

int main(int argc, char** argv) {
    using namespace vecnn;
    CLI::App app{"Sine regression: a 1-32-32-1 tanh network trained with MSE and Adam on both engines"};
    bool check = false;
    std::size_t epochs = 200, points = 1000;
    std::uint64_t seed = 1;
    app.add_flag("--check", check, "exit non-zero unless both engines reach held-out MSE < 1e-3");
    app.add_option("--epochs", epochs, "epochs")->check(CLI::PositiveNumber);
    app.add_option("--points", points, "training points")->check(CLI::PositiveNumber);
    app.add_option("--seed", seed, "seed for data, initialisation and shuffling");
    CLI11_PARSE(app, argc, argv);

    try {
        const auto train_data = make_sine<float>(points, seed);
        const auto test_data = make_sine<float>(500, seed + 1000);
        const auto train_view = DataSetView<float>::with_rows(train_data.x, train_data.y);
        const auto test_view = DataSetView<float>::with_rows(test_data.x, test_data.y);
        auto train = [&](Engine engine) {
            return examples::train_with_adam<float>(kSpec, engine, "mse", epochs, seed, train_view, test_view);
        };
        const auto vec = examples::timed_run(Engine::vectorized, train);
        const auto loop = examples::timed_run(Engine::loop, train);
        std::printf("sin(x) on [-pi, pi], %zu points, %s, Adam lr 0.01, batch 32, %zu epochs (held-out MSE)\n",
                    points, kSpec, epochs);
        examples::print_comparison(vec, loop, false);
        if (check && (!(vec.result.loss < kBound) || !(loop.result.loss < kBound))) {
            std::fprintf(stderr, "sine --check: FAILED, held-out MSE not below %g\n", kBound);
            return 1;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sine: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
