// `vecnn train --dtype float64 --no-shuffle` against PyTorch: the same initial
// parameters and batches give the same last-step gradients (--dump-grads) and
// trained parameters (--save) to 1e-10 relative, on both engines, for SGD
// (momentum, Nesterov, dampening, weight decay) and Adam, with and without
// --accumulate. The references come from tools/torch_cli_fixtures.py.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "vecnn/nn/checkpoint.hpp"
#include "tests/cli_runner.hpp"

using namespace vecnn;

namespace {

const std::string kData = std::string(VECNN_TEST_DATA_DIR) + "/torch_cli/";
const char* kSpec = "linear(6,8),tanh,linear(8,8),relu,linear(8,3)";
constexpr double kRelTol = 1e-10;

// max |a - b| / max |b| over one array, per key; every key of `expected` must be in `actual`
// (whose vecnn.* metadata keys, the model spec that --save adds, are not compared).
void check_close(const std::string& actual_path, const std::string& expected_path) {
    NamedArrays actual;
    for (auto& [key, array] : load_arrays(actual_path)) {
        if (!is_metadata_key(key)) actual.emplace_back(key, std::move(array));
    }
    const NamedArrays expected = load_arrays(expected_path);
    REQUIRE(actual.size() == expected.size());
    for (const auto& [key, want] : expected) {
        CAPTURE(key);
        const NpyArray* got = find_array(actual, key);
        REQUIRE(got != nullptr);
        REQUIRE(got->shape == want.shape);
        const auto a = to_vector<double>(*got);
        const auto b = to_vector<double>(want);
        double diff = 0, scale = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            diff = std::max(diff, std::abs(a[i] - b[i]));
            scale = std::max(scale, std::abs(b[i]));
        }
        CHECK(scale > 0);
        CHECK(diff <= kRelTol * scale);
    }
}

}  // namespace

TEST_CASE("vecnn train matches PyTorch: gradients and parameters, both engines, with and without --accumulate") {
    std::ifstream configs(kData + "configs.txt");
    REQUIRE(configs);
    std::string line;
    int checked = 0;
    while (std::getline(configs, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream fields(line);
        std::string name, loss, flags, word;
        fields >> name >> loss;
        while (fields >> word) flags += " " + word;
        for (const char* engine : {"vectorized", "loop"}) {
            for (const char* accumulate : {"1", "3"}) {  // 3: micro-batches of 3, 3, 2 (and 3, 1 for the last batch)
                CAPTURE(name);
                CAPTURE(engine);
                CAPTURE(accumulate);
                test::TempDir dir("torch");
                const std::string targets = loss == "cross-entropy"     ? "labels.npy"
                                            : loss == "bce-with-logits" ? "probabilities.npy"
                                                                        : "rows.npy";
                const auto r = test::run_vecnn(
                    std::string("train --quiet --model '") + kSpec + "' --loss " + loss + " --x '" + kData +
                    "x.npy' --y '" + kData + targets + "' --dtype float64 --no-shuffle --batch-size 8 --epochs 2" +
                    " --init '" + kData + "init.npz' --engine " + engine + " --accumulate " + accumulate + flags +
                    " --dump-grads '" + (dir / "grads.npz") + "' --save '" + (dir / "params.npz") + "'");
                INFO(r.err);
                REQUIRE(r.status == 0);
                check_close(dir / "grads.npz", kData + name + ".grads.npz");
                check_close(dir / "params.npz", kData + name + ".params.npz");
                ++checked;
            }
        }
    }
    CHECK(checked == 14 * 4);
}
