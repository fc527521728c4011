// Lesson 3, broadcasting: shapes that differ are stretched virtually, without
// copying the inputs: a multiplication table from a column and a row, and all
// pairwise differences of n vectors, whose n*n*d result is the memory cost.
#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include "tools/lessons/lesson.hpp"
#include "vecnn/tensor/random.hpp"

namespace vecnn::lessons {

void lesson_broadcasting(Lesson& l) {
    const std::size_t n = l.full() ? 2000 : 50;
    xt::xtensor<double, 2> col = xt::xtensor<double, 2>::from_shape({n, 1});
    xt::xtensor<double, 2> row = xt::xtensor<double, 2>::from_shape({1, n});
    for (std::size_t i = 0; i < n; ++i) col(i, 0) = row(0, i) = double(i + 1);
    xt::xtensor<double, 2> table = xt::xtensor<double, 2>::from_shape({n, n}), ref = table;

    l.table("multiplication table " + std::to_string(n) + " x " + std::to_string(n) + " from a column (n, 1) and a row (1, n)");
    l.measure("loop", [&] {
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j) ref(i, j) = double(i + 1) * double(j + 1);
    });
    auto& b = l.measure("col * row, broadcast into a preallocated table", [&] { xt::noalias(table) = col * row; });
    l.compare(b, table.data(), ref.data(), n * n, 0, "products of small integers are exact");
    l.require(b.peak_extra_bytes == 0, "broadcasting copies neither input (no heap allocated)");

    const std::size_t m = l.full() ? 1000 : 40, d = l.full() ? 50 : 7;
    Rng rng(3);
    xt::xtensor<double, 2> x = xt::xtensor<double, 2>::from_shape({m, d});
    for (auto& v : x) v = rng.uniform(-1, 1);
    xt::xtensor<double, 3> diff_ref = xt::xtensor<double, 3>::from_shape({m, m, d});
    l.table("all pairwise differences of " + std::to_string(m) + " vectors of " + std::to_string(d) + " (result " +
            format_size(m * m * d * 8) + ")");
    l.measure("loop into a preallocated (n, n, d)", [&] {
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < m; ++j)
                for (std::size_t k = 0; k < d; ++k) diff_ref(i, j, k) = x(i, k) - x(j, k);
    });
    xt::xtensor<double, 3> diff;
    auto& p = l.measure("(n, 1, d) - (1, n, d), evaluated", [&] {
        auto a = xt::view(x, xt::all(), xt::newaxis(), xt::all());
        auto b2 = xt::view(x, xt::newaxis(), xt::all(), xt::all());
        diff = a - b2;
    });
    l.compare(p, diff.data(), diff_ref.data(), m * m * d, 0, "the same subtractions, exactly");
    p.extra["result_bytes"] = m * m * d * 8;
    l.say("the broadcast difference allocates its (n, n, d) result: " + format_size(p.peak_extra_bytes) +
          " measured for " + format_size(m * m * d * 8) + " of numbers: memory grows as n^2 d");
}

}  // namespace vecnn::lessons
