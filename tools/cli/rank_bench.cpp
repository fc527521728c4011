#include "tools/cli/rank_bench.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "tools/cli/allocation_counter.hpp"
#include "vecnn/nn/loss.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/nn/sgd.hpp"
#include "vecnn/tensor/random.hpp"

namespace vecnn::cli {
namespace {

using clock = std::chrono::steady_clock;

double seconds_since(clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); }

// One rank's model, loss, optimizer and fixed batch of `rows` rows.
struct RankStep {
    LayerPtr<float> model;
    CrossEntropy<float> loss;
    std::unique_ptr<SGD<float>> sgd;
    Matrix<float> x;
    std::vector<std::int64_t> labels;

    RankStep(const StepBenchConfig& c, std::size_t rows, std::uint64_t data_seed) {
        model = build_model<float>(c.spec, c.seed, c.input_shape);  // the same parameters on every rank
        const SpecFeatures features = model_features(*model);
        model->set_engine(c.engine);
        loss.set_engine(c.engine);
        sgd = std::make_unique<SGD<float>>(*model, SgdOptions{0.01, c.momentum});
        Rng rng(data_seed);
        x = Matrix<float>::from_shape({std::max<std::size_t>(rows, 1), features.inputs});
        for (auto& v : x) v = static_cast<float>(rng.uniform(-1, 1));
        labels.resize(x.shape()[0]);
        for (auto& l : labels) l = static_cast<std::int64_t>(rng.below(features.outputs));
    }

    // Forward and backward with the loss weighted rows / batch, as a
    // micro-batch of the Trainer (a rank without rows only zeroes its gradient).
    void compute(std::size_t rows, std::size_t batch) {
        model->zero_grad();
        if (rows == 0) return;
        loss.forward(model->forward(x), Targets<float>(labels));
        model->backward(loss.backward(static_cast<float>(rows) / static_cast<float>(batch)), false);
    }
};

}  // namespace

RankBenchResult bench_ranks(const StepBenchConfig& config, MpiCommunicator& comm, double delay_us) {
    if (config.repeats == 0) throw std::invalid_argument("bench: repeats must be at least 1");
    if (config.batch == 0) throw std::invalid_argument("bench: batch must be at least 1");
    RankBenchResult result;
    result.ranks = comm.size();
    result.delay_us = delay_us;
    const std::size_t per_rank = (config.batch + comm.size() - 1) / comm.size();
    const std::size_t first = std::min(comm.rank() * per_rank, config.batch);
    const std::size_t rows = std::min(first + per_rank, config.batch) - first;
    RankStep mine(config, rows, config.seed + 1 + comm.rank());
    result.spec = mine.model->describe();
    result.parameters = mine.model->parameter_count();
    const auto delay = std::chrono::duration<double, std::micro>(delay_us);

    double allreduce_seconds = 0;
    auto step = [&] {
        mine.compute(rows, config.batch);
        float* g = mine.model->gradient_data();
        const auto t = clock::now();
        comm.allreduce_sum(g, mine.model->parameter_count());
        allreduce_seconds += seconds_since(t);
        if (delay_us > 0) std::this_thread::sleep_for(delay);
        mine.sgd->step();
    };
    // The same step without the allreduce, every rank at once: the compute
    // time with the ranks sharing the machine, so step - compute is the
    // communication that was not hidden behind it.
    auto compute_step = [&] {
        mine.compute(rows, config.batch);
        mine.sgd->step();
    };
    // Rank 0 alone: the one-process step on the whole batch (another copy of the model).
    std::unique_ptr<RankStep> alone;
    if (comm.rank() == 0) alone = std::make_unique<RankStep>(config, config.batch, config.seed + 1);
    auto single_step = [&] {
        alone->compute(config.batch, config.batch);
        alone->sgd->step();
    };

    // Every rank must run the same number of collective steps: rank 0 times
    // warm-up steps and decides the counts for all.
    const double slice = config.seconds / static_cast<double>(config.repeats);
    std::uint64_t counts[2] = {1, 1};
    // Warm-up: each step is a collective, so rank 0's clock alone says when to
    // stop (a flag broadcast after every step; ranks' own clocks would disagree).
    comm.barrier();
    auto started = clock::now();
    std::size_t warm = 0;
    for (std::uint8_t more = 1; more;) {
        step();
        ++warm;
        more = seconds_since(started) < std::min(0.3, slice) || warm < 3;
        comm.broadcast(&more, 1, 0);
    }
    if (comm.rank() == 0) {
        counts[0] = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(slice * warm / seconds_since(started)));
        started = clock::now();
        std::size_t n = 0;
        do {
            single_step();
            ++n;
        } while (seconds_since(started) < std::min(0.3, slice / 2) || n < 3);
        counts[1] = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(slice * n / seconds_since(started)));
    }
    // Rank 0 may still be warming its single-rank copy: wait without spinning.
    comm.barrier_sleeping();
    comm.broadcast(counts, sizeof counts, 0);
    result.steps = counts[0];

    std::vector<double> allreduce_per_step, step_seconds, compute_seconds;
    std::uint64_t allocations = 0;
    for (std::size_t r = 0; r < config.repeats; ++r) {
        comm.barrier();
        allreduce_seconds = 0;
        const std::uint64_t before = allocation_count();
        const auto t = clock::now();
        for (std::uint64_t i = 0; i < counts[0]; ++i) step();
        const double seconds = seconds_since(t);
        allocations += allocation_count() - before;
        step_seconds.push_back(seconds / static_cast<double>(counts[0]));
        result.samples_per_s.push_back(static_cast<double>(config.batch * counts[0]) / seconds);
        allreduce_per_step.push_back(allreduce_seconds / static_cast<double>(counts[0]));

        comm.barrier();
        const auto c = clock::now();
        for (std::uint64_t i = 0; i < counts[0]; ++i) compute_step();
        compute_seconds.push_back(seconds_since(c) / static_cast<double>(counts[0]));

        // The one-rank baseline, alternating with the job so both see the same machine.
        comm.barrier_sleeping();
        if (comm.rank() == 0) {
            const auto s = clock::now();
            for (std::uint64_t i = 0; i < counts[1]; ++i) single_step();
            result.single_samples_per_s.push_back(static_cast<double>(config.batch * counts[1]) / seconds_since(s));
        }
        comm.barrier_sleeping();
    }
    result.allocs_per_step = static_cast<double>(allocations) / static_cast<double>(counts[0] * config.repeats);
    result.median_samples_per_s = median(result.samples_per_s);
    result.min_samples_per_s = *std::min_element(result.samples_per_s.begin(), result.samples_per_s.end());
    result.max_samples_per_s = *std::max_element(result.samples_per_s.begin(), result.samples_per_s.end());
    result.step_us = 1e6 * median(step_seconds);
    result.allreduce_us = 1e6 * median(allreduce_per_step);
    result.compute_us = 1e6 * median(compute_seconds);
    const double communication_us = result.allreduce_us + delay_us;
    const double exposed_us = std::max(0.0, result.step_us - result.compute_us);
    result.hidden_fraction = communication_us > 0 ? std::clamp(1 - exposed_us / communication_us, 0.0, 1.0) : 0;
    if (comm.rank() == 0) {
        const auto& s = result.single_samples_per_s;
        result.single_median_samples_per_s = median(s);
        result.single_min_samples_per_s = *std::min_element(s.begin(), s.end());
        result.single_max_samples_per_s = *std::max_element(s.begin(), s.end());
    }
    return result;
}

}  // namespace vecnn::cli
