// TrainingLog: what a training run tells people and programs.
//   - one human line per epoch through spdlog (epoch, loss, accuracy,
//     validation, samples/s, elapsed);
//   - a progress bar on a terminal (stderr) for epochs that last more than
//     half a second, redrawn at most ten times a second;
//   - with a JSON path: one JSON object per epoch per line, fields epoch,
//     step, loss, accuracy, val_loss, val_accuracy (with a validation set),
//     samples_per_s, lr, seconds, elapsed. NaN is written as null.
#pragma once

#include <chrono>
#include <fstream>
#include <memory>
#include <string>

#include "nn/trainer.hpp"

namespace spdlog {
class logger;
}

namespace vecnn {

// The project's logger ("vecnn", human lines on stdout); created on first use.
std::shared_ptr<spdlog::logger> logger();

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
    void step(const StepInfo& info);
    void epoch(const EpochInfo& info);

    // Hooks this log into a trainer's callbacks (keeps any before_update).
    template <class T>
    void attach(Trainer<T>& trainer) {
        trainer.on_step = [this](const StepInfo& s) { step(s); };
        trainer.on_epoch = [this](const EpochInfo& e) { epoch(e); };
    }

private:
    void clear_progress();

    using clock = std::chrono::steady_clock;
    TrainingLogOptions options_;
    std::ofstream json_;
    bool terminal_ = false;
    bool progress_drawn_ = false;
    clock::time_point start_;
    clock::time_point epoch_start_;
    clock::time_point last_draw_;
    std::size_t last_epoch_seen_ = static_cast<std::size_t>(-1);
};

}  // namespace vecnn
