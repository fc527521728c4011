#include "vecnn/nn/training_log.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include <spdlog/spdlog.h>

namespace vecnn {
namespace {
std::string percent(double v) {
    if (!std::isfinite(v)) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * v);
    return buf;
}
}  // namespace

TrainingLog::TrainingLog(TrainingLogOptions options)
    : options_(std::move(options)), progress_(options_.progress, options_.prefix),
      start_(std::chrono::steady_clock::now()) {
    if (!options_.json_path.empty()) json_ = std::make_unique<EpochJsonLog>(options_.json_path);
}

void TrainingLog::epoch(const EpochInfo& e) {
    progress_.clear();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (options_.human_lines) {
        std::ostringstream line;
        line << options_.prefix << "epoch " << e.epoch;
        if (options_.total_epochs) line << "/" << options_.total_epochs;
        char buf[256];
        std::snprintf(buf, sizeof buf, "  loss %.4f  acc %s", e.train.loss, percent(e.train.accuracy).c_str());
        line << buf;
        if (e.has_validation) {
            std::snprintf(buf, sizeof buf, "  val_loss %.4f  val_acc %s", e.validation.loss,
                          percent(e.validation.accuracy).c_str());
            line << buf;
        }
        std::snprintf(buf, sizeof buf, "  %.0f samples/s  %.2fs (elapsed %.1fs)", e.samples_per_s, e.seconds, elapsed);
        line << buf;
        logger()->info(line.str());
    }
    if (json_) json_->write(e, elapsed);
}

}  // namespace vecnn
