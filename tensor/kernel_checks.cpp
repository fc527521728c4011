#include "vecnn/tensor/kernel_checks.hpp"

#include <stdexcept>
#include <string>

namespace vecnn::detail {

GemmDims check_gemm(bool transpose_a, bool transpose_b, Shape a, Shape b, Shape c) {
    const std::size_t m = transpose_a ? a.cols : a.rows;
    const std::size_t k = transpose_a ? a.rows : a.cols;
    const std::size_t kb = transpose_b ? b.cols : b.rows;
    const std::size_t n = transpose_b ? b.rows : b.cols;
    if (k != kb || c.rows != m || c.cols != n) {
        throw std::invalid_argument(std::string("gemm: ") + (transpose_a ? "A^T of A " : "A ") + to_string(a) +
                                    (transpose_b ? " times B^T of B " : " times B ") + to_string(b) +
                                    " does not fit C " + to_string(c));
    }
    return {m, n, k};
}

void check_row(const char* op, Shape row, Shape matrix) {
    if (row.rows != 1 || row.cols != matrix.cols) {
        throw std::invalid_argument(std::string(op) + ": row " + to_string(row) + " does not match matrix " +
                                    to_string(matrix) + " (expected (1, " + std::to_string(matrix.cols) + "))");
    }
}

void check_labels(const char* op, const std::int64_t* labels, Shape logits) {
    for (std::size_t r = 0; r < logits.rows; ++r) {
        const std::int64_t label = labels[r];
        if (label < 0 || static_cast<std::uint64_t>(label) >= logits.cols) {
            throw std::invalid_argument(std::string(op) + ": label " + std::to_string(label) + " in row " +
                                        std::to_string(r) + " is out of range [0, " + std::to_string(logits.cols) +
                                        ") for logits " + to_string(logits));
        }
    }
}

}  // namespace vecnn::detail
