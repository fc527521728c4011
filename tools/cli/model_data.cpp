#include "tools/cli/model_data.hpp"

#include <stdexcept>

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

template <class T>
Matrix<T> load_model_features(const SpecFeatures& f, const std::string& x_path, const char* x_option) {
    Matrix<T> x = load_features<T>(x_path);
    if (x.shape()[1] != f.inputs) {
        throw std::invalid_argument(std::string(x_option) + " " + x_path + ": features " + to_string(shape_of(x)) +
                                    " do not fit the model, which takes " + std::to_string(f.inputs) +
                                    " features per row");
    }
    return x;
}

template <class T>
ModelData<T> load_model_data(const SpecFeatures& f, const std::string& loss, const std::string& x_path,
                             const std::string& y_path, const char* x_option, const char* y_option) {
    ModelData<T> d;
    d.features = load_model_features<T>(f, x_path, x_option);
    d.targets = load_targets<T>(y_path);
    const std::size_t rows = d.features.shape()[0];
    if (d.targets.size() != rows) {
        throw std::invalid_argument(std::string(y_option) + " " + y_path + ": " + std::to_string(d.targets.size()) +
                                    " targets for the " + std::to_string(rows) + " rows of " + x_option + " " +
                                    x_path);
    }
    if (d.targets.is_labels) {
        if (loss == "mse") {
            throw std::invalid_argument(std::string(y_option) + " " + y_path +
                                        ": holds class indices, but the mse loss needs target rows of " +
                                        std::to_string(f.outputs) + " values (write them as floats)");
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
