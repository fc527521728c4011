// Lesson 9, BLAS threads: one large GEMM at 1 and 2 OpenBLAS threads, and a
// tiny one, which a second thread makes slower: waking a thread and splitting
// the work costs microseconds, the tiny product itself less.
#include <cblas.h>

#include <xtensor/xtensor.hpp>

#include "tools/lessons/lesson.hpp"
#include "vecnn/tensor/random.hpp"

extern "C" void openblas_set_num_threads(int);

namespace vecnn::lessons {

void lesson_blas_threads(Lesson& l) {
    Rng rng(9);
    for (std::size_t n : {l.full() ? std::size_t{2048} : std::size_t{128}, std::size_t{16}}) {
        xt::xtensor<float, 2> a = xt::xtensor<float, 2>::from_shape({n, n}), b = a, c = a, ref = a;
        for (auto& v : a) v = static_cast<float>(rng.uniform(-1, 1));
        for (auto& v : b) v = static_cast<float>(rng.uniform(-1, 1));
        const int s = static_cast<int>(n);
        const double flops = 2.0 * double(n) * double(n) * double(n);
        l.table("sgemm (" + std::to_string(n) + ", " + std::to_string(n) + ") x (" + std::to_string(n) + ", " +
                std::to_string(n) + "), OpenBLAS threads");
        for (int threads : {1, 2}) {
            openblas_set_num_threads(threads);
            float* out = threads == 1 ? ref.data() : c.data();
            auto& m = l.measure(std::to_string(threads) + " thread(s)", [&] {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s, s, s, 1.0f, a.data(), s, b.data(), s, 0.0f,
                            out, s);
            });
            m.extra["threads"] = threads;
            m.extra["gflops"] = flops / m.median_s / 1e9;
            if (threads == 2) {
                l.compare(m, c.data(), ref.data(), n * n, 1e-5, "float32 sums split differently between threads");
            }
        }
        openblas_set_num_threads(1);  // vecnn runs OpenBLAS on one thread and splits work itself
    }
    l.say("a product of n^3 = 4096 multiply-adds takes well under a microsecond: a second thread's wake-up and "
          "hand-off cost more than it can save (vecnn therefore splits only large GEMMs over its own threads)");
}

}  // namespace vecnn::lessons
