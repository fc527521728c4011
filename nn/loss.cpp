#include "vecnn/nn/loss.hpp"

#include <stdexcept>

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
    return total / static_cast<T>(logits.rows());
}

template <class T>
const Matrix<T>& CrossEntropy<T>::backward(T weight) {
    if (!has_forward_) throw std::logic_error("cross-entropy backward: called before forward");
    const std::size_t rows = probabilities_.shape()[0];
    ensure_shape(gradient_, rows, probabilities_.shape()[1]);
    const T scale = weight / static_cast<T>(rows);
    const Kernels<T>& k = kernels<T>(this->engine_);
    if (targets_.is_labels()) {
        k.cross_entropy_labels_backward(probabilities_, targets_.labels(), scale, gradient_);
    } else {
        k.cross_entropy_targets_backward(probabilities_, targets_.rows(), scale, gradient_);
    }
    return gradient_;
}

template <class T>
T MSE<T>::forward(ConstView<T> predictions, const Targets<T>& targets) {
    if (targets.is_labels()) {
        throw std::invalid_argument("mse: targets must be rows shaped like the predictions " +
                                    to_string(predictions.shape) + ", got class " + targets.describe());
    }
    require_same_shape("mse", "predictions", predictions.shape, "targets", targets.rows().shape);
    if (predictions.size() == 0) throw std::invalid_argument("mse: empty predictions " + to_string(predictions.shape));
    const T total = kernels<T>(this->engine_).squared_error(predictions, targets.rows());
    predictions_ = predictions;
    targets_ = targets.rows();
    has_forward_ = true;
    return total / static_cast<T>(predictions.size());
}

template <class T>
const Matrix<T>& MSE<T>::backward(T weight) {
    if (!has_forward_) throw std::logic_error("mse backward: called before forward");
    ensure_shape(gradient_, predictions_.rows(), predictions_.cols());
    const T scale = weight / static_cast<T>(predictions_.size());
    kernels<T>(this->engine_).squared_error_backward(predictions_, targets_, scale, gradient_);
    return gradient_;
}

template <class T>
std::unique_ptr<Loss<T>> make_loss(const std::string& name) {
    if (name == "cross-entropy" || name == "cross_entropy" || name == "ce") return std::make_unique<CrossEntropy<T>>();
    if (name == "mse") return std::make_unique<MSE<T>>();
    throw std::invalid_argument("unknown loss '" + name + "' (expected 'cross-entropy' or 'mse')");
}

template class Targets<float>;
template class Targets<double>;
template class CrossEntropy<float>;
template class CrossEntropy<double>;
template class MSE<float>;
template class MSE<double>;
template std::unique_ptr<Loss<float>> make_loss<float>(const std::string&);
template std::unique_ptr<Loss<double>> make_loss<double>(const std::string&);

}  // namespace vecnn
