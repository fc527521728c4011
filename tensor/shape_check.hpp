// Shape checks shared by both engines. A mismatch is a user error: it throws
// std::invalid_argument naming the operation and both shapes.
#pragma once

#include <string>

#include "tensor/matrix.hpp"

namespace vecnn {

// Throws unless a == b: "<op>: <what_a> (r, c) does not match <what_b> (r, c)".
void require_same_shape(const char* op, const char* what_a, Shape a, const char* what_b, Shape b);

// Throws unless `actual` equals `expected` in one dimension, naming both shapes.
void require(bool ok, const char* op, const std::string& detail);

}  // namespace vecnn
