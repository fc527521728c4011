// What every example does around its training: run the same recipe on both
// engines, time it, and print one comparison table.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include "vecnn/nn/adam.hpp"
#include "vecnn/nn/loss.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/nn/trainer.hpp"

namespace vecnn::examples {

struct EngineRun {
    Engine engine;
    Evaluation result;
    double seconds = 0;
};

// Runs `train` (which builds, trains and evaluates one model) on `engine` and times it.
inline EngineRun timed_run(Engine engine, const std::function<Evaluation(Engine)>& train) {
    const auto start = std::chrono::steady_clock::now();
    EngineRun run{engine, train(engine), 0};
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return run;
}

// The small examples' recipe: builds `spec` from `seed`, trains it with Adam
// (lr 0.01, batch 32, reshuffled every epoch) on `train` with `loss_name`,
// evaluates on `eval`; hands the trained model out through `keep` if given.
template <class T>
Evaluation train_with_adam(const char* spec, Engine engine, const std::string& loss_name, std::size_t epochs,
                           std::uint64_t seed, const DataSetView<T>& train, const DataSetView<T>& eval,
                           std::unique_ptr<Sequential<T>>* keep = nullptr) {
    auto model = build_model<T>(spec, seed);
    auto loss = make_loss<T>(loss_name);
    Adam<T> adam(*model, AdamOptions{0.01});
    TrainOptions o;
    o.batch_size = 32;
    o.epochs = epochs;
    o.seed = seed;
    Trainer<T> trainer(*model, *loss, adam, o);
    trainer.set_engine(engine);
    trainer.fit(train);
    const Evaluation e = trainer.evaluate(eval);
    if (keep) *keep = std::move(model);
    return e;
}

inline void print_comparison(const EngineRun& vectorized, const EngineRun& loop, bool show_accuracy) {
    std::printf("%-11s %12s %10s %10s\n", "engine", "loss", show_accuracy ? "accuracy" : "", "seconds");
    for (const EngineRun* r : {&vectorized, &loop}) {
        std::printf("%-11s %12.6g ", to_string(r->engine), r->result.loss);
        if (show_accuracy) {
            std::printf("%9.2f%% ", 100 * r->result.accuracy);
        } else {
            std::printf("%10s ", "");
        }
        std::printf("%10.3f\n", r->seconds);
    }
    std::printf("loop/vectorized time ratio: %.2f\n", loop.seconds / vectorized.seconds);
}

}  // namespace vecnn::examples
