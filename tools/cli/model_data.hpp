// Features and targets from files, checked against a model's widths and a loss,
// with errors that name the option and the file.
#pragma once

#include <string>

#include "vecnn/data/dataset.hpp"
#include "vecnn/nn/dataset_view.hpp"
#include "vecnn/nn/model_spec.hpp"

namespace vecnn::cli {

template <class T>
struct ModelData {
    Matrix<T> features;
    TargetData<T> targets;
    DataSetView<T> view;  // points into the two above

    ModelData() = default;
    ModelData(const ModelData&) = delete;
    ModelData(ModelData&& other) noexcept;
    ModelData& operator=(ModelData&&) = delete;
};

template <class T>
ModelData<T> load_model_data(const SpecFeatures& model, const std::string& loss, const std::string& x_path,
                             const std::string& y_path, const char* x_option, const char* y_option);

// Features alone (predict), checked against the model's input width.
template <class T>
Matrix<T> load_model_features(const SpecFeatures& model, const std::string& x_path, const char* x_option);

}  // namespace vecnn::cli
