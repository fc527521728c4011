// DataSetView: a labelled data set as the trainer sees it, without owning it.
//   features (rows, inputs); targets either one class index per row or
//   rows (rows, outputs). Helpers make one from owning containers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vecnn/tensor/matrix.hpp"

namespace vecnn {

template <class T>
struct DataSetView {
    ConstView<T> features;
    const std::int64_t* labels = nullptr;  // rows() entries, or null when targets are rows
    ConstView<T> target_rows;

    std::size_t rows() const { return features.rows(); }
    bool has_labels() const { return labels != nullptr; }

    static DataSetView with_labels(ConstView<T> x, const std::vector<std::int64_t>& y);
    static DataSetView with_rows(ConstView<T> x, ConstView<T> y);
};

// Index of the largest element of each row (first on ties): the predicted class.
template <class T>
std::size_t argmax_row(ConstView<T> m, std::size_t row);

}  // namespace vecnn
