// Lesson 4, conditional and cumulative operations without loops: xt::where
// for "this if that, else the other", xt::cumsum for running sums.
#include <xtensor/xsort.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xaccumulator.hpp>

#include "tools/lessons/lesson.hpp"
#include "vecnn/tensor/random.hpp"

namespace vecnn::lessons {

void lesson_conditional(Lesson& l) {
    const std::size_t n = l.full() ? 1u << 22 : 1000;
    Rng rng(4);
    xt::xtensor<double, 1> x = xt::xtensor<double, 1>::from_shape({n});
    for (auto& v : x) v = rng.uniform(0, 1);
    xt::xtensor<double, 1> y = x, ref = x;

    l.table("values above 0.5 squared, the others 0, over " + std::to_string(n) + " values");
    l.measure("loop with an if", [&] {
        for (std::size_t i = 0; i < n; ++i) ref(i) = x(i) > 0.5 ? x(i) * x(i) : 0.0;
    });
    auto& w = l.measure("xt::where(x > 0.5, x * x, 0)", [&] { xt::noalias(y) = xt::where(x > 0.5, x * x, 0.0); });
    l.compare(w, y.data(), ref.data(), n, 0, "the same products, exactly");

    const std::size_t rows = l.full() ? 2000 : 20, cols = l.full() ? 1000 : 30;
    xt::xtensor<double, 2> a = xt::xtensor<double, 2>::from_shape({rows, cols});
    for (auto& v : a) v = rng.uniform(-1, 1);
    xt::xtensor<double, 2> avg = a, avg_ref = a;
    l.table("running averages along each of " + std::to_string(rows) + " rows of " + std::to_string(cols));
    l.measure("loop", [&] {
        for (std::size_t r = 0; r < rows; ++r) {
            double s = 0;
            for (std::size_t c = 0; c < cols; ++c) {
                s += a(r, c);
                avg_ref(r, c) = s / double(c + 1);
            }
        }
    });
    xt::xtensor<double, 2> counts = xt::xtensor<double, 2>::from_shape({1, cols});
    for (std::size_t c = 0; c < cols; ++c) counts(0, c) = double(c + 1);
    auto& cs = l.measure("xt::cumsum(a, 1) / [1, 2, ..., n]", [&] { avg = xt::cumsum(a, 1) / counts; });
    l.compare(cs, avg.data(), avg_ref.data(), rows * cols, 1e-13, "running sums added in the same order; one division each");
}

}  // namespace vecnn::lessons
