// Argument checks common to both kernel flavours (validation only, no math),
// so both engines reject the same bad input with the same message.
#pragma once

#include <cstdint>

#include "vecnn/tensor/matrix.hpp"
#include "vecnn/tensor/shape_check.hpp"

namespace vecnn::detail {

// op(a) is (m, k), op(b) is (k, n), c is (m, n). Returns {m, n, k}.
struct GemmDims {
    std::size_t m, n, k;
};
GemmDims check_gemm(bool transpose_a, bool transpose_b, Shape a, Shape b, Shape c);

void check_row(const char* op, Shape row, Shape matrix);  // row is (1, matrix.cols)
void check_labels(const char* op, const std::int64_t* labels, Shape logits);

}  // namespace vecnn::detail
