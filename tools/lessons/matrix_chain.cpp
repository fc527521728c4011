// Lesson 8, matrix-chain order: A (n, k) B (k, n) C (n, k) computed as (A B) C
// makes an (n, n) middle and costs 4 n^2 k FLOPs; A (B C) makes a (k, k)
// middle and costs 4 n k^2. Same result, the FLOP count printed beside the time.
#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xtensor.hpp>

#include "tools/lessons/lesson.hpp"
#include "vecnn/tensor/random.hpp"

namespace vecnn::lessons {
namespace {
using M = xt::xtensor<double, 2>;

M loop_product(const M& a, const M& b) {
    const std::size_t n = a.shape()[0], k = a.shape()[1], m = b.shape()[1];
    M c = xt::zeros<double>({n, m});
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t p = 0; p < k; ++p) {
            const double aip = a(i, p);
            for (std::size_t j = 0; j < m; ++j) c(i, j) += aip * b(p, j);
        }
    return c;
}
}  // namespace

void lesson_matrix_chain(Lesson& l) {
    const std::size_t n = l.full() ? 2000 : 60, k = l.full() ? 10 : 4;
    Rng rng(8);
    M a = M::from_shape({n, k}), b = M::from_shape({k, n}), c = M::from_shape({n, k});
    for (M* x : {&a, &b, &c}) {
        for (auto& v : *x) v = rng.uniform(-1, 1);
    }
    const double expensive = 4.0 * double(n) * double(n) * double(k), cheap = 4.0 * double(n) * double(k) * double(k);
    l.table("A (" + std::to_string(n) + ", " + std::to_string(k) + ") B (" + std::to_string(k) + ", " +
            std::to_string(n) + ") C (" + std::to_string(n) + ", " + std::to_string(k) + ")");
    M ref, r;
    auto& l1 = l.measure("loops, (A B) C", [&] { ref = loop_product(loop_product(a, b), c); });
    l1.extra["flops"] = expensive;
    auto& l2 = l.measure("loops, A (B C)", [&] { r = loop_product(a, loop_product(b, c)); });
    l2.extra["flops"] = cheap;
    l.compare(l2, r.data(), ref.data(), n * k, 1e-12, "float64: the same products, summed in another grouping");
    auto& d1 = l.measure("xt::linalg::dot, (A B) C", [&] { r = xt::linalg::dot(xt::linalg::dot(a, b), c); });
    d1.extra["flops"] = expensive;
    l.compare(d1, r.data(), ref.data(), n * k, 1e-12, "float64: the same products, summed in another grouping");
    auto& d2 = l.measure("xt::linalg::dot, A (B C)", [&] { r = xt::linalg::dot(a, xt::linalg::dot(b, c)); });
    d2.extra["flops"] = cheap;
    l.compare(d2, r.data(), ref.data(), n * k, 1e-12, "float64: the same products, summed in another grouping");
    char buf[200];
    std::snprintf(buf, sizeof buf, "(A B) C: %.3g FLOPs and an (n, n) middle of %s; A (B C): %.3g FLOPs, a (k, k) middle: "
                  "%.0fx fewer FLOPs", expensive, format_size(n * n * 8).c_str(), cheap, expensive / cheap);
    l.say(buf);
}

}  // namespace vecnn::lessons
