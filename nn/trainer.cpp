#include "vecnn/nn/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "vecnn/nn/clip_grad_norm.hpp"
#include "vecnn/nn/communicator.hpp"
#include "vecnn/nn/finite_check.hpp"
#include "vecnn/nn/layer_spec.hpp"
#include "vecnn/nn/optimizer.hpp"
#include "vecnn/tensor/shape_check.hpp"

namespace vecnn {

template <class T>
Trainer<T>::Trainer(Layer<T>& model, Loss<T>& loss, Optimizer<T>& optimizer, TrainOptions options)
    : model_(model), loss_(loss), optimizer_(optimizer), options_(options), rng_(options.seed), epoch_rng_(options.seed) {
    if (options_.batch_size == 0) throw std::invalid_argument("trainer: batch size must be at least 1");
    if (options_.accumulate == 0 || options_.accumulate > options_.batch_size) {
        throw std::invalid_argument("trainer: accumulate " + std::to_string(options_.accumulate) +
                                    " must be between 1 and the batch size " + std::to_string(options_.batch_size));
    }
    if (options_.eval_batch == 0) throw std::invalid_argument("trainer: eval batch must be at least 1");
    if (options_.monitor != "val_loss" && options_.monitor != "val_accuracy") {
        throw std::invalid_argument("trainer: monitor '" + options_.monitor + "' (expected val_loss or val_accuracy)");
    }
    if (options_.min_delta < 0 || !std::isfinite(options_.min_delta)) {
        throw std::invalid_argument("trainer: min_delta " + std::to_string(options_.min_delta) +
                                    " must be finite and >= 0");
    }
    if (options_.clip_grad_norm < 0 || !std::isfinite(options_.clip_grad_norm)) {
        throw std::invalid_argument("trainer: clip_grad_norm " + std::to_string(options_.clip_grad_norm) +
                                    " must be finite and >= 0 (0: no clipping)");
    }
    check_engines();
    noise_.seed = options_.seed;
    model_.set_noise_key(&noise_);
}

template <class T>
Trainer<T>::~Trainer() {
    model_.set_noise_key(nullptr);
}

template <class T>
void Trainer<T>::set_engine(Engine engine) {
    model_.set_engine(engine);
    loss_.set_engine(engine);
}

template <class T>
void Trainer<T>::require_finite_parameters() const {
    const std::string bad = non_finite_parameter(model_);
    if (bad.empty()) return;
    throw std::runtime_error("training diverged: optimizer step " + std::to_string(step_) + " (" +
                             optimizer_.describe() + ") left " + bad +
                             "; training stopped, nothing after the last good checkpoint was saved "
                             "(lower the learning rate or the weight decay)");
}

template <class T>
void Trainer<T>::check_loss_growth(double loss, std::size_t rows) {
    if (std::isnan(reference_loss_)) reference_loss_ = loss;
    const double limit = options_.max_loss_growth * reference_loss_;
    if (options_.max_loss_growth <= 0 || reference_loss_ <= 0 || loss <= limit) return;
    require_finite_parameters();  // the last update, if it broke the model, is named first
    throw std::runtime_error("training diverged: the loss is " + format_number(loss) + " at epoch " +
                             std::to_string(epoch_ + 1) + ", step " + std::to_string(step_ + 1) + " (rows " +
                             std::to_string(position_) + ".." + std::to_string(position_ + rows - 1) +
                             " of the epoch), more than " + format_number(options_.max_loss_growth) + " times " +
                             (epoch_ == 0 ? "the first step's loss " : "the first epoch's mean loss ") +
                             format_number(reference_loss_) +
                             "; parameters were not updated (lower the learning rate)");
}

template <class T>
void Trainer<T>::check_engines() const {
    if (model_.engine() != loss_.engine()) {
        throw std::invalid_argument(std::string("trainer: the model runs the ") + to_string(model_.engine()) +
                                    " engine but the loss the " + to_string(loss_.engine()) +
                                    " engine; choose one for both with Trainer::set_engine");
    }
}

template <class T>
bool Trainer<T>::finished() const {
    if (stopped_early_) return true;
    return options_.max_steps > 0 ? step_ >= options_.max_steps : epoch_ >= options_.epochs;
}

template <class T>
bool Trainer<T>::early_stopping_says_stop(EpochInfo& e) {
    const bool lower_is_better = options_.monitor == "val_loss";
    const double value = lower_is_better ? e.validation.loss : e.validation.accuracy;
    if (std::isnan(value)) {
        throw std::invalid_argument("trainer: early stopping monitors " + options_.monitor +
                                    ", which these targets do not define (single-column regression has no accuracy)");
    }
    const bool improved = std::isnan(best_metric_) ||
                          (lower_is_better ? value < best_metric_ - options_.min_delta
                                           : value > best_metric_ + options_.min_delta);
    if (improved) {
        best_metric_ = value;
        best_epoch_ = e.epoch;
        epochs_without_improvement_ = 0;
        const T* p = model_.parameter_data();
        best_parameters_.assign(p, p + model_.parameter_count());
    } else {
        ++epochs_without_improvement_;
    }
    e.best_epoch = best_epoch_;
    if (epochs_without_improvement_ < options_.patience) return false;
    stopped_early_ = true;
    e.stopped_early = true;
    if (options_.restore_best) {
        T* p = model_.parameter_data();
        for (std::size_t i = 0; i < best_parameters_.size(); ++i) p[i] = static_cast<T>(best_parameters_[i]);
    }
    return true;
}

template <class T>
TrainerState Trainer<T>::state() const {
    std::ostringstream now, epoch_start;
    rng_.save(now);
    epoch_rng_.save(epoch_start);
    TrainerState s;
    s.epoch = epoch_;
    s.step = step_;
    s.position = position_;
    s.epoch_rng = epoch_start.str();
    s.rng = now.str();
    s.best_metric = best_metric_;
    s.best_epoch = best_epoch_;
    s.epochs_without_improvement = epochs_without_improvement_;
    s.stopped_early = stopped_early_;
    s.best_parameters = best_parameters_;
    s.reference_loss = reference_loss_;
    return s;
}

template <class T>
void Trainer<T>::restore(const TrainerState& state) {
    epoch_ = state.epoch;
    step_ = state.step;
    position_ = state.position;
    std::istringstream in(state.rng);
    rng_.load(in);
    std::istringstream epoch_start(state.epoch_rng);
    epoch_rng_.load(epoch_start);
    if (!state.best_parameters.empty() && state.best_parameters.size() != model_.parameter_count()) {
        throw std::invalid_argument("trainer: the state's best parameters hold " +
                                    std::to_string(state.best_parameters.size()) + " values, the model " +
                                    std::to_string(model_.parameter_count()));
    }
    best_metric_ = state.best_metric;
    best_epoch_ = state.best_epoch;
    epochs_without_improvement_ = state.epochs_without_improvement;
    stopped_early_ = state.stopped_early;
    best_parameters_ = state.best_parameters;
    reference_loss_ = state.reference_loss;
}

template <class T>
void Trainer<T>::validate(const DataSetView<T>& data, const char* what) const {
    check_engines();
    if (data.rows() == 0) throw std::invalid_argument(std::string("trainer: the ") + what + " set has no rows");
    if (!data.has_labels() && data.target_rows.rows() != data.rows()) {
        throw std::invalid_argument(std::string("trainer: the ") + what + " set has features " +
                                    to_string(data.features.shape) + " but targets " +
                                    to_string(data.target_rows.shape));
    }
}

// Draws this epoch's row order. The Rng state before the draw is kept so a
// run resumed in the middle of the epoch redraws the very same order.
template <class T>
void Trainer<T>::begin_epoch(std::size_t rows) {
    if (position_ == 0) {
        epoch_rng_ = rng_;
    } else {
        rng_ = epoch_rng_;
    }
    order_.resize(rows);
    std::iota(order_.begin(), order_.end(), std::size_t{0});
    if (options_.shuffle) {
        for (std::size_t i = rows; i-- > 1;) std::swap(order_[i], order_[rng_.below(i + 1)]);  // Fisher-Yates
    }
}

template <class T>
std::pair<std::size_t, std::size_t> Trainer<T>::shard(std::size_t rows) const {
    if (!comm_) return {0, rows};
    const std::size_t ranks = comm_->size();
    const std::size_t per_rank = (options_.batch_size + ranks - 1) / ranks;
    const std::size_t begin = std::min(comm_->rank() * per_rank, rows);
    return {begin, std::min(begin + per_rank, rows)};
}

template <class T>
void Trainer<T>::synchronise_ranks(const DataSetView<T>& train, const DataSetView<T>* validation) {
    Communicator& comm = *comm_;
    auto data_fingerprint = [](const DataSetView<T>& d) {
        std::uint64_t h = fingerprint(d.features.data, d.features.size() * sizeof(T), d.features.cols());
        if (d.has_labels()) return fingerprint(d.labels, d.rows() * sizeof(std::int64_t), h);
        return fingerprint(d.target_rows.data, d.target_rows.size() * sizeof(T), h ^ d.target_rows.cols());
    };
    require_same_on_all_ranks(comm, train.rows(), "the training set's row count");
    require_same_on_all_ranks(comm, train.features.cols(), "the training set's feature count");
    require_same_on_all_ranks(comm, data_fingerprint(train),
                              "the training data (a fingerprint of its features and targets)");
    require_same_on_all_ranks(comm, validation ? validation->rows() : 0, "the validation set's row count");
    require_same_on_all_ranks(comm, validation ? data_fingerprint(*validation) : 0,
                              "the validation data (a fingerprint of its features and targets)");
    require_same_on_all_ranks(comm, sizeof(T), "the model's dtype size in bytes");
    require_same_on_all_ranks(comm, model_.parameter_count(), "the model's parameter count");
    const std::string model = model_.describe(), optimizer = optimizer_.describe();
    require_same_on_all_ranks(comm, fingerprint(model.data(), model.size()), "the model (" + model + ")");
    require_same_on_all_ranks(comm, fingerprint(optimizer.data(), optimizer.size()),
                              "the optimizer (" + optimizer + ")");
    const std::uint64_t settings[] = {options_.batch_size, options_.accumulate, options_.epochs, options_.max_steps,
                                      options_.shuffle,    options_.drop_last,  options_.seed};
    require_same_on_all_ranks(comm, fingerprint(settings, sizeof settings),
                              "the training settings (batch size, accumulate, epochs, steps, shuffle, drop_last, "
                              "seed)");

    // Rank 0's parameters, optimizer state and position to every rank: a
    // checkpoint or --init read by rank 0 alone is enough.
    comm.broadcast(model_.parameter_data(), model_.parameter_count() * sizeof(T), 0);
    OptimizerState<T> optimizer_state = optimizer_.state();
    for (auto& entry : optimizer_state) comm.broadcast(entry.second.data(), entry.second.size() * sizeof(T), 0);
    optimizer_.load_state(optimizer_state);
    TrainerState s = state();
    std::uint64_t counters[] = {s.epoch, s.step, s.position};
    comm.broadcast(counters, sizeof counters, 0);
    s.epoch = counters[0];
    s.step = counters[1];
    s.position = counters[2];
    broadcast_string(comm, s.epoch_rng, 0);
    broadcast_string(comm, s.rng, 0);
    std::uint64_t stopping[] = {s.best_epoch, s.epochs_without_improvement, s.stopped_early,
                                s.best_parameters.size()};
    comm.broadcast(stopping, sizeof stopping, 0);
    comm.broadcast(&s.best_metric, sizeof s.best_metric, 0);
    comm.broadcast(&s.reference_loss, sizeof s.reference_loss, 0);
    s.best_epoch = stopping[0];
    s.epochs_without_improvement = stopping[1];
    s.stopped_early = stopping[2] != 0;
    s.best_parameters.resize(stopping[3]);
    comm.broadcast(s.best_parameters.data(), s.best_parameters.size() * sizeof(double), 0);
    restore(s);
}

template <class T>
typename Trainer<T>::Batch Trainer<T>::gather(const DataSetView<T>& data, std::size_t start, std::size_t count) {
    const std::size_t cols = data.features.cols();
    Batch b;
    if (!options_.shuffle) {  // rows in order are contiguous: views, no copy
        b.x = ConstView<T>(data.features.data + start * cols, count, cols);
        if (data.has_labels()) {
            b.targets = Targets<T>(data.labels + start, count);
        } else {
            const std::size_t tc = data.target_rows.cols();
            b.targets = Targets<T>(ConstView<T>(data.target_rows.data + start * tc, count, tc));
        }
        return b;
    }
    ensure_shape(batch_x_, count, cols);
    for (std::size_t i = 0; i < count; ++i) {
        const T* src = data.features.data + order_[start + i] * cols;
        std::copy(src, src + cols, batch_x_.data() + i * cols);
    }
    b.x = batch_x_;
    if (data.has_labels()) {
        batch_labels_.resize(count);
        for (std::size_t i = 0; i < count; ++i) batch_labels_[i] = data.labels[order_[start + i]];
        b.targets = Targets<T>(batch_labels_.data(), count);
    } else {
        const std::size_t tc = data.target_rows.cols();
        ensure_shape(batch_rows_, count, tc);
        for (std::size_t i = 0; i < count; ++i) {
            const T* src = data.target_rows.data + order_[start + i] * tc;
            std::copy(src, src + tc, batch_rows_.data() + i * tc);
        }
        b.targets = Targets<T>(batch_rows_);
    }
    return b;
}

// Adds the rows of `out` whose argmax matches the target to `correct`.
// Classification means labels, or target rows of two or more columns.
template <class T>
void Trainer<T>::count_correct(const DataSetView<T>& data, ConstView<T> out, std::size_t start, std::size_t count,
                               bool shuffled, std::size_t& correct, bool& classification) const {
    classification = data.has_labels() || data.target_rows.cols() >= 2;
    if (!classification) return;
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t row = shuffled ? order_[start + i] : start + i;
        const std::size_t predicted = argmax_row(out, i);
        const std::size_t expected = data.has_labels() ? static_cast<std::size_t>(data.labels[row])
                                                       : argmax_row(data.target_rows, row);
        correct += predicted == expected ? 1 : 0;
    }
}

template <class T>
void Trainer<T>::fit(const DataSetView<T>& train, const DataSetView<T>* validation) {
    validate(train, "training");
    if (validation) validate(*validation, "validation");
    if (options_.patience > 0 && !validation) {
        throw std::invalid_argument("trainer: early stopping (patience " + std::to_string(options_.patience) +
                                    ") needs a validation set to monitor");
    }
    model_.set_training(true);  // torch's model.train(): Dropout drops
    const std::size_t n = train.rows();
    const std::size_t batch = options_.batch_size;
    if (options_.drop_last && n < batch) {
        throw std::invalid_argument("trainer: drop_last with batch size " + std::to_string(batch) +
                                    " larger than the " + std::to_string(n) + " training rows leaves no batch");
    }
    const bool distributed = comm_ && comm_->size() > 1;
    if (distributed) synchronise_ranks(train, validation);
    if (position_ >= n) position_ = 0;  // resumed onto a smaller data set: start the epoch over
    const std::size_t ranks = comm_ ? comm_->size() : 1;
    const std::size_t shard_rows = (batch + ranks - 1) / ranks;
    const std::size_t micro = (shard_rows + options_.accumulate - 1) / options_.accumulate;
    const std::size_t parameters = model_.parameter_count();
    if (options_.accumulate > 1) accumulated_.resize(parameters);
    const bool classification = train.has_labels() || train.target_rows.cols() >= 2;
    const bool sums = loss_.reduction() == Reduction::sum;

    using clock = std::chrono::steady_clock;
    while (!finished()) {
        begin_epoch(n);
        if (lr_at_epoch) optimizer_.set_lr(lr_at_epoch(epoch_));
        const auto started = clock::now();
        double loss_sum = 0;
        std::size_t seen = 0, correct = 0;
        bool stopped_mid_epoch = false;

        while (position_ < n) {
            const std::size_t rows = std::min(batch, n - position_);
            if (rows < batch && options_.drop_last) break;
            const auto [first, end] = shard(rows);
            model_.zero_grad();
            double step_loss = 0;
            std::size_t step_correct = 0;
            bool counted = false;
            for (std::size_t off = first; off < end; off += micro) {
                const std::size_t m = std::min(micro, end - off);
                const bool add_earlier = off > first;
                if (add_earlier) {  // keep the sum so far; the next backward writes a fresh gradient
                    const T* g = model_.gradient_data();
                    std::copy(g, g + parameters, accumulated_.begin());
                    model_.zero_grad();
                }
                const Batch b = gather(train, position_ + off, m);
                noise_.step = step_;  // Dropout: this micro-batch's rows of this step, on any rank
                noise_.first_row = off;
                const Matrix<T>& out = model_.forward(b.x);
                const T l = loss_.forward(out, b.targets);
                if (!std::isfinite(static_cast<double>(l))) {
                    require_finite_parameters();  // the last update, if it broke the model, is named first
                    throw std::runtime_error("training diverged: the loss is " + std::to_string(l) + " at epoch " +
                                             std::to_string(epoch_ + 1) + ", step " + std::to_string(step_ + 1) +
                                             " (rows " + std::to_string(position_ + off) + ".." +
                                             std::to_string(position_ + off + m - 1) +
                                             " of the epoch); parameters were not updated");
                }
                // Mean: this micro-batch's share of the step; sum: the sums just add.
                const double weight = sums ? 1.0 : static_cast<double>(m) / static_cast<double>(rows);
                step_loss += weight * static_cast<double>(l);
                count_correct(train, out, position_ + off, m, options_.shuffle, step_correct, counted);
                model_.backward(loss_.backward(static_cast<T>(weight)), false);
                if (add_earlier) {
                    T* g = model_.gradient_data();
                    for (std::size_t i = 0; i < parameters; ++i) g[i] += accumulated_[i];
                }
            }
            if (distributed) {
                // A rank without rows in this step adds zeros (reading settles its pending zero_grad).
                T* g = model_.gradient_data();
                const auto reduce_started = clock::now();
                comm_->allreduce_sum(g, parameters);
                allreduce_seconds_ += std::chrono::duration<double>(clock::now() - reduce_started).count();
                double totals[] = {step_loss, static_cast<double>(step_correct)};
                comm_->allreduce_sum(totals, 2);
                step_loss = totals[0];
                step_correct = static_cast<std::size_t>(totals[1]);
            }
            check_loss_growth(step_loss, rows);
            correct += step_correct;
            const std::size_t next = position_ + rows;
            const bool epoch_ends = next >= n || (options_.drop_last && n - next < batch);
            StepInfo info{epoch_, step_ + 1, rows, step_loss, false, next, n};
            if (options_.clip_grad_norm > 0) info.grad_norm = clip_grad_norm(model_, options_.clip_grad_norm);
            info.last = options_.max_steps > 0 ? step_ + 1 >= options_.max_steps
                                               : epoch_ends && epoch_ + 1 >= options_.epochs;
            if (before_update) before_update(info);
            optimizer_.step();
            ++step_;
            position_ = next;
            loss_sum += sums ? step_loss : step_loss * static_cast<double>(rows);
            seen += rows;
            if (on_step) on_step(info);
            if (options_.max_steps > 0 && step_ >= options_.max_steps && !epoch_ends) {
                stopped_mid_epoch = true;
                break;
            }
        }
        // An update that made a parameter non-finite shows in the next step's
        // loss; the epoch's last update is checked here, before any evaluation or save.
        require_finite_parameters();
        if (stopped_mid_epoch) break;

        const double seconds = std::chrono::duration<double>(clock::now() - started).count();
        position_ = 0;
        ++epoch_;
        EpochInfo e;
        e.epoch = epoch_;
        e.step = step_;
        e.train.rows = seen;
        e.train.loss = seen ? loss_sum / static_cast<double>(seen) : std::numeric_limits<double>::quiet_NaN();
        if (classification && seen) e.train.accuracy = static_cast<double>(correct) / static_cast<double>(seen);
        e.seconds = seconds;
        e.samples_per_s = seconds > 0 ? static_cast<double>(seen) / seconds : 0;
        e.lr = optimizer_.lr();
        if (epoch_ == 1 && seen) reference_loss_ = e.train.loss;
        if (validation) {
            e.has_validation = true;
            e.validation = evaluate(*validation);
            if (options_.patience > 0) early_stopping_says_stop(e);  // sets stopped_early_, which ends the loop
        }
        if (on_epoch) on_epoch(e);
    }
}

template <class T>
Evaluation Trainer<T>::evaluate(const DataSetView<T>& data) {
    validate(data, "evaluation");
    // Evaluation mode (no dropout) for the duration, as torch's model.eval(); the mode before after.
    struct EvaluationMode {
        Layer<T>& model;
        bool before;
        explicit EvaluationMode(Layer<T>& m) : model(m), before(m.training()) { model.set_training(false); }
        ~EvaluationMode() { model.set_training(before); }
    } evaluation_mode(model_);
    Evaluation result;
    double loss_sum = 0;
    std::size_t correct = 0;
    bool classification = false;
    const std::size_t cols = data.features.cols();
    for (std::size_t start = 0; start < data.rows(); start += options_.eval_batch) {
        const std::size_t m = std::min(options_.eval_batch, data.rows() - start);
        const ConstView<T> x(data.features.data + start * cols, m, cols);
        const Matrix<T>& out = model_.forward(x);
        Targets<T> targets = data.has_labels() ? Targets<T>(data.labels + start, m)
                                               : Targets<T>(ConstView<T>(data.target_rows.data + start * data.target_rows.cols(),
                                                                         m, data.target_rows.cols()));
        const double l = static_cast<double>(loss_.forward(out, targets));
        loss_sum += loss_.reduction() == Reduction::sum ? l : l * static_cast<double>(m);
        count_correct(data, out, start, m, false, correct, classification);
    }
    result.rows = data.rows();
    result.loss = loss_sum / static_cast<double>(data.rows());
    if (classification) result.accuracy = static_cast<double>(correct) / static_cast<double>(data.rows());
    return result;
}

template class Trainer<float>;
template class Trainer<double>;

}  // namespace vecnn
