// ProgressBar: a one-line bar of the current epoch on stderr, only when
// stderr is a terminal, only for epochs that last more than half a second,
// redrawn at most ten times a second. clear() erases it before other output.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "vecnn/nn/trainer.hpp"

namespace vecnn {

class ProgressBar {
public:
    // `enabled` false: never draws. `prefix` starts the line, e.g. "[loop] ".
    ProgressBar(bool enabled, std::string prefix);
    void step(const StepInfo& info);
    void clear();

private:
    using clock = std::chrono::steady_clock;
    bool terminal_;
    std::string prefix_;
    bool drawn_ = false;
    clock::time_point epoch_start_;
    clock::time_point last_draw_;
    std::size_t last_epoch_seen_ = static_cast<std::size_t>(-1);
};

}  // namespace vecnn
