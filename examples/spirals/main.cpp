// examples/spirals: two interleaved spirals, a 2-64-64-2 tanh network, Adam.
// Target: >= 99% training accuracy on both engines (--check exits non-zero below it).
// --save-regions FILE writes the decision regions on a 200x200 grid and the
// training points as CSV (header "kind,x,y,class"; kind is "grid" or "point")
// for tools/plot.py regions.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>

#include "vecnn/data/generators.hpp"
#include "examples/example_util.hpp"

namespace {
const char* kSpec = "linear(2,64),tanh,linear(64,64),tanh,linear(64,2)";
constexpr double kTarget = 0.99;
}  // namespace

int main(int argc, char** argv) {
    using namespace vecnn;
    CLI::App app{"Two spirals: a 2-64-64-2 tanh network trained with Adam on both engines"};
    bool check = false;
    std::size_t epochs = 100, points = 400;
    std::uint64_t seed = 1;
    std::string regions_path;
    app.add_flag("--check", check, "exit non-zero unless both engines reach 99% training accuracy");
    app.add_option("--epochs", epochs, "epochs")->check(CLI::PositiveNumber);
    app.add_option("--points", points, "points per spiral")->check(CLI::PositiveNumber);
    app.add_option("--seed", seed, "seed for data, initialisation and shuffling");
    app.add_option("--save-regions", regions_path, "CSV of the decision regions and the points, for plotting");
    CLI11_PARSE(app, argc, argv);

    try {
        const auto data = make_spirals<float>(points, 1.5, 0.02, seed);
        const auto view = DataSetView<float>::with_labels(data.x, data.labels);
        std::unique_ptr<Sequential<float>> kept;
        auto train = [&](Engine engine) {
            // keep the vectorized model, for the regions
            return examples::train_with_adam<float>(kSpec, engine, "cross-entropy", epochs, seed, view, view,
                                                    engine == Engine::vectorized ? &kept : nullptr);
        };
        const auto vec = examples::timed_run(Engine::vectorized, train);
        const auto loop = examples::timed_run(Engine::loop, train);
        std::printf("two spirals, %zu points, %s, Adam lr 0.01, batch 32, %zu epochs (training accuracy)\n",
                    2 * points, kSpec, epochs);
        examples::print_comparison(vec, loop, true);

        if (!regions_path.empty()) {
            std::ofstream out(regions_path);
            out << "kind,x,y,class\n";
            const std::size_t grid = 200;
            Matrix<float> g = Matrix<float>::from_shape({grid * grid, 2});
            for (std::size_t i = 0; i < grid; ++i) {
                for (std::size_t j = 0; j < grid; ++j) {
                    g(i * grid + j, 0) = -1.2f + 2.4f * static_cast<float>(j) / (grid - 1);
                    g(i * grid + j, 1) = -1.2f + 2.4f * static_cast<float>(i) / (grid - 1);
                }
            }
            const Matrix<float>& logits = kept->forward(g);
            for (std::size_t r = 0; r < grid * grid; ++r) {
                out << "grid," << g(r, 0) << "," << g(r, 1) << "," << argmax_row<float>(logits, r) << "\n";
            }
            for (std::size_t r = 0; r < data.labels.size(); ++r) {
                out << "point," << data.x(r, 0) << "," << data.x(r, 1) << "," << data.labels[r] << "\n";
            }
            if (!out) throw std::runtime_error("writing " + regions_path + " failed");
            std::printf("decision regions written to %s\n", regions_path.c_str());
        }
        if (check && (vec.result.accuracy < kTarget || loop.result.accuracy < kTarget)) {
            std::fprintf(stderr, "spirals --check: FAILED, training accuracy below 99%%\n");
            return 1;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "spirals: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
