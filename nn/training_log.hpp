// TrainingLog: what a training run tells people and programs, attached to a
// Trainer's callbacks:
//   - one human line per epoch through the "vecnn" logger (logger.hpp): epoch,
//     loss, accuracy, validation, samples/s, elapsed;
//   - a progress bar of the epoch on a terminal (progress_bar.hpp);
//   - with a JSON path: one JSON object per epoch per line (epoch_json_log.hpp).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "vecnn/nn/epoch_json_log.hpp"
#include "vecnn/nn/logger.hpp"
#include "vecnn/nn/progress_bar.hpp"
#include "vecnn/nn/trainer.hpp"

namespace vecnn {

struct TrainingLogOptions {
    std::string json_path;       // empty: no JSON lines
    bool progress = true;        // only ever drawn when stderr is a terminal
    bool human_lines = true;     // the per-epoch line through spdlog
    std::size_t total_epochs = 0;
    std::string prefix;          // e.g. "[loop] " to tell runs apart
};

class TrainingLog {
public:
    explicit TrainingLog(TrainingLogOptions options);
    void step(const StepInfo& info) { progress_.step(info); }
    void epoch(const EpochInfo& info);

    // Hooks this log into a trainer's callbacks (keeps any before_update).
    template <class T>
    void attach(Trainer<T>& trainer) {
        trainer.on_step = [this](const StepInfo& s) { step(s); };
        trainer.on_epoch = [this](const EpochInfo& e) { epoch(e); };
    }

private:
    TrainingLogOptions options_;
    ProgressBar progress_;
    std::unique_ptr<EpochJsonLog> json_;
    std::chrono::steady_clock::time_point start_;
};

}  // namespace vecnn
