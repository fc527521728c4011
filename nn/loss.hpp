// Losses on a mini-batch of predictions (batch, outputs), PyTorch semantics.
//   CrossEntropy:  on logits (fused log-softmax), targets class indices or
//                  probability rows, mean over the batch (CrossEntropyLoss).
//   MSE:           mean over ALL elements (MSELoss).
//   NLLLoss:       on log-probabilities (a model ending in log_softmax),
//                  class indices, mean over the batch (NLLLoss).
//   BCEWithLogits: binary cross-entropy on logits, targets rows of 0..1,
//                  optional pos_weight per output, mean over all elements.
//   Huber(delta), SmoothL1(beta): mean over all elements (HuberLoss, SmoothL1Loss).
// Each reduces as PyTorch's `reduction`: mean (the default, over the
// elements named above) or sum.
// forward returns the reduced loss; backward(weight) returns the gradient of
// weight * (that loss) with respect to the predictions. The weight is how
// gradient accumulation stays exact: with mean reduction a micro-batch of m
// rows out of a step of M rows is given weight m / M (with sum, weight 1),
// and the summed gradients equal those of one step over all M rows.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vecnn/tensor/matrix.hpp"

namespace vecnn {

// Non-owning targets of a mini-batch: class indices (one per row) or rows
// of the predictions' shape. The caller keeps them alive until backward.
template <class T>
class Targets {
public:
    Targets(const std::int64_t* labels, std::size_t count) : labels_(labels), label_count_(count), is_labels_(true) {}
    Targets(const std::vector<std::int64_t>& labels) : Targets(labels.data(), labels.size()) {}  // NOLINT
    Targets(ConstView<T> rows) : rows_(rows) {}                                                 // NOLINT
    Targets(const Matrix<T>& rows) : rows_(rows) {}                                             // NOLINT

    bool is_labels() const { return is_labels_; }
    const std::int64_t* labels() const { return labels_; }
    std::size_t label_count() const { return label_count_; }
    ConstView<T> rows() const { return rows_; }
    std::size_t batch() const { return is_labels_ ? label_count_ : rows_.rows(); }
    std::string describe() const;  // "labels (n)" or "rows (r, c)"

private:
    const std::int64_t* labels_ = nullptr;
    std::size_t label_count_ = 0;
    ConstView<T> rows_;
    bool is_labels_ = false;
};

// PyTorch's `reduction` of a loss over its elements.
enum class Reduction { mean, sum };
const char* to_string(Reduction reduction);
// "mean" or "sum"; throws std::invalid_argument on anything else.
Reduction reduction_from_string(const std::string& name);

template <class T>
class Loss {
public:
    Loss() = default;
    Loss(const Loss&) = delete;
    Loss& operator=(const Loss&) = delete;
    virtual ~Loss() = default;

    virtual std::string describe() const = 0;  // "cross-entropy" | "mse"
    // Mean loss. Keeps what backward needs; `targets` must outlive backward.
    virtual T forward(ConstView<T> predictions, const Targets<T>& targets) = 0;
    // d(weight * mean loss) / d predictions, shape (batch, outputs).
    virtual const Matrix<T>& backward(T weight = T(1)) = 0;

    void set_engine(Engine engine) { engine_ = engine; }
    Engine engine() const { return engine_; }
    void set_reduction(Reduction reduction) { reduction_ = reduction; }
    Reduction reduction() const { return reduction_; }

protected:
    // The reduced loss from the sum over `count` elements, and the factor of
    // each element's derivative for backward(weight).
    T reduce(T total, std::size_t count) const {
        return reduction_ == Reduction::mean ? total / static_cast<T>(count) : total;
    }
    T scale(T weight, std::size_t count) const {
        return reduction_ == Reduction::mean ? weight / static_cast<T>(count) : weight;
    }

    Engine engine_ = Engine::vectorized;
    Reduction reduction_ = Reduction::mean;
};

template <class T>
class CrossEntropy final : public Loss<T> {
public:
    std::string describe() const override { return "cross-entropy"; }
    T forward(ConstView<T> logits, const Targets<T>& targets) override;
    const Matrix<T>& backward(T weight = T(1)) override;
    // softmax(logits) of the last forward: the predicted class probabilities.
    const Matrix<T>& probabilities() const { return probabilities_; }

private:
    Matrix<T> probabilities_;
    Matrix<T> gradient_;
    Targets<T> targets_{nullptr, 0};
    bool has_forward_ = false;
};

// A loss that compares predictions with target rows of their shape
// elementwise (MSE, BCEWithLogits, Huber, SmoothL1): keeps both views and
// a gradient buffer; derived classes give the kernels.
template <class T>
class ElementwiseLoss : public Loss<T> {
public:
    T forward(ConstView<T> predictions, const Targets<T>& targets) final;
    const Matrix<T>& backward(T weight = T(1)) final;

protected:
    virtual T total(ConstView<T> predictions, ConstView<T> targets) = 0;  // the sum over all elements
    virtual void gradient(ConstView<T> predictions, ConstView<T> targets, T scale, View<T> out) = 0;

private:
    ConstView<T> predictions_;
    ConstView<T> targets_;
    Matrix<T> gradient_;
    bool has_forward_ = false;
};

template <class T>
class MSE final : public ElementwiseLoss<T> {
public:
    std::string describe() const override { return "mse"; }

protected:
    T total(ConstView<T> predictions, ConstView<T> targets) override;
    void gradient(ConstView<T> predictions, ConstView<T> targets, T scale, View<T> out) override;
};

template <class T>
class NLLLoss final : public Loss<T> {
public:
    std::string describe() const override { return "nll"; }
    T forward(ConstView<T> log_probabilities, const Targets<T>& targets) override;
    const Matrix<T>& backward(T weight = T(1)) override;

private:
    Matrix<T> gradient_;
    Targets<T> targets_{nullptr, 0};
    std::size_t classes_ = 0;
    bool has_forward_ = false;
};

// BCEWithLogitsLoss. pos_weight: empty (none), one value for every output,
// or one per output; each finite and >= 0.
template <class T>
class BCEWithLogits final : public ElementwiseLoss<T> {
public:
    explicit BCEWithLogits(std::vector<double> pos_weight = {});
    std::string describe() const override { return "bce-with-logits"; }
    const std::vector<double>& pos_weight() const { return pos_weight_; }

protected:
    T total(ConstView<T> logits, ConstView<T> targets) override;
    void gradient(ConstView<T> logits, ConstView<T> targets, T scale, View<T> out) override;

private:
    ConstView<T> weights_for(std::size_t outputs);  // pos_weight as a (1, outputs) row
    std::vector<double> pos_weight_;
    Matrix<T> weight_row_;
};

// HuberLoss(delta): quadratic within delta of the target, linear beyond. delta finite and > 0.
template <class T>
class Huber final : public ElementwiseLoss<T> {
public:
    explicit Huber(double delta = 1);
    std::string describe() const override;
    double delta() const { return delta_; }

protected:
    T total(ConstView<T> predictions, ConstView<T> targets) override;
    void gradient(ConstView<T> predictions, ConstView<T> targets, T scale, View<T> out) override;

private:
    double delta_;
};

// SmoothL1Loss(beta): Huber(beta) / beta. beta finite and > 0.
template <class T>
class SmoothL1 final : public ElementwiseLoss<T> {
public:
    explicit SmoothL1(double beta = 1);
    std::string describe() const override;
    double beta() const { return beta_; }

protected:
    T total(ConstView<T> predictions, ConstView<T> targets) override;
    void gradient(ConstView<T> predictions, ConstView<T> targets, T scale, View<T> out) override;

private:
    double beta_;
};

// Options of make_loss: the reduction of any loss and the parameters of some.
struct LossOptions {
    Reduction reduction = Reduction::mean;
    double huber_delta = 1;          // huber
    double smooth_l1_beta = 1;       // smooth-l1
    std::vector<double> pos_weight;  // bce-with-logits
};

// The loss names every command takes, in one place.
const std::vector<std::string>& loss_names();
// True for the losses whose targets are class indices only (nll); false for
// those that need target rows shaped like the predictions (mse,
// bce-with-logits, huber, smooth-l1); cross-entropy takes either.
bool loss_needs_labels(const std::string& name);
bool loss_needs_rows(const std::string& name);

// "cross-entropy" (also "cross_entropy", "ce"), "mse", "nll", "bce-with-logits",
// "huber" or "smooth-l1"; throws on anything else, or on bad options.
template <class T>
std::unique_ptr<Loss<T>> make_loss(const std::string& name, const LossOptions& options = {});

}  // namespace vecnn
