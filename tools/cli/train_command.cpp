// vecnn train: trains a model spec on features and targets from files.
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <vector>

#include "vecnn/data/dataset.hpp"
#include "vecnn/nn/checkpoint.hpp"
#include "vecnn/nn/init_scheme.hpp"
#include "vecnn/nn/loss.hpp"
#include "vecnn/nn/lr_schedule.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/nn/model_summary.hpp"
#include "vecnn/nn/optimizer_factory.hpp"
#include "vecnn/nn/trainer.hpp"
#include "vecnn/nn/training_checkpoint.hpp"
#include "vecnn/nn/training_log.hpp"
#include "vecnn/tensor/bf16_gemm.hpp"
#include "vecnn/tensor/precision.hpp"
#include "vecnn/tensor/threads.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/distributed.hpp"
#include "tools/cli/model_data.hpp"
#include "tools/cli/options.hpp"
#include "tools/cli/run_folder_lock.hpp"
#include "tools/cli/standardize.hpp"
#include "vecnn/nn/layer_spec.hpp"
#include "vecnn/tensor/shape_check.hpp"

namespace vecnn::cli {
namespace {

struct TrainArgs {
    SampleShape input_shape;
    std::string model, loss = "cross-entropy", reduction = "mean";
    LossOptions loss_options;
    std::string x, y, val_x, val_y;
    std::string dtype = "float32", engine = "vectorized", optimizer = "sgd";
    std::string precision = "float32";  // of the GEMMs' operands
    OptimizerOptions optim;
    double lr = 0;  // 0 with lr_given false: the optimizer's default
    std::size_t batch_size = 64, accumulate = 1, epochs = 1, steps = 0;
    double clip_grad_norm = 0;
    LrScheduleOptions schedule;
    std::size_t patience = 0;
    std::string monitor = "val_loss";
    double min_delta = 0;
    double max_loss_growth = 1e6;
    bool no_shuffle = false, drop_last = false;
    std::uint64_t seed = 0;
    std::string init, init_scheme = "default", save, resume, dump_grads, log_json;
    std::vector<std::string> allow_change;
    int threads = 0;
    bool quiet = false;
    bool distributed = false;
    bool standardize = false;
};

std::string join_numbers(const std::vector<double>& values) {
    std::string s;
    for (double v : values) s += (s.empty() ? "" : ",") + format_number(v);
    return s;
}

// What a resumed run must share with the run that wrote its checkpoint, one
// "key=value" per line: the model, the data's shapes, the optimizer and every
// hyperparameter, the batching and the seed (not the engine, the epoch count
// or the step count: those may change).
template <class T>
std::string run_settings(const TrainArgs& a, const Layer<T>& model, const Loss<T>& loss, const Optimizer<T>& optimizer,
                         const ModelData<T>& train, const ModelData<T>* val, std::size_t ranks) {
    auto shape = [](const ModelData<T>& d) {
        return to_string(d.view.features.shape) + " -> " +
               (d.targets.is_labels ? "labels (" + std::to_string(d.targets.labels.size()) + ")"
                                    : to_string(shape_of(d.targets.rows)));
    };
    std::string s = "model=" + model.describe() +
                    (a.input_shape.empty() ? "" : "\ninput_shape=" + shape_string(a.input_shape)) +
                    "\ndtype=" + a.dtype + "\nloss=" + loss.describe() +
                    (loss.reduction() == Reduction::sum ? "\nreduction=sum" : "") +
                    (a.loss_options.pos_weight.empty() ? "" : "\npos_weight=" + join_numbers(a.loss_options.pos_weight)) +
                    "\noptimizer=" + a.optimizer + "\nlr=" + format_number(optimizer.lr());
    for (const auto& [key, value] : optimizer.settings()) s += "\n" + key + "=" + value;
    if (a.clip_grad_norm > 0) s += "\nclip_grad_norm=" + format_number(a.clip_grad_norm);
    if (a.patience > 0) {
        s += "\npatience=" + std::to_string(a.patience) + "\nmonitor=" + a.monitor +
             "\nmin_delta=" + format_number(a.min_delta);
    }
    if (a.schedule.kind != "none") s += "\nlr_schedule=" + LrSchedule(a.schedule, optimizer.lr()).describe();
    if (ranks > 1) s += "\nranks=" + std::to_string(ranks);  // another rank count splits every step differently
    s += "\nbatch_size=" + std::to_string(a.batch_size) + "\naccumulate=" + std::to_string(a.accumulate) +
         "\nseed=" + std::to_string(a.seed) + "\nshuffle=" + (a.no_shuffle ? "false" : "true") +
         "\ndrop_last=" + (a.drop_last ? "true" : "false") + "\ntrain_data=" + shape(train);
    if (a.standardize) s += "\nstandardize=true";
    if (val) s += "\nvalidation_data=" + shape(*val);
    return s;
}

// "  loss 0.0123  accuracy 98.33%", each name after `prefix`; no accuracy for
// single-column regression.
std::string metrics(const std::string& prefix, const Evaluation& e) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "  %sloss %.6g", prefix.c_str(), e.loss);
    std::string s = buf;
    if (!std::isnan(e.accuracy)) {
        std::snprintf(buf, sizeof buf, "  %saccuracy %.2f%%", prefix.c_str(), 100 * e.accuracy);
        s += buf;
    }
    return s;
}

// One line, --quiet or not: the metrics of the parameters as they are saved
// (after early stopping, the best epoch's), on the training and validation sets.
template <class T>
void print_final_metrics(Trainer<T>& trainer, const ModelData<T>& train, const ModelData<T>* val) {
    std::string line = "final: epoch " + std::to_string(trainer.epoch()) + ", step " + std::to_string(trainer.step()) +
                       metrics("", trainer.evaluate(train.view));
    if (val) line += metrics("val_", trainer.evaluate(val->view));
    std::printf("%s\n", line.c_str());
}

// With ranks (comm not null) every rank trains its shard of each step; rank
// 0 alone locks the run folder, reads and writes the checkpoint, reads
// --init, logs and saves (the Trainer copies its state to the others).
template <class T>
void run(const TrainArgs& a, bool lr_given, Communicator* comm) {
    const bool lead = !comm || comm->rank() == 0;
    const std::size_t ranks = comm ? comm->size() : 1;
    // First of all: a second run on the same folder stops here, before any work.
    std::optional<RunFolderLock> lock;
    if (!a.resume.empty() && lead) lock.emplace(a.resume);
    if (a.threads > 0) set_compute_threads(a.threads);
    auto model = build_model<T>(a.model, a.seed, a.input_shape);
    LossOptions loss_options = a.loss_options;
    loss_options.reduction = reduction_from_string(a.reduction);
    auto loss = make_loss<T>(a.loss, loss_options);
    const SpecFeatures features = model_features(*model);

    ModelData<T> train = load_model_data<T>(features, a.loss, a.x, a.y, "--x", "--y");
    std::optional<ModelData<T>> val;
    if (!a.val_x.empty() || !a.val_y.empty()) {
        if (a.val_x.empty() || a.val_y.empty()) throw CommandError("--val-x and --val-y go together");
        val.emplace(load_model_data<T>(features, a.loss, a.val_x, a.val_y, "--val-x", "--val-y"));
    }
    // What travels with the parameters in --save and the checkpoint.
    ModelMetadata metadata;
    metadata.spec = model->describe();
    metadata.input_shape = a.input_shape;
    if (a.standardize) {
        fit_standardization(train.features, metadata);
        standardize(train.features, metadata, "--x " + a.x);
        if (val) standardize(val->features, metadata, "--val-x " + a.val_x);
    }
    apply_init_scheme(*model, init_scheme_from_string(a.init_scheme), a.seed);
    if (!a.init.empty() && lead) load_parameters(*model, a.init);

    OptimizerOptions optim = a.optim;
    if (lr_given) optim.lr = a.lr;
    auto optimizer = make_optimizer(*model, a.optimizer, optim);

    TrainOptions options;
    options.batch_size = a.batch_size;
    options.accumulate = a.accumulate;
    options.epochs = a.epochs;
    options.max_steps = a.steps;
    options.shuffle = !a.no_shuffle;
    options.drop_last = a.drop_last;
    options.seed = a.seed;
    options.clip_grad_norm = a.clip_grad_norm;
    options.patience = a.patience;
    options.monitor = a.monitor;
    options.min_delta = a.min_delta;
    options.max_loss_growth = a.max_loss_growth;
    Trainer<T> trainer(*model, *loss, *optimizer, options);
    const LrSchedule schedule(a.schedule, optimizer->lr());  // checks the options before any work
    if (a.schedule.kind != "none") trainer.lr_at_epoch = [&schedule](std::size_t e) { return schedule.lr_at(e); };
    trainer.set_engine(engine_from_string(a.engine));
    trainer.set_communicator(comm);

    // Resuming: one checkpoint file in the folder, rewritten after every epoch,
    // with the settings of the run that wrote it (run_settings).
    const std::string config = run_settings(a, *model, *loss, *optimizer, train, val ? &*val : nullptr, ranks);
    std::string checkpoint;
    if (!a.resume.empty() && lead) {
        checkpoint = (std::filesystem::path(a.resume) / "checkpoint.npz").string();
        if (std::filesystem::exists(checkpoint)) {
            trainer.restore(load_training_checkpoint(checkpoint, *model, *optimizer, config, a.allow_change));
            if (!a.quiet) {
                std::printf("resumed from %s at epoch %zu, step %zu\n", checkpoint.c_str(), trainer.epoch(),
                            trainer.step());
            }
        }
    }

    TrainingLogOptions log_options;
    if (lead) log_options.json_path = a.log_json;
    log_options.total_epochs = a.steps ? 0 : a.epochs;
    log_options.progress = !a.quiet && lead;
    log_options.human_lines = !a.quiet && lead;
    TrainingLog log(log_options);
    log.attach(trainer);
    if (!checkpoint.empty()) {
        auto report = trainer.on_epoch;
        trainer.on_epoch = [&, report](const EpochInfo& e) {
            if (report) report(e);
            save_training_checkpoint(checkpoint, *model, *optimizer, trainer.state(), config, metadata_arrays(metadata));
        };
    }
    if (!a.dump_grads.empty() && lead) {
        trainer.before_update = [&](const StepInfo& s) {
            if (s.last) save_arrays(a.dump_grads, gradient_arrays(*model, sizeof(T) == 4 ? FloatType::float32
                                                                                          : FloatType::float64));
        };
    }
    if (!a.quiet && lead) {
        const std::string split =
            (ranks > 1 ? " over " + std::to_string(ranks) + " ranks" : std::string()) +
            (a.accumulate > 1 ? (ranks > 1 ? ", each" : "") + std::string(" in ") + std::to_string(a.accumulate) +
                                    " micro-batches"
                              : std::string());
        const std::string matmuls =
            a.precision == "bf16" ? " (GEMM operands in bf16: " + bf16_gemm_description() + ")" : std::string();
        std::printf("training %s (%zu parameters), %s%s, %s engine, %s, batch %zu%s, %zu rows\n",
                    model->describe().c_str(), model->parameter_count(), a.dtype.c_str(), matmuls.c_str(),
                    a.engine.c_str(), optimizer->describe().c_str(), a.batch_size, split.c_str(), train.view.rows());
        std::fputs(summarize(*model, train.view.features.cols()).table().c_str(), stdout);
    }
    trainer.fit(train.view, val ? &val->view : nullptr);
    if (a.patience > 0 && !a.quiet && lead) {
        const TrainerState state = trainer.state();
        if (state.stopped_early) {
            std::printf("early stopping after epoch %zu: %s did not improve for %zu epochs; the parameters of epoch "
                        "%zu (%s %g) are kept\n",
                        trainer.epoch(), a.monitor.c_str(), a.patience, state.best_epoch, a.monitor.c_str(),
                        state.best_metric);
        }
    }
    if (!checkpoint.empty()) {
        save_training_checkpoint(checkpoint, *model, *optimizer, trainer.state(), config, metadata_arrays(metadata));
    }
    if (lead) print_final_metrics(trainer, train, val ? &*val : nullptr);
    if (!a.save.empty() && lead) {
        save_model(*model, metadata, a.save);
        if (!a.quiet) std::printf("saved parameters to %s\n", a.save.c_str());
    }
}

}  // namespace

void add_train_command(CLI::App& app) {
    auto a = std::make_shared<TrainArgs>();
    auto* cmd = app.add_subcommand("train", "train a model on features and targets from files");
    add_model_option(*cmd, a->model)->required();
    add_input_shape_option(*cmd, a->input_shape);
    add_loss_options(*cmd, a->loss, a->loss_options, a->reduction);
    cmd->add_option("--x", a->x, "features: .npy, CSV or MNIST IDX (a file, a pipe, or - for stdin)")
        ->required()
        ->check(non_empty_path());
    cmd->add_option("--y", a->y, "targets: class indices or rows (.npy, CSV or MNIST IDX)")
        ->required()
        ->check(non_empty_path());
    cmd->add_option("--val-x", a->val_x, "held-out features")->check(non_empty_path());
    cmd->add_option("--val-y", a->val_y, "held-out targets")->check(non_empty_path());
    add_dtype_option(*cmd, a->dtype);
    add_engine_option(*cmd, a->engine);
    cmd->add_option("--precision", a->precision,
                    "float32 | bf16: the GEMMs' operands (bf16: rounded to bfloat16 with float32 sums; parameters, "
                    "gradients and optimizer state stay float32, as under torch.autocast)")
        ->check(CLI::IsMember({"float32", "bf16"}));
    cmd->add_option("--optimizer", a->optimizer, "sgd | adam | adamw | rmsprop | adagrad (torch.optim's)")
        ->check(CLI::IsMember(optimizer_names()));
    auto* lr = default_in_text(cmd->add_option(
        "--lr", a->lr, "learning rate (default: sgd 0.01, adam and adamw 0.001, rmsprop and adagrad 0.01)"));
    cmd->add_option("--momentum", a->optim.momentum, "sgd, rmsprop momentum");
    cmd->add_option("--dampening", a->optim.dampening, "sgd dampening");
    cmd->add_flag("--nesterov", a->optim.nesterov, "sgd Nesterov momentum");
    default_in_text(cmd->add_option("--weight-decay", a->optim.weight_decay,
                                    "L2 penalty added to the gradient (default 0; adamw: decoupled, default 0.01)"));
    cmd->add_option("--beta1", a->optim.beta1, "adam, adamw beta1");
    cmd->add_option("--beta2", a->optim.beta2, "adam, adamw beta2");
    default_in_text(cmd->add_option("--eps", a->optim.eps, "eps of adam, adamw, rmsprop (default 1e-8), adagrad (1e-10)"));
    cmd->add_option("--alpha", a->optim.alpha, "rmsprop smoothing constant");
    cmd->add_flag("--centered", a->optim.centered, "rmsprop: normalise by the gradient's variance");
    cmd->add_option("--lr-decay", a->optim.lr_decay, "adagrad learning-rate decay");
    cmd->add_option("--initial-accumulator-value", a->optim.initial_accumulator_value,
                    "adagrad: the sum of squares starts here");
    cmd->add_option("--batch-size", a->batch_size, "rows per optimizer step")->check(whole_number(1, kMaxCount));
    cmd->add_option("--accumulate", a->accumulate, "micro-batches per optimizer step")
        ->check(whole_number(1, kMaxCount));
    auto* epochs = cmd->add_option("--epochs", a->epochs, "epochs to train (in total, when resuming)")
                       ->check(whole_number(1, kMaxCount));
    default_in_text(cmd->add_option("--steps", a->steps, "optimizer steps to train instead of epochs (default: none, "
                                                          "--epochs decides)"))
        ->check(whole_number(1, kMaxCount))
        ->excludes(epochs);
    cmd->add_option("--clip-grad-norm", a->clip_grad_norm,
                    "clip each step's gradient to this global 2-norm (torch.nn.utils.clip_grad_norm_; 0: no clipping)")
        ->check(finite_number(1e-30, 1e30));
    cmd->add_option("--lr-schedule", a->schedule.kind,
                    "per-epoch lr schedule, as torch.optim.lr_scheduler: none | step (StepLR) | multistep "
                    "(MultiStepLR) | cosine (CosineAnnealingLR) | linear (LinearLR, a warm-up)")
        ->check(CLI::IsMember(lr_schedule_names()));
    cmd->add_option("--step-size", a->schedule.step_size, "step: epochs between decays")->check(whole_number(1, kMaxCount));
    cmd->add_option("--gamma", a->schedule.gamma, "step, multistep: the decay factor");
    default_in_text(cmd->add_option("--milestones", a->schedule.milestones,
                                    "multistep: epochs at which to decay, e.g. 30,80 (no default)"))
        ->delimiter(',');
    cmd->add_option("--t-max", a->schedule.t_max, "cosine: epochs of a half period")->check(whole_number(1, kMaxCount));
    cmd->add_option("--eta-min", a->schedule.eta_min, "cosine: the lowest lr");
    default_in_text(
        cmd->add_option("--start-factor", a->schedule.start_factor, "linear: lr factor of the first epoch (default 1/3)"));
    cmd->add_option("--end-factor", a->schedule.end_factor, "linear: lr factor at the end");
    cmd->add_option("--total-iters", a->schedule.total_iters, "linear: epochs of the warm-up")
        ->check(whole_number(1, kMaxCount));
    default_in_text(cmd->add_option("--patience", a->patience,
                                    "early stopping: stop after this many epochs without improvement of --monitor on "
                                    "the validation set, keeping the best epoch's parameters (needs --val-x/--val-y; "
                                    "default: no early stopping)"))
        ->check(whole_number(1, kMaxCount));
    cmd->add_option("--monitor", a->monitor, "early stopping's metric: val_loss | val_accuracy")
        ->check(CLI::IsMember({"val_loss", "val_accuracy"}));
    cmd->add_option("--min-delta", a->min_delta, "early stopping: the smallest change that counts as improvement")
        ->check(finite_number(0, 1e30));
    cmd->add_option("--max-loss-growth", a->max_loss_growth,
                    "stop with an error when a step's loss exceeds this many times the first epoch's mean loss "
                    "(0: never)")
        ->check(finite_number(0, 1e300));
    cmd->add_flag("--no-shuffle", a->no_shuffle, "take rows in order instead of reshuffling every epoch");
    cmd->add_flag("--drop-last", a->drop_last, "drop an epoch's last partial batch");
    cmd->add_option("--seed", a->seed, "seed for initialisation and shuffling")->check(whole_number(0, UINT64_MAX));
    auto* init = cmd->add_option("--init", a->init, "load parameters from this .npz instead of the random init")
                     ->check(non_empty_path());
    cmd->add_option("--init-scheme", a->init_scheme,
                    "default (PyTorch's own) | xavier-uniform | xavier-normal | kaiming-uniform | kaiming-normal "
                    "(weights redrawn from --seed, biases zero)")
        ->check(CLI::IsMember(init_scheme_names()))
        ->excludes(init);
    cmd->add_option("--save", a->save,
                    "write the trained parameters to this .npz, with the model spec (and --standardize's statistics) "
                    "under vecnn.* keys, so predict needs no --model")
        ->check(non_empty_path());
    cmd->add_flag("--standardize", a->standardize,
                  "standardize each feature with the training set's mean and std (population; 0 counts as 1), "
                  "applied to --x and --val-x, saved with the model, applied by predict");
    cmd->add_option("--resume", a->resume,
                    "folder for a checkpoint written every epoch; resumes from it if present (one run at a time)")
        ->check(non_empty_path());
    default_in_text(cmd->add_option("--allow-change", a->allow_change,
                                    "settings a resumed run may change from its checkpoint's, e.g. lr (see the error "
                                    "that lists them; default none)"))
        ->delimiter(',');
    cmd->add_option("--dump-grads", a->dump_grads, "write the last step's accumulated gradients to this .npz")
        ->check(non_empty_path());
    cmd->add_option("--log-json", a->log_json, "write one JSON object per epoch to this file")->check(non_empty_path());
    add_input_limit_options(*cmd);
    add_threads_option(*cmd, a->threads);
    cmd->add_flag("--quiet", a->quiet, "no per-epoch lines or progress bar (the final metrics line stays)");
    add_distributed_option(*cmd, a->distributed);
    cmd->callback([a, lr] {
        const auto comm = join_ranks(a->distributed);
        if (a->precision == "bf16" && a->dtype == "float64") {
            throw CommandError("--precision bf16 applies to float32 models, not --dtype float64");
        }
        ScopedMatmulPrecision precision(matmul_precision_from_string(a->precision));
        run_as_rank(comm.get(), [&] {
            if (a->dtype == "float64") {
                run<double>(*a, lr->count() > 0, comm.get());
            } else {
                run<float>(*a, lr->count() > 0, comm.get());
            }
        });
    });
}

}  // namespace vecnn::cli
