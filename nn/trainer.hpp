// Trainer: mini-batch training with exact gradient accumulation.
//
// Each optimizer step takes `batch_size` rows (the last step of an epoch may
// take fewer unless drop_last), processed as `accumulate` micro-batches of
// ceil(batch_size / accumulate) rows (the last one smaller when it does not
// divide). Micro-batch j of m rows out of a step of M rows backpropagates the
// loss with weight m / M, so the summed gradient equals the gradient of the
// mean loss over all M rows: one step on the union (docs/design.md, "Gradients and accumulation").
// Rows are reshuffled every epoch from a seeded Rng (or taken in order).
// A non-finite loss stops training with an error naming epoch and step,
// before the optimizer touches the parameters. An update that leaves a
// parameter NaN or infinite (an overflowing learning rate) stops training
// too, with an error naming the optimizer step and the parameter element:
// found by the next step's loss, or by a scan after each epoch's last step,
// before any evaluation or callback (so nothing non-finite is ever saved).
//
// Engines: set_engine() chooses the engine of the whole setup (every layer of
// the model, and the loss) in one call. The model and the loss must run the
// same engine: construction, fit() and evaluate() throw std::invalid_argument
// naming both when they differ, instead of silently mixing engines.
//
// Data-parallel (set_communicator, nn/communicator.hpp): with N ranks, each
// step's rows are split into N contiguous shards of ceil(batch_size / N)
// rows of the epoch's order, by the same rule as micro-batches (so the last
// ranks may get fewer rows, or none); each rank runs its shard as
// `accumulate` micro-batches weighted m / M as above, the gradients are
// summed with one allreduce over the flat gradient block, and every rank
// applies the same update. N ranks are thus N micro-batches of one process:
// 2 ranks give bit for bit the parameters of one process with accumulate 2
// (both add two fresh shard gradients); with more ranks, or accumulate on
// top, the sums are associated differently, equal to rounding. At the start
// of fit() the ranks check they hold the same data (rows, columns and a
// fingerprint) and settings, and rank 0's parameters, optimizer state and
// trainer state are copied to all. Every rank evaluates the whole
// validation set (the same numbers everywhere); callbacks run on every rank,
// so a caller writes files on rank 0 only.
//
// Accumulation adds fresh gradients: micro-batch j's gradient is computed on
// its own and then added to the sum of the earlier ones, as PyTorch's
// .grad accumulation does (one copy and one add over the gradient block per
// extra micro-batch).
//
// State (completed epochs, optimizer steps, position inside the epoch and
// the Rng state at the epoch's start) can be saved and restored, so a run
// resumed from a checkpoint continues bit for bit.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "vecnn/nn/communicator.hpp"
#include "vecnn/nn/dataset_view.hpp"
#include "vecnn/nn/layer.hpp"
#include "vecnn/nn/loss.hpp"
#include "vecnn/tensor/random.hpp"

namespace vecnn {

template <class T>
class Optimizer;

struct TrainOptions {
    std::size_t batch_size = 64;  // rows per optimizer step
    std::size_t accumulate = 1;   // micro-batches per optimizer step
    std::size_t epochs = 1;       // train until this many epochs are complete (resumed ones count)
    std::size_t max_steps = 0;    // when > 0: stop after this many optimizer steps in total instead
    bool shuffle = true;
    bool drop_last = false;
    std::uint64_t seed = 0;
    std::size_t eval_batch = 1024;  // rows per forward pass in evaluate()
    // When > 0: each step's summed gradient is clipped to this global 2-norm
    // before the update (clip_grad_norm.hpp, torch.nn.utils.clip_grad_norm_).
    double clip_grad_norm = 0;
    // Early stopping (needs a validation set): when patience > 0, training
    // stops after `patience` epochs in which `monitor` ("val_loss", lower is
    // better, or "val_accuracy", higher) did not improve by more than
    // min_delta on the best so far, and the best epoch's parameters are
    // restored (unless restore_best is false).
    std::size_t patience = 0;
    std::string monitor = "val_loss";
    double min_delta = 0;
    bool restore_best = true;
    // A loss that explodes stops training with an error, as a non-finite one
    // does: when > 0, a step whose loss is more than max_loss_growth times
    // the reference loss throws "training diverged" before its update. The
    // reference is the first epoch's mean loss (until it is known, the first
    // step's loss). Not the best loss so far: on data fitted to a loss near
    // zero, 1e-9 -> 1e-3 is noise, not divergence. 0: no such check.
    double max_loss_growth = 1e6;
};

struct StepInfo {
    std::size_t epoch = 0;  // 0-based epoch this step belongs to
    std::size_t step = 0;   // optimizer steps taken, this one included
    std::size_t rows = 0;   // rows in this step
    double loss = 0;        // mean loss over the step's rows
    bool last = false;      // no step follows in this fit()
    std::size_t position = 0;    // rows of the epoch consumed after this step
    std::size_t epoch_rows = 0;  // rows in the epoch
    // The gradient's global 2-norm before clipping (NaN without clip_grad_norm).
    double grad_norm = std::numeric_limits<double>::quiet_NaN();
};

struct Evaluation {
    // Mean reduction: the mean loss over the rows; sum: the summed loss per row.
    double loss = std::numeric_limits<double>::quiet_NaN();
    // Fraction of rows whose argmax matches the label (or the target row's
    // argmax); NaN when the targets are single-column regression values.
    double accuracy = std::numeric_limits<double>::quiet_NaN();
    std::size_t rows = 0;
};

struct EpochInfo {
    std::size_t epoch = 0;  // 1-based: epochs completed
    std::size_t step = 0;
    Evaluation train;       // running means over the epoch's training rows
    bool has_validation = false;
    Evaluation validation;
    double seconds = 0;     // training time of the epoch (evaluation excluded)
    double samples_per_s = 0;
    double lr = 0;
    // Early stopping: this epoch ended training, and the parameters are the
    // best epoch's (best_epoch, 1-based) when restore_best.
    bool stopped_early = false;
    std::size_t best_epoch = 0;
};

struct TrainerState {
    std::size_t epoch = 0;     // completed epochs
    std::size_t step = 0;      // optimizer steps taken
    std::size_t position = 0;  // rows consumed in the current epoch
    std::string epoch_rng;     // Rng state before the current epoch's shuffle
    std::string rng;           // Rng state now
    // Early stopping: the best monitored value, its epoch (1-based), epochs
    // since, whether training stopped, and the best parameters (as doubles,
    // exact for either dtype; empty until an epoch was evaluated).
    double best_metric = std::numeric_limits<double>::quiet_NaN();
    std::size_t best_epoch = 0;
    std::size_t epochs_without_improvement = 0;
    bool stopped_early = false;
    std::vector<double> best_parameters;
    // The reference of TrainOptions::max_loss_growth (NaN until the first step).
    double reference_loss = std::numeric_limits<double>::quiet_NaN();
};

template <class T>
class Trainer {
public:
    Trainer(Layer<T>& model, Loss<T>& loss, Optimizer<T>& optimizer, TrainOptions options);
    ~Trainer();  // detaches the model from the trainer's noise key (Dropout)
    Trainer(const Trainer&) = delete;
    Trainer& operator=(const Trainer&) = delete;

    // Trains until options.epochs are complete (or max_steps steps are taken).
    void fit(const DataSetView<T>& train, const DataSetView<T>* validation = nullptr);
    Evaluation evaluate(const DataSetView<T>& data);

    std::function<void(const StepInfo&)> before_update;  // gradients complete, parameters not yet updated
    std::function<void(const StepInfo&)> on_step;        // after the update
    std::function<void(const EpochInfo&)> on_epoch;
    // When set: the lr of each epoch (0-based), set on the optimizer as the
    // epoch begins, also when a restored run resumes mid-epoch (lr_schedule.hpp).
    std::function<double(std::size_t epoch)> lr_at_epoch;

    // Data-parallel training over `comm`'s ranks (null: one process, the
    // default). Not owned; must outlive fit().
    void set_communicator(Communicator* comm) { comm_ = comm; }
    Communicator* communicator() const { return comm_; }
    // Seconds spent in the gradient allreduce over all fit() calls.
    double allreduce_seconds() const { return allreduce_seconds_; }

    // The one engine switch: the model (and so every layer) and the loss.
    void set_engine(Engine engine);
    Engine engine() const { return model_.engine(); }

    const TrainOptions& options() const { return options_; }
    std::size_t epoch() const { return epoch_; }
    std::size_t step() const { return step_; }
    bool finished() const;
    TrainerState state() const;
    void restore(const TrainerState& state);

private:
    struct Batch {
        ConstView<T> x;
        Targets<T> targets{nullptr, 0};
    };
    void validate(const DataSetView<T>& data, const char* what) const;
    void check_engines() const;
    // Throws naming the step and the parameter if an update left a NaN or infinity.
    void require_finite_parameters() const;
    // Throws if `loss`, this step's, grew beyond max_loss_growth times the
    // reference; sets the reference from the run's first step.
    void check_loss_growth(double loss, std::size_t rows);
    void begin_epoch(std::size_t rows);
    // Ranks: check they agree on data and settings; rank 0's state to all.
    void synchronise_ranks(const DataSetView<T>& train, const DataSetView<T>* validation);
    // Rows [begin, end) of a step of `rows` rows that this rank trains.
    std::pair<std::size_t, std::size_t> shard(std::size_t rows) const;
    Batch gather(const DataSetView<T>& data, std::size_t start, std::size_t count);
    void count_correct(const DataSetView<T>& data, ConstView<T> out, std::size_t start, std::size_t count,
                       bool shuffled, std::size_t& correct, bool& classification) const;

    Layer<T>& model_;
    Loss<T>& loss_;
    Optimizer<T>& optimizer_;
    TrainOptions options_;
    Rng rng_;
    Rng epoch_rng_;  // a copy (cheap), serialised only by state()
    NoiseKey noise_;  // Dropout's masks: the seed, then each micro-batch's step and first row
    std::vector<std::size_t> order_;
    std::size_t epoch_ = 0;
    std::size_t step_ = 0;
    std::size_t position_ = 0;
    // Gather buffers for shuffled batches: sized once, reused every step.
    Matrix<T> batch_x_;
    Matrix<T> batch_rows_;
    std::vector<std::int64_t> batch_labels_;
    // Early stopping (patience > 0): returns whether training stops after epoch `e`.
    bool early_stopping_says_stop(EpochInfo& e);
    std::vector<T> accumulated_;  // the sum of the earlier micro-batches' gradients
    double best_metric_ = std::numeric_limits<double>::quiet_NaN();
    std::size_t best_epoch_ = 0, epochs_without_improvement_ = 0;
    bool stopped_early_ = false;
    std::vector<double> best_parameters_;
    double reference_loss_ = std::numeric_limits<double>::quiet_NaN();
    Communicator* comm_ = nullptr;
    double allreduce_seconds_ = 0;
};

}  // namespace vecnn
