#include "vecnn/tensor/shape_check.hpp"

#include <stdexcept>
#include <string>

namespace vecnn {

std::string to_string(const Shape& shape) {
    return "(" + std::to_string(shape.rows) + ", " + std::to_string(shape.cols) + ")";
}

void require_same_shape(const char* op, const char* what_a, Shape a, const char* what_b, Shape b) {
    if (a != b) {
        throw std::invalid_argument(std::string(op) + ": " + what_a + " " + to_string(a) + " does not match " +
                                    what_b + " " + to_string(b));
    }
}

}  // namespace vecnn
