#include "tools/cli/standardize.hpp"

#include <cmath>
#include <stdexcept>

namespace vecnn::cli {

template <class T>
void fit_standardization(const Matrix<T>& x, ModelMetadata& metadata) {
    const std::size_t rows = x.shape()[0], cols = x.shape()[1];
    std::vector<double> mean(cols, 0.0), var(cols, 0.0);
    for (std::size_t i = 0; i < rows; ++i) {
        for (std::size_t j = 0; j < cols; ++j) mean[j] += static_cast<double>(x(i, j));
    }
    for (double& m : mean) m /= static_cast<double>(rows);
    for (std::size_t i = 0; i < rows; ++i) {
        for (std::size_t j = 0; j < cols; ++j) {
            const double d = static_cast<double>(x(i, j)) - mean[j];
            var[j] += d * d;
        }
    }
    for (double& v : var) v = v > 0 ? std::sqrt(v / static_cast<double>(rows)) : 1.0;
    metadata.mean = std::move(mean);
    metadata.std = std::move(var);
}

template <class T>
void standardize(Matrix<T>& x, const ModelMetadata& metadata, const std::string& where) {
    if (metadata.mean.empty()) return;
    const std::size_t rows = x.shape()[0], cols = x.shape()[1];
    if (cols != metadata.mean.size()) {
        throw std::invalid_argument(where + ": " + std::to_string(cols) + " features per row, but the standardization "
                                    "statistics hold " + std::to_string(metadata.mean.size()));
    }
    for (std::size_t i = 0; i < rows; ++i) {
        for (std::size_t j = 0; j < cols; ++j) {
            x(i, j) = static_cast<T>((static_cast<double>(x(i, j)) - metadata.mean[j]) / metadata.std[j]);
        }
    }
}

template void fit_standardization<float>(const Matrix<float>&, ModelMetadata&);
template void fit_standardization<double>(const Matrix<double>&, ModelMetadata&);
template void standardize<float>(Matrix<float>&, const ModelMetadata&, const std::string&);
template void standardize<double>(Matrix<double>&, const ModelMetadata&, const std::string&);

}  // namespace vecnn::cli
