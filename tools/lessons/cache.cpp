// Lesson 7, cache effects: the same sum over an (n, n) float64 array, walking
// it in memory order (row by row) or against it (column by column, a stride
// of n elements), at sizes that cross L1, L2, L3 and main memory. The course's
// NumPy case: 3.89 s against 188 ms.
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xreducer.hpp>
#include <xtensor/xmath.hpp>

#include "tools/lessons/lesson.hpp"
#include "vecnn/tensor/random.hpp"

namespace vecnn::lessons {

void lesson_cache(Lesson& l) {
    // Array sizes from 32 KiB (in L1) to 512 MiB (memory); n = sqrt(bytes / 8).
    const std::vector<std::size_t> sides = l.full() ? std::vector<std::size_t>{64, 181, 362, 724, 1448, 2896, 5793, 8192}
                                                    : std::vector<std::size_t>{16, 64};
    Rng rng(7);
    for (std::size_t n : sides) {
        std::vector<double> a(n * n);
        for (auto& v : a) v = rng.uniform(-1, 1);
        const double elements = double(n) * double(n);
        // Small arrays are summed many times per run, so a run lasts long enough to time.
        const std::size_t repeat = std::max<std::size_t>(1, (std::size_t{1} << 24) / (n * n));
        double row_sum = 0, col_sum = 0;
        l.table("sum of a (" + std::to_string(n) + ", " + std::to_string(n) + ") float64 array (" +
                format_size(n * n * 8) + "), " + std::to_string(repeat) + " time(s) per run");
        auto& rows = l.measure("row by row (contiguous)", [&] {
            double s = 0;
            for (std::size_t r = 0; r < repeat; ++r)
                for (std::size_t i = 0; i < n; ++i)
                    for (std::size_t j = 0; j < n; ++j) s += a[i * n + j];
            row_sum = s;
        });
        auto& cols = l.measure("column by column (stride n)", [&] {
            double s = 0;
            for (std::size_t r = 0; r < repeat; ++r)
                for (std::size_t j = 0; j < n; ++j)
                    for (std::size_t i = 0; i < n; ++i) s += a[i * n + j];
            col_sum = s;
        });
        l.compare(cols, &col_sum, &row_sum, 1, 1e-10, "the same sum in another order");
        // xtensor walks the expression it is given in that expression's order:
        // a transposed view is walked against memory, as the column loop is.
        const auto A = xt::adapt(a, std::vector<std::size_t>{n, n});
        double xt_sum = 0, xt_transposed_sum = 0;
        auto& xrows = l.measure("xt::sum(a) (contiguous)", [&] {
            double s = 0;
            for (std::size_t r = 0; r < repeat; ++r) s += xt::sum(A)();
            xt_sum = s;
        });
        l.compare(xrows, &xt_sum, &row_sum, 1, 1e-10, "the same sum in another order");
        auto& xcols = l.measure("xt::sum(xt::transpose(a)) (strided view)", [&] {
            double s = 0;
            for (std::size_t r = 0; r < repeat; ++r) s += xt::sum(xt::transpose(A))();
            xt_transposed_sum = s;
        });
        l.compare(xcols, &xt_transposed_sum, &row_sum, 1, 1e-10, "the same sum in another order");
        for (auto* m : {&rows, &cols, &xrows, &xcols}) {
            m->extra["bytes"] = n * n * 8;
            m->extra["ns_per_element"] = m->median_s / (elements * double(repeat)) * 1e9;
        }
        char buf[160];
        std::snprintf(buf, sizeof buf, "%.2f ns per element in order, %.2f against it: %.1fx",
                      rows.median_s / (elements * double(repeat)) * 1e9, cols.median_s / (elements * double(repeat)) * 1e9,
                      cols.median_s / rows.median_s);
        l.say(buf);
    }
}

}  // namespace vecnn::lessons
