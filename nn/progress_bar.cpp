#include "vecnn/nn/progress_bar.hpp"

#include <unistd.h>

#include <cstdio>

namespace vecnn {

ProgressBar::ProgressBar(bool enabled, std::string prefix)
    : terminal_(enabled && isatty(STDERR_FILENO)), prefix_(std::move(prefix)), epoch_start_(clock::now()),
      last_draw_(epoch_start_) {}

void ProgressBar::clear() {
    if (drawn_) {
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
        drawn_ = false;
    }
}

void ProgressBar::step(const StepInfo& info) {
    const auto now = clock::now();
    if (info.epoch != last_epoch_seen_) {
        last_epoch_seen_ = info.epoch;
        epoch_start_ = now;
    }
    if (!terminal_ || info.epoch_rows == 0) return;
    // Draw only for epochs long enough to wait on, and not too often.
    if (now - epoch_start_ < std::chrono::milliseconds(500) || now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const double done = static_cast<double>(info.position) / static_cast<double>(info.epoch_rows);
    const int width = 30;
    const int filled = static_cast<int>(done * width);
    std::string bar(static_cast<std::size_t>(filled), '=');
    bar += std::string(static_cast<std::size_t>(width - filled), ' ');
    std::fprintf(stderr, "\r%sepoch %zu [%s] %3.0f%% loss %.4f", prefix_.c_str(), info.epoch + 1, bar.c_str(),
                 100.0 * done, info.loss);
    std::fflush(stderr);
    drawn_ = true;
}

}  // namespace vecnn
