#include "nn/training_log.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace vecnn {

std::shared_ptr<spdlog::logger> logger() {
    auto existing = spdlog::get("vecnn");
    if (existing) return existing;
    auto created = spdlog::stdout_logger_mt("vecnn");
    created->set_pattern("%v");
    return created;
}

namespace {
std::string json_number(double v) {
    if (!std::isfinite(v)) return "null";
    std::ostringstream s;
    s.precision(10);
    s << v;
    return s.str();
}
std::string percent(double v) {
    if (!std::isfinite(v)) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * v);
    return buf;
}
}  // namespace

TrainingLog::TrainingLog(TrainingLogOptions options) : options_(std::move(options)) {
    if (!options_.json_path.empty()) {
        json_.open(options_.json_path, std::ios::out | std::ios::trunc);
        if (!json_) throw std::runtime_error("cannot open JSON log '" + options_.json_path + "' for writing");
    }
    terminal_ = options_.progress && isatty(STDERR_FILENO);
    start_ = epoch_start_ = last_draw_ = clock::now();
}

void TrainingLog::clear_progress() {
    if (progress_drawn_) {
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
        progress_drawn_ = false;
    }
}

void TrainingLog::step(const StepInfo& info) {
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
    std::fprintf(stderr, "\r%sepoch %zu [%s] %3.0f%% loss %.4f", options_.prefix.c_str(), info.epoch + 1, bar.c_str(),
                 100.0 * done, info.loss);
    std::fflush(stderr);
    progress_drawn_ = true;
}

void TrainingLog::epoch(const EpochInfo& e) {
    clear_progress();
    const double elapsed = std::chrono::duration<double>(clock::now() - start_).count();
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
    if (options_.human_lines) logger()->info(line.str());

    if (json_.is_open()) {
        json_ << "{\"epoch\":" << e.epoch << ",\"step\":" << e.step << ",\"loss\":" << json_number(e.train.loss)
              << ",\"accuracy\":" << json_number(e.train.accuracy);
        if (e.has_validation) {
            json_ << ",\"val_loss\":" << json_number(e.validation.loss)
                  << ",\"val_accuracy\":" << json_number(e.validation.accuracy);
        }
        json_ << ",\"samples_per_s\":" << json_number(e.samples_per_s) << ",\"lr\":" << json_number(e.lr)
              << ",\"seconds\":" << json_number(e.seconds) << ",\"elapsed\":" << json_number(elapsed) << "}\n";
        json_.flush();
        if (!json_) throw std::runtime_error("writing the JSON log '" + options_.json_path + "' failed");
    }
}

}  // namespace vecnn
