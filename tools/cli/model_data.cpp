#include "tools/cli/model_data.hpp"

#include <cmath>
#include <stdexcept>

#include "vecnn/nn/layer_spec.hpp"
#include "vecnn/nn/loss.hpp"
#include "vecnn/tensor/shape_check.hpp"

namespace vecnn::cli {
namespace {
template <class T>
DataSetView<T> make_view(const Matrix<T>& x, const TargetData<T>& y) {
    return y.is_labels ? DataSetView<T>::with_labels(x, y.labels) : DataSetView<T>::with_rows(x, y.rows);
}
}  // namespace

template <class T>
ModelData<T>::ModelData(ModelData&& other) noexcept
    : features(std::move(other.features)), targets(std::move(other.targets)), view(make_view(features, targets)) {}

namespace {
// The model's input width against the header, before the data is read.
void check_width(const SpecFeatures& f, const DataFile& x, const char* x_option) {
    if (x.declared_cols() != 0 && x.declared_cols() != f.inputs) {
        throw std::invalid_argument(std::string(x_option) + " " + x.path() + ": its header declares (" +
                                    std::to_string(x.declared_rows()) + ", " + std::to_string(x.declared_cols()) +
                                    ") features, which do not fit the model, which takes " + std::to_string(f.inputs) +
                                    " features per row");
    }
}

// One column of floats where class indices belong (cross-entropy, nll): a
// float .npy or a CSV of "3.0"s, NumPy's habit. Whole numbers in range are
// the labels; anything else is refused, naming the first bad sample.
template <class T>
std::vector<std::int64_t> labels_from_column(const Matrix<T>& column, std::size_t classes, const std::string& where) {
    std::vector<std::int64_t> labels(column.shape()[0]);
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const T v = column(i, 0);
        if (v != std::floor(v) || v < 0 || v >= static_cast<T>(classes)) {
            throw std::invalid_argument(where + ": labels must be integer class indices in 0.." +
                                        std::to_string(classes == 0 ? 0 : classes - 1) + " (the model's " +
                                        std::to_string(classes) + " outputs), but sample " + std::to_string(i) +
                                        " holds " + format_number(static_cast<double>(v)));
        }
        labels[i] = static_cast<std::int64_t>(v);
    }
    return labels;
}

template <class T>
Matrix<T> read_features(const SpecFeatures& f, DataFile& file, const char* x_option) {
    Matrix<T> x = file.features<T>();
    if (x.shape()[1] != f.inputs) {
        throw std::invalid_argument(std::string(x_option) + " " + file.path() + ": features " + to_string(shape_of(x)) +
                                    " do not fit the model, which takes " + std::to_string(f.inputs) +
                                    " features per row");
    }
    return x;
}
}  // namespace

template <class T>
Matrix<T> load_model_features(const SpecFeatures& f, const std::string& x_path, const char* x_option) {
    DataFile x(x_path);
    check_width(f, x, x_option);
    return read_features<T>(f, x, x_option);
}

template <class T>
ModelData<T> load_model_data(const SpecFeatures& f, const std::string& loss, const std::string& x_path,
                             const std::string& y_path, const char* x_option, const char* y_option) {
    // Both headers first: widths and row counts that disagree are refused
    // before either body is read (a lying header costs no memory).
    DataFile x(x_path), y(y_path);
    check_width(f, x, x_option);
    if (x.declared_rows() != 0 && y.declared_rows() != 0 && x.declared_rows() != y.declared_rows()) {
        throw std::invalid_argument(std::string(y_option) + " " + y_path + ": its header declares " +
                                    std::to_string(y.declared_rows()) + " rows, but the header of " + x_option + " " +
                                    x_path + " declares " + std::to_string(x.declared_rows()));
    }
    ModelData<T> d;
    d.features = read_features<T>(f, x, x_option);
    d.targets = y.targets<T>();
    const std::size_t rows = d.features.shape()[0];
    if (d.targets.size() != rows) {
        throw std::invalid_argument(std::string(y_option) + " " + y_path + ": " + std::to_string(d.targets.size()) +
                                    " targets for the " + std::to_string(rows) + " rows of " + x_option + " " +
                                    x_path);
    }
    if (!d.targets.is_labels && !loss_needs_rows(loss) && d.targets.rows.shape()[1] == 1) {
        d.targets.labels = labels_from_column(d.targets.rows, f.outputs, std::string(y_option) + " " + y_path);
        d.targets.rows = Matrix<T>();
        d.targets.is_labels = true;
    }
    if (!d.targets.is_labels && loss_needs_labels(loss)) {
        throw std::invalid_argument(std::string(y_option) + " " + y_path + ": holds target rows, but the " + loss +
                                    " loss needs class indices, one integer per row");
    }
    if (d.targets.is_labels) {
        if (loss_needs_rows(loss)) {
            throw std::invalid_argument(std::string(y_option) + " " + y_path + ": holds class indices, but the " +
                                        loss + " loss needs target rows of " + std::to_string(f.outputs) +
                                        " values (write them as floats)");
        }
        check_label_range(d.targets.labels, f.outputs, std::string(y_option) + " " + y_path);
    } else if (d.targets.rows.shape()[1] != f.outputs) {
        throw std::invalid_argument(std::string(y_option) + " " + y_path + ": target rows " +
                                    to_string(shape_of(d.targets.rows)) + " do not fit the model's " +
                                    std::to_string(f.outputs) + " outputs");
    }
    d.view = make_view(d.features, d.targets);
    return d;
}

template struct ModelData<float>;
template struct ModelData<double>;
template ModelData<float> load_model_data<float>(const SpecFeatures&, const std::string&, const std::string&,
                                                 const std::string&, const char*, const char*);
template ModelData<double> load_model_data<double>(const SpecFeatures&, const std::string&, const std::string&,
                                                   const std::string&, const char*, const char*);
template Matrix<float> load_model_features<float>(const SpecFeatures&, const std::string&, const char*);
template Matrix<double> load_model_features<double>(const SpecFeatures&, const std::string&, const char*);

}  // namespace vecnn::cli
