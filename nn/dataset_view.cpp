#include "vecnn/nn/dataset_view.hpp"

#include <stdexcept>

#include "vecnn/tensor/shape_check.hpp"

namespace vecnn {

template <class T>
DataSetView<T> DataSetView<T>::with_labels(ConstView<T> x, const std::vector<std::int64_t>& y) {
    if (y.size() != x.rows()) {
        throw std::invalid_argument("data set: features " + to_string(x.shape) + " but " + std::to_string(y.size()) +
                                    " labels: one label per row is needed");
    }
    DataSetView d;
    d.features = x;
    d.labels = y.data();
    return d;
}

template <class T>
DataSetView<T> DataSetView<T>::with_rows(ConstView<T> x, ConstView<T> y) {
    if (y.rows() != x.rows()) {
        throw std::invalid_argument("data set: features " + to_string(x.shape) + " and targets " +
                                    to_string(y.shape) + " differ in rows");
    }
    DataSetView d;
    d.features = x;
    d.target_rows = y;
    return d;
}

template <class T>
std::size_t argmax_row(ConstView<T> m, std::size_t row) {
    std::size_t best = 0;
    for (std::size_t j = 1; j < m.cols(); ++j) {
        if (m(row, j) > m(row, best)) best = j;
    }
    return best;
}

template struct DataSetView<float>;
template struct DataSetView<double>;
template std::size_t argmax_row<float>(ConstView<float>, std::size_t);
template std::size_t argmax_row<double>(ConstView<double>, std::size_t);

}  // namespace vecnn
