#include "vecnn/tensor/engine.hpp"

#include <stdexcept>

namespace vecnn {

const char* to_string(Engine engine) { return engine == Engine::vectorized ? "vectorized" : "loop"; }

Engine engine_from_string(const std::string& name) {
    if (name == "vectorized") return Engine::vectorized;
    if (name == "loop") return Engine::loop;
    throw std::invalid_argument("unknown engine '" + name + "' (expected 'vectorized' or 'loop')");
}

}  // namespace vecnn
