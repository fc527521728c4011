#include "vecnn/nn/epoch_json_log.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace vecnn {

EpochJsonLog::EpochJsonLog(std::string path) : path_(std::move(path)) {
    out_.open(path_, std::ios::out | std::ios::trunc);
    if (!out_) throw std::runtime_error("cannot open JSON log '" + path_ + "' for writing");
}

void EpochJsonLog::write(const EpochInfo& e, double elapsed) {
    nlohmann::ordered_json line;  // fields in the order written
    line["epoch"] = e.epoch;
    line["step"] = e.step;
    line["loss"] = e.train.loss;  // NaN and infinities dump as null
    line["accuracy"] = e.train.accuracy;
    if (e.has_validation) {
        line["val_loss"] = e.validation.loss;
        line["val_accuracy"] = e.validation.accuracy;
    }
    line["samples_per_s"] = e.samples_per_s;
    line["lr"] = e.lr;
    line["seconds"] = e.seconds;
    line["elapsed"] = elapsed;
    out_ << line.dump() << "\n";
    out_.flush();
    if (!out_) throw std::runtime_error("writing the JSON log '" + path_ + "' failed");
}

}  // namespace vecnn
