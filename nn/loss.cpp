#include "vecnn/nn/loss.hpp"

#include <cmath>
#include <stdexcept>
#include <utility>

#include "vecnn/nn/layer_spec.hpp"
#include "vecnn/tensor/kernels.hpp"
#include "vecnn/tensor/shape_check.hpp"

namespace vecnn {

template <class T>
std::string Targets<T>::describe() const {
    return is_labels_ ? "labels (" + std::to_string(label_count_) + ")" : "rows " + to_string(rows_.shape);
}

namespace {
template <class T>
void check_batch(const char* op, ConstView<T> predictions, const Targets<T>& targets) {
    if (targets.batch() != predictions.rows()) {
        throw std::invalid_argument(std::string(op) + ": predictions " + to_string(predictions.shape) +
                                    " and targets " + targets.describe() + " differ in batch size");
    }
}
}  // namespace

template <class T>
T CrossEntropy<T>::forward(ConstView<T> logits, const Targets<T>& targets) {
    check_batch("cross-entropy", logits, targets);
    if (logits.rows() == 0) throw std::invalid_argument("cross-entropy: empty batch " + to_string(logits.shape));
    // Zero classes: the loop kernel would read logits(r, 0), the vectorized one return NaN.
    if (logits.cols() == 0) throw std::invalid_argument("cross-entropy: no classes in logits " + to_string(logits.shape));
    ensure_shape(probabilities_, logits.rows(), logits.cols());
    const Kernels<T>& k = kernels<T>(this->engine_);
    const T total = targets.is_labels() ? k.cross_entropy_labels(logits, targets.labels(), probabilities_)
                                        : k.cross_entropy_targets(logits, targets.rows(), probabilities_);
    targets_ = targets;
    has_forward_ = true;
    return this->reduce(total, logits.rows());
}

template <class T>
const Matrix<T>& CrossEntropy<T>::backward(T weight) {
    if (!has_forward_) throw std::logic_error("cross-entropy backward: called before forward");
    const std::size_t rows = probabilities_.shape()[0];
    ensure_shape(gradient_, rows, probabilities_.shape()[1]);
    const T scale = this->scale(weight, rows);
    const Kernels<T>& k = kernels<T>(this->engine_);
    if (targets_.is_labels()) {
        k.cross_entropy_labels_backward(probabilities_, targets_.labels(), scale, gradient_);
    } else {
        k.cross_entropy_targets_backward(probabilities_, targets_.rows(), scale, gradient_);
    }
    return gradient_;
}

template <class T>
T ElementwiseLoss<T>::forward(ConstView<T> predictions, const Targets<T>& targets) {
    // The name only on the error paths: describe() may allocate, and a step must not.
    if (targets.is_labels()) {
        throw std::invalid_argument(this->describe() + ": targets must be rows shaped like the predictions " +
                                    to_string(predictions.shape) + ", got class " + targets.describe());
    }
    if (!(predictions.shape == targets.rows().shape)) {
        require_same_shape(this->describe().c_str(), "predictions", predictions.shape, "targets",
                           targets.rows().shape);
    }
    if (predictions.size() == 0) {
        throw std::invalid_argument(this->describe() + ": empty predictions " + to_string(predictions.shape));
    }
    const T sum = total(predictions, targets.rows());
    predictions_ = predictions;
    targets_ = targets.rows();
    has_forward_ = true;
    return this->reduce(sum, predictions.size());
}

template <class T>
const Matrix<T>& ElementwiseLoss<T>::backward(T weight) {
    if (!has_forward_) throw std::logic_error(this->describe() + " backward: called before forward");
    ensure_shape(gradient_, predictions_.rows(), predictions_.cols());
    gradient(predictions_, targets_, this->scale(weight, predictions_.size()), gradient_);
    return gradient_;
}

template <class T>
T MSE<T>::total(ConstView<T> predictions, ConstView<T> targets) {
    return kernels<T>(this->engine_).squared_error(predictions, targets);
}

template <class T>
void MSE<T>::gradient(ConstView<T> predictions, ConstView<T> targets, T scale, View<T> out) {
    kernels<T>(this->engine_).squared_error_backward(predictions, targets, scale, out);
}

template <class T>
T NLLLoss<T>::forward(ConstView<T> log_probabilities, const Targets<T>& targets) {
    check_batch("nll", log_probabilities, targets);
    if (!targets.is_labels()) {
        throw std::invalid_argument("nll: targets must be class indices, one per row of " +
                                    to_string(log_probabilities.shape) + ", got " + targets.describe());
    }
    if (log_probabilities.size() == 0) {
        throw std::invalid_argument("nll: empty log-probabilities " + to_string(log_probabilities.shape));
    }
    const T total = kernels<T>(this->engine_).nll_labels(log_probabilities, targets.labels());
    targets_ = targets;
    classes_ = log_probabilities.cols();
    has_forward_ = true;
    return this->reduce(total, log_probabilities.rows());
}

template <class T>
const Matrix<T>& NLLLoss<T>::backward(T weight) {
    if (!has_forward_) throw std::logic_error("nll backward: called before forward");
    const std::size_t rows = targets_.label_count();
    ensure_shape(gradient_, rows, classes_);
    kernels<T>(this->engine_).nll_labels_backward(targets_.labels(), this->scale(weight, rows), gradient_);
    return gradient_;
}

namespace {
void check_loss_option(bool ok, const std::string& loss, const std::string& what, double value,
                       const char* rule) {
    if (!ok || !std::isfinite(value)) {
        throw std::invalid_argument(loss + ": " + what + " " + format_number(value) + " must be " + rule);
    }
}
}  // namespace

template <class T>
BCEWithLogits<T>::BCEWithLogits(std::vector<double> pos_weight) : pos_weight_(std::move(pos_weight)) {
    for (std::size_t i = 0; i < pos_weight_.size(); ++i) {
        const double w = pos_weight_[i];
        check_loss_option(w >= 0 && std::isfinite(static_cast<T>(w)), "bce-with-logits",
                          "pos_weight[" + std::to_string(i) + "]", w, "finite in the model's type and >= 0");
    }
}

template <class T>
ConstView<T> BCEWithLogits<T>::weights_for(std::size_t outputs) {
    if (pos_weight_.size() > 1 && pos_weight_.size() != outputs) {
        throw std::invalid_argument("bce-with-logits: " + std::to_string(pos_weight_.size()) +
                                    " pos_weight values for " + std::to_string(outputs) +
                                    " outputs (give one, or one per output)");
    }
    ensure_shape(weight_row_, 1, outputs);
    for (std::size_t j = 0; j < outputs; ++j) {
        weight_row_(0, j) = pos_weight_.empty() ? T(1) : static_cast<T>(pos_weight_[pos_weight_.size() > 1 ? j : 0]);
    }
    return weight_row_;
}

template <class T>
T BCEWithLogits<T>::total(ConstView<T> logits, ConstView<T> targets) {
    return kernels<T>(this->engine_).bce_with_logits(logits, targets, weights_for(logits.cols()), !pos_weight_.empty());
}

template <class T>
void BCEWithLogits<T>::gradient(ConstView<T> logits, ConstView<T> targets, T scale, View<T> out) {
    kernels<T>(this->engine_).bce_with_logits_backward(logits, targets, weight_row_, !pos_weight_.empty(), scale,
                                                        out);
}

template <class T>
Huber<T>::Huber(double delta) : delta_(delta) {
    check_loss_option(delta > 0 && std::isfinite(static_cast<T>(delta)), "huber", "delta", delta,
                      "finite in the model's type and > 0");
}

template <class T>
std::string Huber<T>::describe() const {
    return "huber(delta=" + format_number(delta_) + ")";
}

template <class T>
T Huber<T>::total(ConstView<T> predictions, ConstView<T> targets) {
    return kernels<T>(this->engine_).huber(predictions, targets, static_cast<T>(delta_));
}

template <class T>
void Huber<T>::gradient(ConstView<T> predictions, ConstView<T> targets, T scale, View<T> out) {
    kernels<T>(this->engine_).huber_backward(predictions, targets, static_cast<T>(delta_), scale, out);
}

template <class T>
SmoothL1<T>::SmoothL1(double beta) : beta_(beta) {
    check_loss_option(beta > 0 && std::isfinite(static_cast<T>(beta)), "smooth-l1", "beta", beta,
                      "finite in the model's type and > 0");
}

template <class T>
std::string SmoothL1<T>::describe() const {
    return "smooth-l1(beta=" + format_number(beta_) + ")";
}

template <class T>
T SmoothL1<T>::total(ConstView<T> predictions, ConstView<T> targets) {
    return kernels<T>(this->engine_).smooth_l1(predictions, targets, static_cast<T>(beta_));
}

template <class T>
void SmoothL1<T>::gradient(ConstView<T> predictions, ConstView<T> targets, T scale, View<T> out) {
    kernels<T>(this->engine_).smooth_l1_backward(predictions, targets, static_cast<T>(beta_), scale, out);
}

const char* to_string(Reduction reduction) { return reduction == Reduction::mean ? "mean" : "sum"; }

Reduction reduction_from_string(const std::string& name) {
    if (name == "mean") return Reduction::mean;
    if (name == "sum") return Reduction::sum;
    throw std::invalid_argument("unknown reduction '" + name + "' (expected 'mean' or 'sum')");
}

const std::vector<std::string>& loss_names() {
    static const std::vector<std::string> names{"cross-entropy", "mse", "nll", "bce-with-logits", "huber",
                                                "smooth-l1"};
    return names;
}

bool loss_needs_labels(const std::string& name) { return name == "nll"; }
bool loss_needs_rows(const std::string& name) {
    return name == "mse" || name == "bce-with-logits" || name == "huber" || name == "smooth-l1";
}

template <class T>
std::unique_ptr<Loss<T>> make_loss(const std::string& name, const LossOptions& options) {
    std::unique_ptr<Loss<T>> loss;
    if (name == "cross-entropy" || name == "cross_entropy" || name == "ce") {
        loss = std::make_unique<CrossEntropy<T>>();
    } else if (name == "mse") {
        loss = std::make_unique<MSE<T>>();
    } else if (name == "nll") {
        loss = std::make_unique<NLLLoss<T>>();
    } else if (name == "bce-with-logits") {
        loss = std::make_unique<BCEWithLogits<T>>(options.pos_weight);
    } else if (name == "huber") {
        loss = std::make_unique<Huber<T>>(options.huber_delta);
    } else if (name == "smooth-l1") {
        loss = std::make_unique<SmoothL1<T>>(options.smooth_l1_beta);
    } else {
        std::string known;
        for (const auto& n : loss_names()) known += (known.empty() ? "'" : ", '") + n + "'";
        throw std::invalid_argument("unknown loss '" + name + "' (expected " + known + ")");
    }
    if (!options.pos_weight.empty() && name != "bce-with-logits") {
        throw std::invalid_argument("pos_weight is an option of bce-with-logits, not of " + name);
    }
    loss->set_reduction(options.reduction);
    return loss;
}

template class Targets<float>;
template class Targets<double>;
template class CrossEntropy<float>;
template class CrossEntropy<double>;
template class ElementwiseLoss<float>;
template class ElementwiseLoss<double>;
template class MSE<float>;
template class MSE<double>;
template class NLLLoss<float>;
template class NLLLoss<double>;
template class BCEWithLogits<float>;
template class BCEWithLogits<double>;
template class Huber<float>;
template class Huber<double>;
template class SmoothL1<float>;
template class SmoothL1<double>;
template std::unique_ptr<Loss<float>> make_loss<float>(const std::string&, const LossOptions&);
template std::unique_ptr<Loss<double>> make_loss<double>(const std::string&, const LossOptions&);

}  // namespace vecnn
