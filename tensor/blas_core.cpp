#include "vecnn/tensor/blas_core.hpp"

#include <cblas.h>

#include <cstdlib>

namespace vecnn {

std::string blas_core() {
    const char* name = openblas_get_corename();
    return name ? std::string(name) : std::string();
}

std::string blas_core_description() {
    const char* forced = std::getenv("OPENBLAS_CORETYPE");
    if (forced != nullptr && *forced != '\0') return blas_core() + " (set by OPENBLAS_CORETYPE=" + forced + ")";
    return blas_core() + " (detected by OpenBLAS)";
}

}  // namespace vecnn
