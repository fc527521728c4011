// --standardize: features shifted and scaled per column, (x - mean) / std,
// with the mean and the population std of the training features (a column
// whose std is 0 keeps std 1). The statistics travel with the saved model
// (nn/checkpoint.hpp's metadata), so predict applies the same to its inputs.
#pragma once

#include <string>

#include "vecnn/nn/checkpoint.hpp"
#include "vecnn/tensor/matrix.hpp"

namespace vecnn::cli {

// Sets metadata.mean and metadata.std from the columns of `x`.
template <class T>
void fit_standardization(const Matrix<T>& x, ModelMetadata& metadata);

// Standardizes `x` in place with metadata.mean and metadata.std (nothing when
// they are empty); a width other than theirs throws, naming `where`.
template <class T>
void standardize(Matrix<T>& x, const ModelMetadata& metadata, const std::string& where);

}  // namespace vecnn::cli
