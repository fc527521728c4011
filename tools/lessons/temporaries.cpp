// Lesson 6, temporaries: an expression evaluated step by step makes a
// temporary array per step (NumPy's way); xtensor's lazy expression makes one
// pass and none; an in-place loop the same. Allocations counted.
#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xmath.hpp>

#include "tools/cli/allocation_counter.hpp"
#include "tools/lessons/lesson.hpp"
#include "vecnn/tensor/random.hpp"

namespace vecnn::lessons {

void lesson_temporaries(Lesson& l) {
    const std::size_t n = l.full() ? 1u << 23 : 1000;
    Rng rng(6);
    using V = xt::xtensor<double, 1>;
    V a = V::from_shape({n}), b = a, c = a, e = a, r = a, ref = a;
    for (V* v : {&a, &b, &c, &e}) {
        for (auto& x : *v) x = rng.uniform(0.5, 1.5);
    }
    auto allocations = [](const std::function<void()>& f) {
        const std::uint64_t before = cli::allocation_count();
        f();
        return cli::allocation_count() - before;
    };

    l.table("(a + b) * c over " + std::to_string(n) + " float64 (" + format_size(n * 8) + " an array)");
    l.measure("in-place loop", [&] {
        for (std::size_t i = 0; i < n; ++i) ref(i) = (a(i) + b(i)) * c(i);
    });
    auto& eager = l.measure("eager: t = a + b; r = t * c (temporaries)", [&] {
        const V t = a + b;
        r = t * c;
    });
    l.compare(eager, r.data(), ref.data(), n, 0, "the same operations in the same order");
    eager.extra["allocations"] = allocations([&] {
        const V t = a + b;
        r = t * c;
    });
    auto& lazy = l.measure("lazy: noalias(r) = (a + b) * c", [&] { xt::noalias(r) = (a + b) * c; });
    l.compare(lazy, r.data(), ref.data(), n, 0, "the same operations in the same order");
    lazy.extra["allocations"] = allocations([&] { xt::noalias(r) = (a + b) * c; });
    l.require(lazy.extra["allocations"] == 0, "the lazy expression allocates nothing");

    l.table("a * b + c * e - a / e + sqrt(b), longer: five operations");
    l.measure("in-place loop", [&] {
        for (std::size_t i = 0; i < n; ++i) ref(i) = a(i) * b(i) + c(i) * e(i) - a(i) / e(i) + std::sqrt(b(i));
    });
    auto eager_long = [&] {
        const V t1 = a * b;
        const V t2 = c * e;
        const V t3 = a / e;
        const V t4 = xt::sqrt(b);
        const V t5 = t1 + t2;
        const V t6 = t5 - t3;
        r = t6 + t4;
    };
    auto& el = l.measure("eager: one temporary per operation", eager_long);
    l.compare(el, r.data(), ref.data(), n, 1e-15, "the same operations; SIMD sqrt rounds as libm does");
    el.extra["allocations"] = allocations(eager_long);
    auto lazy_long = [&] { xt::noalias(r) = a * b + c * e - a / e + xt::sqrt(b); };
    auto& ll = l.measure("lazy: one expression, one pass", lazy_long);
    l.compare(ll, r.data(), ref.data(), n, 1e-15, "the same operations; SIMD sqrt rounds as libm does");
    ll.extra["allocations"] = allocations(lazy_long);
    l.say("allocations: eager " + el.extra["allocations"].dump() + " (peak " + format_size(el.peak_extra_bytes) +
          "), lazy " + ll.extra["allocations"].dump() + " (peak " + format_size(ll.peak_extra_bytes) + ")");
}

}  // namespace vecnn::lessons
