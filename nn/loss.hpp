// Losses on a mini-batch of predictions (batch, outputs), PyTorch semantics.
//   CrossEntropy: on logits (fused log-softmax), targets class indices or
//                 probability rows, mean over the batch (CrossEntropyLoss).
//   MSE:          mean over ALL elements (MSELoss).
// forward returns the mean loss; backward(weight) returns the gradient of
// weight * (that mean loss) with respect to the predictions. The weight is
// how gradient accumulation stays exact: a micro-batch of m rows out of a
// step of M rows is given weight m / M, and the summed gradients equal
// those of one step over all M rows.
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

protected:
    Engine engine_ = Engine::vectorized;
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

template <class T>
class MSE final : public Loss<T> {
public:
    std::string describe() const override { return "mse"; }
    T forward(ConstView<T> predictions, const Targets<T>& targets) override;
    const Matrix<T>& backward(T weight = T(1)) override;

private:
    ConstView<T> predictions_;
    ConstView<T> targets_;
    Matrix<T> gradient_;
    bool has_forward_ = false;
};

// "cross-entropy" (also "cross_entropy", "ce") or "mse"; throws on anything else.
template <class T>
std::unique_ptr<Loss<T>> make_loss(const std::string& name);

}  // namespace vecnn
