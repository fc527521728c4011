// A training checkpoint: everything a run needs to continue bit for bit, in
// ONE .npz (so it is written atomically as a whole):
//   "0.weight", "0.bias", ...    the parameters, state_dict keys, model dtype
//   "optimizer.<name>"           the optimizer's state arrays (step, buffers)
//   "trainer.epoch|step|position" counters (uint64)
//   "trainer.rng", "trainer.epoch_rng"  the shuffling Rng's state (text bytes)
//   "trainer.best_*"             early stopping's memory, when it has one: the
//                                best metric and epoch, epochs since, whether it
//                                stopped, and the best parameters (float64)
//   "trainer.reference_loss"     what a loss that explodes is measured against
//                                (TrainOptions::max_loss_growth; optional)
//   "trainer.config"             what the run was: its settings, one "key=value"
//                                per line (model, dtype, optimizer and its
//                                hyperparameters, batch size, seed, data shapes ...),
//                                so a checkpoint is never resumed into another run
// numpy.load opens it; the parameter keys load into PyTorch as they are.
#pragma once

#include <string>
#include <vector>

#include "vecnn/data/npz.hpp"
#include "vecnn/nn/layer.hpp"
#include "vecnn/nn/optimizer_base.hpp"
#include "vecnn/nn/trainer.hpp"

namespace vecnn {

// Refuses (std::runtime_error, nothing written) a model or optimizer state
// that holds a NaN or infinity: a checkpoint is always a good one.
// `metadata`: the model's (checkpoint.hpp, "vecnn." keys), kept in the file too.
template <class T>
void save_training_checkpoint(const std::string& path, const Layer<T>& model, const Optimizer<T>& optimizer,
                              const TrainerState& state, const std::string& config,
                              const NamedArrays& metadata = {});

// Restores model, optimizer and returns the trainer state. Throws
// std::runtime_error naming the file and the key on any mismatch, and when
// the checkpoint's settings differ from `config`: the message lists every
// setting that differs, with both values. Settings named in `allowed_changes`
// may differ (say, a new learning rate).
template <class T>
TrainerState load_training_checkpoint(const std::string& path, Layer<T>& model, Optimizer<T>& optimizer,
                                      const std::string& config,
                                      const std::vector<std::string>& allowed_changes = {});

// "key=value" lines of two settings texts that differ, as "key: checkpoint V, this run W".
std::vector<std::string> setting_differences(const std::string& saved, const std::string& current,
                                             const std::vector<std::string>& allowed_changes);

}  // namespace vecnn
