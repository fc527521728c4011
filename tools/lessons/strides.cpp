// Lesson 1, strides and contiguity: how a row-major array is laid out, what a
// transpose is (new strides, same memory), and what walking memory against
// the layout costs.
#include <numeric>
#include <sstream>

#include <xtensor/xmanipulation.hpp>
#include <xtensor/xreducer.hpp>
#include <xtensor/xtensor.hpp>

#include "tools/lessons/lesson.hpp"
#include "vecnn/tensor/random.hpp"

namespace vecnn::lessons {
namespace {
template <class A>
std::string strides_text(const A& a) {
    std::ostringstream s;
    s << "(" << a.strides()[0] << ", " << a.strides()[1] << ") elements = (" << a.strides()[0] * 8 << ", "
      << a.strides()[1] * 8 << ") bytes";
    return s.str();
}
}  // namespace

void lesson_strides(Lesson& l) {
    xt::xtensor<double, 2> small = xt::xtensor<double, 2>::from_shape({3, 4});
    std::iota(small.begin(), small.end(), 0.0);
    const auto t = xt::transpose(small);
    l.table("strides of a (3, 4) float64 array and of its transpose");
    l.say("row-major (3, 4): strides " + strides_text(small) + ": the next column is 1 element away, the next row 4");
    std::ostringstream ts;
    ts << "transpose (4, 3): strides (" << t.strides()[0] << ", " << t.strides()[1]
       << ") elements: the same 12 numbers, read in another order; no copy (xt::transpose is a view)";
    l.say(ts.str());
    l.require(t.strides()[0] == 1 && t.strides()[1] == 4 && &t(1, 0) == &small(0, 1), "the transpose shares the memory");

    const std::size_t n = l.full() ? 4000 : 300;
    Rng rng(1);
    xt::xtensor<double, 2> a = xt::xtensor<double, 2>::from_shape({n, n});
    for (auto& v : a) v = rng.uniform(-1, 1);
    std::vector<double> reference(n), out(n);

    l.table("sums of the " + std::to_string(n) + " rows against sums of the columns, (" + std::to_string(n) + ", " +
            std::to_string(n) + ") float64 (" + format_size(n * n * 8) + ")");
    l.measure("loop, row sums (contiguous walk)", [&] {
        for (std::size_t i = 0; i < n; ++i) {
            double s = 0;
            for (std::size_t j = 0; j < n; ++j) s += a(i, j);
            reference[i] = s;
        }
    });
    auto& cols_loop = l.measure("loop, column sums (stride n walk)", [&] {
        for (std::size_t j = 0; j < n; ++j) {
            double s = 0;
            for (std::size_t i = 0; i < n; ++i) s += a(i, j);
            out[j] = s;
        }
    });
    cols_loop.extra["walk"] = "strided";
    auto& rows_x = l.measure("xt::sum(a, {1}), row sums", [&] {
        const xt::xtensor<double, 1> s = xt::sum(a, {1});
        std::copy(s.begin(), s.end(), out.begin());
    });
    l.compare(rows_x, out.data(), reference.data(), n, 1e-12, "float64 sums of the same terms in another order");
    auto& cols_x = l.measure("xt::sum(a, {0}), column sums", [&] {
        const xt::xtensor<double, 1> s = xt::sum(a, {0});
        std::copy(s.begin(), s.end(), out.begin());
    });
    std::vector<double> col_reference(n, 0.0);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) col_reference[j] += a(i, j);
    l.compare(cols_x, out.data(), col_reference.data(), n, 1e-12, "float64 sums of the same terms in another order");

    l.table("flatten: of the contiguous array (a view) against of its transpose (a copy)");
    double sink = 0;
    auto& view = l.measure("xt::flatten(a): a view, read once", [&] {
        auto f = xt::flatten(a);
        sink += f(n * n - 1);
    });
    view.extra["allocates"] = view.peak_extra_bytes > 0;
    auto& copy = l.measure("xt::flatten(xt::transpose(a)) evaluated: a copy", [&] {
        const xt::xtensor<double, 1> f = xt::flatten(xt::transpose(a));
        sink += f(n * n - 1);
    });
    copy.extra["allocates"] = copy.peak_extra_bytes > 0;
    l.say("a flattened transpose is not the memory in order: xtensor must copy it (" +
          format_size(copy.peak_extra_bytes) + " of heap); the contiguous array's flatten allocates " +
          format_size(view.peak_extra_bytes));
    l.require(copy.peak_extra_bytes >= n * n * 8 && view.peak_extra_bytes < n * n * 8,
              "the transposed flatten allocates a copy, the contiguous one does not");
    (void)sink;
}

}  // namespace vecnn::lessons
