// Which implementation a kernel or layer runs: whole-batch xtensor/BLAS
// (vectorized), or the plain-loop reference that shares no code with it (loop).
#pragma once

#include <string>

namespace vecnn {

enum class Engine { vectorized, loop };

const char* to_string(Engine engine);                 // "vectorized" | "loop"
Engine engine_from_string(const std::string& name);  // throws std::invalid_argument on anything else

}  // namespace vecnn
