// EpochJsonLog: one JSON object per epoch, one per line (JSON Lines), for
// programs and plots: epoch, step, loss, accuracy, val_loss and
// val_accuracy (with a validation set), samples_per_s, lr, seconds, elapsed.
// NaN and infinities are written as null. Each line is flushed as written.
#pragma once

#include <fstream>
#include <string>

#include "vecnn/nn/trainer.hpp"

namespace vecnn {

class EpochJsonLog {
public:
    // Truncates `path`; throws std::runtime_error naming it if it cannot be opened.
    explicit EpochJsonLog(std::string path);
    // `elapsed`: seconds since training started. Throws if the write fails.
    void write(const EpochInfo& epoch, double elapsed);

private:
    std::string path_;
    std::ofstream out_;
};

}  // namespace vecnn
