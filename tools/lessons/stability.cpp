// Lesson 10, numerical stability: softmax of logits around 1000. exp(1000)
// overflows float64 (its largest is 1.8e308 = e^709.8): the naive formula
// returns inf/inf = NaN; subtracting the row maximum first gives the same
// mathematical result and stays finite.
#include <cmath>
#include <cstdio>
#include <limits>

#include <xtensor/xmath.hpp>
#include <xtensor/xsort.hpp>
#include <xtensor/xtensor.hpp>

#include "tools/lessons/lesson.hpp"

namespace vecnn::lessons {

void lesson_stability(Lesson& l) {
    const std::size_t n = 5;
    xt::xtensor<double, 1> x = {1000.0, 1001.0, 1002.0, 999.0, 998.0};
    xt::xtensor<double, 1> naive = x, stable = x, loop_naive = x, loop_stable = x;
    l.table("softmax of logits (1000, 1001, 1002, 999, 998), float64");
    l.measure("loop, naive exp(x) / sum exp(x)", [&] {
        double s = 0;
        for (std::size_t i = 0; i < n; ++i) s += std::exp(x(i));
        for (std::size_t i = 0; i < n; ++i) loop_naive(i) = std::exp(x(i)) / s;
    });
    l.measure("loop, max subtracted", [&] {
        double m = x(0);
        for (std::size_t i = 1; i < n; ++i) m = std::max(m, x(i));
        double s = 0;
        for (std::size_t i = 0; i < n; ++i) s += std::exp(x(i) - m);
        for (std::size_t i = 0; i < n; ++i) loop_stable(i) = std::exp(x(i) - m) / s;
    });
    l.measure("xtensor, naive", [&] { naive = xt::exp(x) / xt::sum(xt::exp(x))(); });
    auto& xs = l.measure("xtensor, max subtracted", [&] {
        const double m = xt::amax(x)();
        const xt::xtensor<double, 1> e = xt::exp(x - m);
        stable = e / xt::sum(e)();
    });
    l.compare(xs, stable.data(), loop_stable.data(), n, 1e-15, "the same formula; SIMD exp rounds within an ulp of libm");
    auto show = [](const xt::xtensor<double, 1>& v) {
        std::string s = "(";
        char buf[32];
        for (std::size_t i = 0; i < v.size(); ++i) {
            std::snprintf(buf, sizeof buf, "%s%.6g", i ? ", " : "", v(i));
            s += buf;
        }
        return s + ")";
    };
    l.say("naive:  " + show(loop_naive) + " (exp(1000) = " + std::to_string(std::exp(1000.0)) + ")");
    l.say("stable: " + show(loop_stable) + ", sum " + std::to_string(xt::sum(loop_stable)()));
    const bool naive_broken = std::isnan(loop_naive(0)) && std::isnan(naive(0));
    const bool stable_ok = std::all_of(loop_stable.begin(), loop_stable.end(), [](double v) { return std::isfinite(v); }) &&
                           std::abs(xt::sum(loop_stable)() - 1.0) < 1e-12;
    l.require(naive_broken, "the naive softmax gives NaN (inf / inf) on both engines");
    l.require(stable_ok, "the max-subtracted softmax is finite and sums to 1");
}

}  // namespace vecnn::lessons
