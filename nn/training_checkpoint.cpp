#include "vecnn/nn/training_checkpoint.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "vecnn/nn/checkpoint.hpp"
#include "vecnn/nn/finite_check.hpp"
#include "vecnn/data/npz.hpp"

namespace vecnn {
namespace {

const std::string optimizer_prefix = "optimizer.";
const std::string trainer_prefix = "trainer.";

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

NpyArray counter_array(std::size_t value) {
    const std::uint64_t v = value;
    return make_npy(&v, {1});
}

const NpyArray& require_key(const NamedArrays& arrays, const std::string& key, const std::string& path) {
    const NpyArray* a = find_array(arrays, key);
    if (!a) throw std::runtime_error(path + ": not a training checkpoint: key '" + key + "' is missing");
    return *a;
}

std::string read_text(const NamedArrays& arrays, const std::string& key, const std::string& path) {
    const auto bytes = to_vector<std::uint8_t>(require_key(arrays, key, path));
    return std::string(bytes.begin(), bytes.end());
}

std::size_t read_counter(const NamedArrays& arrays, const std::string& key, const std::string& path) {
    const auto v = to_vector<std::uint64_t>(require_key(arrays, key, path));
    if (v.size() != 1) throw std::runtime_error(path + ": key '" + key + "' must hold one number");
    return static_cast<std::size_t>(v[0]);
}

// "key=value" lines as a map; a line without '=' (a checkpoint of an earlier
// version, whose config was one line) is kept whole under "run".
std::map<std::string, std::string> settings(const std::string& text) {
    std::map<std::string, std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty()) continue;
        const std::size_t eq = line.find('=');
        if (eq == std::string::npos) {
            out["run"] = line;
        } else {
            out[line.substr(0, eq)] = line.substr(eq + 1);
        }
    }
    return out;
}

}  // namespace

std::vector<std::string> setting_differences(const std::string& saved, const std::string& current,
                                             const std::vector<std::string>& allowed_changes) {
    const auto a = settings(saved), b = settings(current);
    std::vector<std::string> out;
    auto allowed = [&](const std::string& key) {
        return std::find(allowed_changes.begin(), allowed_changes.end(), key) != allowed_changes.end();
    };
    for (const auto& [key, value] : a) {
        const auto it = b.find(key);
        const std::string now = it == b.end() ? "(not set)" : it->second;
        if (now != value && !allowed(key)) out.push_back(key + ": checkpoint " + value + ", this run " + now);
    }
    for (const auto& [key, value] : b) {
        if (!a.count(key) && !allowed(key)) out.push_back(key + ": checkpoint (not set), this run " + value);
    }
    return out;
}

template <class T>
void save_training_checkpoint(const std::string& path, const Layer<T>& model, const Optimizer<T>& optimizer,
                              const TrainerState& state, const std::string& config, const NamedArrays& metadata) {
    const std::string bad = non_finite_parameter(model);
    if (!bad.empty()) throw std::runtime_error("cannot write the checkpoint '" + path + "': " + bad);
    NamedArrays arrays = parameter_arrays(model, sizeof(T) == 4 ? FloatType::float32 : FloatType::float64);
    for (const auto& [name, values] : optimizer.state()) {
        const std::string bad_state = non_finite_value(values.data(), values.size(), optimizer_prefix + name);
        if (!bad_state.empty()) throw std::runtime_error("cannot write the checkpoint '" + path + "': " + bad_state);
        arrays.emplace_back(optimizer_prefix + name, make_npy(values.data(), {values.size()}));
    }
    arrays.emplace_back(trainer_prefix + "epoch", counter_array(state.epoch));
    arrays.emplace_back(trainer_prefix + "step", counter_array(state.step));
    arrays.emplace_back(trainer_prefix + "position", counter_array(state.position));
    arrays.emplace_back(trainer_prefix + "rng", text_array(state.rng));
    arrays.emplace_back(trainer_prefix + "epoch_rng", text_array(state.epoch_rng));
    arrays.emplace_back(trainer_prefix + "config", text_array(config));
    if (!std::isnan(state.reference_loss)) {  // what a loss that explodes is measured against
        arrays.emplace_back(trainer_prefix + "reference_loss", make_npy(&state.reference_loss, {1}));
    }
    if (!state.best_parameters.empty()) {  // early stopping's memory
        arrays.emplace_back(trainer_prefix + "best_metric", make_npy(&state.best_metric, {1}));
        arrays.emplace_back(trainer_prefix + "best_epoch", counter_array(state.best_epoch));
        arrays.emplace_back(trainer_prefix + "epochs_without_improvement",
                            counter_array(state.epochs_without_improvement));
        arrays.emplace_back(trainer_prefix + "stopped_early", counter_array(state.stopped_early ? 1 : 0));
        arrays.emplace_back(trainer_prefix + "best_parameters",
                            make_npy(state.best_parameters.data(), {state.best_parameters.size()}));
    }
    arrays.insert(arrays.end(), metadata.begin(), metadata.end());
    write_npz(path, arrays);
}

template <class T>
TrainerState load_training_checkpoint(const std::string& path, Layer<T>& model, Optimizer<T>& optimizer,
                                      const std::string& config, const std::vector<std::string>& allowed_changes) {
    const NamedArrays arrays = read_npz(path);
    const std::string saved_config = read_text(arrays, trainer_prefix + "config", path);
    const std::vector<std::string> differences = setting_differences(saved_config, config, allowed_changes);
    if (!differences.empty()) {
        std::string list;
        for (const auto& d : differences) list += (list.empty() ? "" : "; ") + d;
        throw std::runtime_error(path + ": written by a different run, not resumed: " + list +
                                 " (start a new folder, or allow a change with --allow-change)");
    }
    NamedArrays parameters;
    OptimizerState<T> optimizer_state;
    for (const auto& [key, array] : arrays) {
        if (starts_with(key, optimizer_prefix)) {
            optimizer_state.emplace_back(key.substr(optimizer_prefix.size()), to_vector<T>(array));
        } else if (!starts_with(key, trainer_prefix)) {
            parameters.emplace_back(key, array);
        }
    }
    TrainerState state;
    state.epoch = read_counter(arrays, trainer_prefix + "epoch", path);
    state.step = read_counter(arrays, trainer_prefix + "step", path);
    state.position = read_counter(arrays, trainer_prefix + "position", path);
    state.rng = read_text(arrays, trainer_prefix + "rng", path);
    state.epoch_rng = read_text(arrays, trainer_prefix + "epoch_rng", path);
    if (find_array(arrays, trainer_prefix + "reference_loss") != nullptr) {  // absent before it was kept
        const std::vector<double> reference =
            to_vector<double>(require_key(arrays, trainer_prefix + "reference_loss", path));
        if (reference.size() != 1) throw std::runtime_error(path + ": trainer.reference_loss must hold one value");
        state.reference_loss = reference[0];
    }
    if (find_array(arrays, trainer_prefix + "best_parameters") != nullptr) {
        state.best_parameters = to_vector<double>(require_key(arrays, trainer_prefix + "best_parameters", path));
        if (state.best_parameters.size() != model.parameter_count()) {
            throw std::runtime_error(path + ": trainer.best_parameters holds " +
                                     std::to_string(state.best_parameters.size()) + " values, the model has " +
                                     std::to_string(model.parameter_count()) + " parameters");
        }
        const std::vector<double> metric = to_vector<double>(require_key(arrays, trainer_prefix + "best_metric", path));
        if (metric.size() != 1) throw std::runtime_error(path + ": trainer.best_metric must hold one value");
        state.best_metric = metric[0];
        state.best_epoch = read_counter(arrays, trainer_prefix + "best_epoch", path);
        state.epochs_without_improvement = read_counter(arrays, trainer_prefix + "epochs_without_improvement", path);
        state.stopped_early = read_counter(arrays, trainer_prefix + "stopped_early", path) != 0;
    }
    try {
        optimizer.load_state(optimizer_state);  // checks everything before changing anything
    } catch (const std::exception& e) {
        throw std::runtime_error(path + ": optimizer state: " + e.what());
    }
    assign_parameters(model, parameters, path);
    return state;
}

template void save_training_checkpoint<float>(const std::string&, const Layer<float>&, const Optimizer<float>&,
                                              const TrainerState&, const std::string&, const NamedArrays&);
template void save_training_checkpoint<double>(const std::string&, const Layer<double>&, const Optimizer<double>&,
                                               const TrainerState&, const std::string&, const NamedArrays&);
template TrainerState load_training_checkpoint<float>(const std::string&, Layer<float>&, Optimizer<float>&,
                                                      const std::string&, const std::vector<std::string>&);
template TrainerState load_training_checkpoint<double>(const std::string&, Layer<double>&, Optimizer<double>&,
                                                       const std::string&, const std::vector<std::string>&);

}  // namespace vecnn
