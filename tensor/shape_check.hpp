// Shape checks shared by both engines. A mismatch is a user error: it throws
// std::invalid_argument naming the operation and both shapes.
#pragma once

#include "vecnn/tensor/matrix.hpp"

namespace vecnn {

// Throws unless a == b: "<op>: <what_a> (r, c) does not match <what_b> (r, c)".
void require_same_shape(const char* op, const char* what_a, Shape a, const char* what_b, Shape b);

}  // namespace vecnn
