// Conversions between NpyArray (data/npy.hpp) and Matrix<T>. Separate from
// npy.hpp so that code handling files only does not pull in xtensor.
#pragma once

#include <stdexcept>

#include "vecnn/tensor/matrix.hpp"
#include "vecnn/data/npy.hpp"

namespace vecnn {

// A 2-d array (r, c) as an r x c matrix; a 1-d array (n,) as an n x 1 column
// (n samples of one value each). Any numeric dtype converts to T (see
// copy_elements); other ranks throw naming array.source.
template <class T>
Matrix<T> to_matrix(const NpyArray& array) {
    std::size_t rows = 0, cols = 0;
    if (array.ndim() == 2) {
        rows = array.shape[0];
        cols = array.shape[1];
    } else if (array.ndim() == 1) {
        rows = array.shape[0];
        cols = 1;
    } else {
        throw std::runtime_error(array.source + ": expected a 1-d or 2-d array, found shape " + shape_string(array.shape));
    }
    Matrix<T> m = Matrix<T>::from_shape({rows, cols});
    copy_elements(array, m.data());
    return m;
}

// A (rows, cols) array of `m`, stored as `dtype` (default: T's own).
template <class T>
NpyArray from_matrix(ConstView<T> m, const std::string& dtype = dtype_of<T>()) {
    return make_npy(m.data, {m.rows(), m.cols()}, dtype);
}
template <class T>
NpyArray from_matrix(const Matrix<T>& m, const std::string& dtype = dtype_of<T>()) {
    return from_matrix(ConstView<T>(m), dtype);
}

}  // namespace vecnn
