#include "tools/cli/step_bench.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "vecnn/nn/conv2d.hpp"
#include "vecnn/nn/linear.hpp"
#include "vecnn/nn/loss.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/nn/sgd.hpp"
#include "vecnn/tensor/kernels.hpp"
#include "vecnn/tensor/random.hpp"
#include "tools/cli/allocation_counter.hpp"

namespace vecnn::cli {
namespace {

using clock = std::chrono::steady_clock;

double seconds_since(clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); }

// Runs `step` for about `budget` seconds (at least once); returns seconds per call.
template <class F>
double time_per_call(F&& step, double budget, std::size_t& calls) {
    const auto start = clock::now();
    std::size_t n = 0;
    double elapsed = 0;
    do {
        step();
        ++n;
        elapsed = seconds_since(start);
    } while (elapsed < budget);
    calls += n;
    return elapsed / static_cast<double>(n);
}

// One GEMM of a training step, with its own operand buffers.
struct Gemm {
    bool ta, tb;
    Matrix<float> a, b, c;
};

Matrix<float> random_matrix(std::size_t r, std::size_t c, Rng& rng) {
    Matrix<float> m = Matrix<float>::from_shape({r, c});
    for (auto& v : m) v = static_cast<float>(rng.uniform(-1, 1));
    return m;
}

// The three GEMMs of a layer that multiplies (rows, in) by a weight (out, in):
// forward (rows,in)x(out,in)^T, weight gradient (rows,out)^T x (rows,in),
// and input gradient (rows,out) x (out,in) except for the first layer.
void add_layer_gemms(std::vector<Gemm>& gemms, std::size_t rows, std::size_t in, std::size_t out, bool first,
                     Rng& rng) {
    gemms.push_back({false, true, random_matrix(rows, in, rng), random_matrix(out, in, rng),
                     random_matrix(rows, out, rng)});
    gemms.push_back({true, false, random_matrix(rows, out, rng), random_matrix(rows, in, rng),
                     random_matrix(out, in, rng)});
    if (!first) {
        gemms.push_back({false, false, random_matrix(rows, out, rng), random_matrix(out, in, rng),
                         random_matrix(rows, in, rng)});
    }
}

// The GEMMs the vectorized engine runs in one step: per Linear(in, out) at
// batch B those of (B, in) rows; per Conv2d those of its im2col matrix,
// (B OH OW, C k k) rows times the (OC, C k k) weight.
std::vector<Gemm> step_gemms(Sequential<float>& model, std::size_t batch, Rng& rng) {
    std::vector<Gemm> gemms;
    for (std::size_t i = 0; i < model.size(); ++i) {
        const bool first = gemms.empty();
        if (auto* linear = dynamic_cast<Linear<float>*>(&model.layer(i))) {
            add_layer_gemms(gemms, batch, linear->in_features(), linear->out_features(), first, rng);
        } else if (auto* conv = dynamic_cast<Conv2d<float>*>(&model.layer(i))) {
            add_layer_gemms(gemms, batch * conv->window().out_pixels(), conv->patch_size(), conv->out_channels(),
                            first, rng);
        }
    }
    return gemms;
}

}  // namespace

double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

StepBenchResult bench_steps(const StepBenchConfig& config) {
    if (config.repeats == 0) throw std::invalid_argument("bench: repeats must be at least 1");
    if (config.batch == 0) throw std::invalid_argument("bench: batch must be at least 1");
    StepBenchResult result;
    auto model = build_model<float>(config.spec, config.seed, config.input_shape);
    result.spec = model->describe();
    const SpecFeatures features = model_features(*model);
    model->set_engine(config.engine);
    result.parameters = model->parameter_count();
    CrossEntropy<float> loss;
    loss.set_engine(config.engine);
    SGD<float> sgd(*model, SgdOptions{0.01, config.momentum});
    Rng rng(config.seed + 1);
    const Matrix<float> x = random_matrix(config.batch, features.inputs, rng);
    std::vector<std::int64_t> labels(config.batch);
    for (auto& l : labels) l = static_cast<std::int64_t>(rng.below(features.outputs));
    const Targets<float> targets(labels);

    auto step = [&] {
        model->zero_grad();
        loss.forward(model->forward(x), targets);
        model->backward(loss.backward(), false);
        sgd.step();
    };
    const double slice = config.seconds / static_cast<double>(config.repeats);
    std::size_t warm = 0;
    time_per_call(step, std::min(0.2, slice), warm);  // buffers sized, caches and worker threads warm

    // The GEMM-only bound, same run, same threads: the step's GEMM calls and
    // nothing else. Its repeats alternate with the step's, so a change in the
    // machine's load during the run touches both alike.
    auto gemms = step_gemms(*model, config.batch, rng);
    for (const auto& g : gemms) {
        const double inner = static_cast<double>(g.ta ? g.a.shape()[0] : g.a.shape()[1]);
        result.step_flops += 2.0 * static_cast<double>(g.c.size()) * inner;
    }
    auto gemm_step = [&] {
        for (auto& g : gemms) vectorized_kernels<float>().gemm(g.ta, g.tb, 1.0f, g.a, g.b, 1.0f, g.c);
    };
    std::size_t gemm_calls = 0;
    time_per_call(gemm_step, std::min(0.1, slice / 2), gemm_calls);

    std::vector<double> step_seconds, gemm_seconds;
    step_seconds.reserve(config.repeats);  // so the count below sees the steps' allocations only
    gemm_seconds.reserve(config.repeats);
    std::uint64_t allocations = 0;
    for (std::size_t r = 0; r < config.repeats; ++r) {
        const std::uint64_t before = allocation_count();
        step_seconds.push_back(time_per_call(step, slice, result.steps));
        allocations += allocation_count() - before;
        gemm_seconds.push_back(time_per_call(gemm_step, std::min(0.2, slice / 2), gemm_calls));
    }
    result.allocs_per_step = static_cast<double>(allocations) / static_cast<double>(result.steps);
    for (double s : step_seconds) result.samples_per_s.push_back(static_cast<double>(config.batch) / s);
    result.median_samples_per_s = median(result.samples_per_s);
    result.min_samples_per_s = *std::min_element(result.samples_per_s.begin(), result.samples_per_s.end());
    result.max_samples_per_s = *std::max_element(result.samples_per_s.begin(), result.samples_per_s.end());
    result.step_us = 1e6 * static_cast<double>(config.batch) / result.median_samples_per_s;

    const double gemm_s = median(gemm_seconds);
    result.gemm_us = 1e6 * gemm_s;
    result.gemm_bound_samples_per_s = static_cast<double>(config.batch) / gemm_s;
    return result;
}

}  // namespace vecnn::cli
