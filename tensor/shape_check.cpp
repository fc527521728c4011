#include "tensor/shape_check.hpp"

#include <stdexcept>

namespace vecnn {

std::string to_string(const Shape& shape) {
    return "(" + std::to_string(shape.rows) + ", " + std::to_string(shape.cols) + ")";
}

const char* to_string(Engine engine) { return engine == Engine::vectorized ? "vectorized" : "loop"; }

Engine engine_from_string(const std::string& name) {
    if (name == "vectorized") return Engine::vectorized;
    if (name == "loop") return Engine::loop;
    throw std::invalid_argument("unknown engine '" + name + "' (expected 'vectorized' or 'loop')");
}

void require_same_shape(const char* op, const char* what_a, Shape a, const char* what_b, Shape b) {
    if (a != b) {
        throw std::invalid_argument(std::string(op) + ": " + what_a + " " + to_string(a) + " does not match " +
                                    what_b + " " + to_string(b));
    }
}

void require(bool ok, const char* op, const std::string& detail) {
    if (!ok) throw std::invalid_argument(std::string(op) + ": " + detail);
}

}  // namespace vecnn
