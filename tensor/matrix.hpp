// Row-major matrix types and the non-owning views the kernels take.
//
// A mini-batch is (batch, features), sample i in row i, as in PyTorch.
// Owning storage is xtensor (`Matrix<T>`); kernels take `View`/`ConstView`
// (pointer + shape) so that the same kernel serves owned buffers, slices of
// the flat parameter buffer and rows of a dataset without copying.
#pragma once

#include <cstddef>
#include <string>

#include <xsimd/memory/xsimd_aligned_allocator.hpp>
#include <xtensor/xtensor.hpp>

#include "vecnn/tensor/engine.hpp"

namespace vecnn {

// Storage aligned to 64 bytes (an AVX-512 register, a cache line) whatever
// the compiler flags: xtensor's default allocator depends on the instruction
// set (and on XTENSOR_USE_XSIMD), which would make Matrix<T> a different type
// in a program compiled with other flags than the library.
template <class T>
using AlignedAllocator = xsimd::aligned_allocator<T, 64>;
template <class T>
using Matrix = xt::xtensor<T, 2, xt::layout_type::row_major, AlignedAllocator<T>>;
template <class T>
using Vector = xt::xtensor<T, 1, xt::layout_type::row_major, AlignedAllocator<T>>;

// Shape of a row-major matrix; a vector of n elements is (1, n) when viewed as a matrix.
struct Shape {
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::size_t size() const { return rows * cols; }
    bool operator==(const Shape& o) const { return rows == o.rows && cols == o.cols; }
    bool operator!=(const Shape& o) const { return !(*this == o); }
};

std::string to_string(const Shape& shape);  // "(rows, cols)"

template <class T>
struct View {
    T* data = nullptr;
    Shape shape;
    View() = default;
    View(T* d, std::size_t rows, std::size_t cols) : data(d), shape{rows, cols} {}
    View(Matrix<T>& m) : data(m.data()), shape{m.shape()[0], m.shape()[1]} {}  // NOLINT: implicit by design
    std::size_t rows() const { return shape.rows; }
    std::size_t cols() const { return shape.cols; }
    std::size_t size() const { return shape.size(); }
    T& operator()(std::size_t r, std::size_t c) const { return data[r * shape.cols + c]; }
};

template <class T>
struct ConstView {
    const T* data = nullptr;
    Shape shape;
    ConstView() = default;
    ConstView(const T* d, std::size_t rows, std::size_t cols) : data(d), shape{rows, cols} {}
    ConstView(const Matrix<T>& m) : data(m.data()), shape{m.shape()[0], m.shape()[1]} {}  // NOLINT
    ConstView(View<T> v) : data(v.data), shape(v.shape) {}                                 // NOLINT
    std::size_t rows() const { return shape.rows; }
    std::size_t cols() const { return shape.cols; }
    std::size_t size() const { return shape.size(); }
    const T& operator()(std::size_t r, std::size_t c) const { return data[r * shape.cols + c]; }
};

template <class T>
Shape shape_of(const Matrix<T>& m) {
    return Shape{m.shape()[0], m.shape()[1]};
}

// Resizes `m` to rows x cols only when the shape differs, so a steady-state
// training step (same batch size as the last one) never allocates.
template <class T>
void ensure_shape(Matrix<T>& m, std::size_t rows, std::size_t cols) {
    if (m.shape()[0] != rows || m.shape()[1] != cols) {
        m.resize({rows, cols});
    }
}

}  // namespace vecnn
