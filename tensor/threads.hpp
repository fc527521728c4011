// How many threads OpenBLAS may use. vecnn itself starts no threads, so the
// BLAS pool is the only one and nothing fights it for the cores.
#pragma once

namespace vecnn {

void set_blas_threads(int threads);  // threads >= 1
int blas_threads();

}  // namespace vecnn
