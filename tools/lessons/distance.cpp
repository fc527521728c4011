// Lesson 5, the Euclidean distance matrix D(i, j) = |x_i - y_j| of n points
// against m points in d dimensions, four ways:
//   loops; broadcasting through an (n, m, d) difference (as NumPy evaluates
//   it), and xtensor's lazy reducer over the same expression (no intermediate);
//   the identity |x|^2 + |y|^2 - 2 x.y^T with the product by BLAS
//   (xt::linalg::dot, xtensor-blas); and the identity in row chunks whose
//   temporaries stay under a memory budget. Then the identity's cancellation
//   in float32, and what clamping at zero does about it.
#include <algorithm>
#include <chrono>
#include <cmath>

#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xreducer.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include "tools/lessons/lesson.hpp"
#include "vecnn/tensor/random.hpp"

namespace vecnn::lessons {
namespace {

using Points = xt::xtensor<double, 2>;

Points random_points(std::size_t n, std::size_t d, double offset, Rng& rng) {
    Points p = Points::from_shape({n, d});
    for (auto& v : p) v = offset + rng.uniform(-1, 1);
    return p;
}

// The identity for rows [begin, end) of x into D: squared norms, one GEMM
// (BLAS through xt::linalg::dot), clamped at zero before the square root.
template <class T>
void identity_rows(const xt::xtensor<T, 2>& x, const xt::xtensor<T, 2>& y, const xt::xtensor<T, 1>& yy,
                   std::size_t begin, std::size_t end, xt::xtensor<T, 2>& D, bool clamp, std::size_t* negatives) {
    auto xs = xt::view(x, xt::range(begin, end), xt::all());
    const xt::xtensor<T, 1> xx = xt::sum(xs * xs, {1});
    const xt::xtensor<T, 2> xy = xt::linalg::dot(xt::xtensor<T, 2>(xs), xt::transpose(y));
    auto block = xt::view(D, xt::range(begin, end), xt::all());
    auto squared = xt::view(xx, xt::all(), xt::newaxis()) + xt::view(yy, xt::newaxis(), xt::all()) - T(2) * xy;
    if (negatives) *negatives += static_cast<std::size_t>(xt::sum(xt::cast<int>(squared < T(0)))());
    if (clamp) {
        block = xt::sqrt(xt::maximum(squared, T(0)));
    } else {
        block = xt::sqrt(squared);
    }
}

// This machine's dgemm rate (through the same xt::linalg::dot), best of 3.
double gemm_rate(std::size_t size) {
    const xt::xtensor<double, 2> a = xt::ones<double>({size, size});
    xt::xtensor<double, 2> c = xt::linalg::dot(a, a);
    double best = 0;
    for (int r = 0; r < 3; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        c = xt::linalg::dot(a, a);
        const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::max(best, 2.0 * double(size) * double(size) * double(size) / t / 1e9);
    }
    return best;
}

}  // namespace

void lesson_distance(Lesson& l) {
    const std::size_t d = l.full() ? 50 : 8;
    const std::vector<std::size_t> sizes = l.full() ? std::vector<std::size_t>{500, 2000, 5000}
                                                    : std::vector<std::size_t>{40, 97};
    // Two budgets: the chunked identity's own (small enough that chunking is
    // real), and the one no version may exceed (the broadcast's intermediate).
    const std::uint64_t budget = l.settings().chunk_budget_bytes;
    const std::uint64_t limit = l.settings().budget_bytes;
    Rng rng(5);
    for (std::size_t n : sizes) {
        const std::size_t m = n;
        const Points x = random_points(n, d, 0, rng), y = random_points(m, d, 0, rng);
        Points ref = Points::from_shape({n, m}), D = ref;
        l.table("distance matrix, n = m = " + std::to_string(n) + ", d = " + std::to_string(d) + ", float64 (result " +
                format_size(n * m * 8) + ", preallocated)");
        const double flops = 3.0 * double(n) * double(m) * double(d);
        auto& loop = l.measure("loops", [&] {
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t j = 0; j < m; ++j) {
                    double s = 0;
                    for (std::size_t k = 0; k < d; ++k) {
                        const double t = x(i, k) - y(j, k);
                        s += t * t;
                    }
                    ref(i, j) = std::sqrt(s);
                }
        });
        loop.extra["n"] = n;
        const std::uint64_t intermediate = std::uint64_t{n} * m * d * 8;
        const std::string why = "float64: the same squares summed in another order";
        if (intermediate <= limit) {
            auto& b = l.measure("broadcast: (n, m, d) difference evaluated", [&] {
                const xt::xtensor<double, 3> diff =
                    xt::view(x, xt::all(), xt::newaxis(), xt::all()) - xt::view(y, xt::newaxis(), xt::all(), xt::all());
                D = xt::sqrt(xt::sum(diff * diff, {2}));
            });
            l.compare(b, D.data(), ref.data(), n * m, 1e-12, why);
            b.extra["n"] = n;
        } else {
            l.skip("broadcast: (n, m, d) difference evaluated",
                   "its intermediate needs " + format_size(intermediate) + ", over --budget " + format_size(limit))
                .extra["n"] = n;
        }
        auto& lazy = l.measure("broadcast, xtensor's lazy reducer", [&] {
            auto diff = xt::view(x, xt::all(), xt::newaxis(), xt::all()) - xt::view(y, xt::newaxis(), xt::all(), xt::all());
            D = xt::sqrt(xt::sum(diff * diff, {2}));
        });
        l.compare(lazy, D.data(), ref.data(), n * m, 1e-12, why);
        lazy.extra["n"] = n;
        const xt::xtensor<double, 1> yy = xt::sum(y * y, {1});
        auto& id = l.measure("identity, x.y^T by BLAS (xt::linalg::dot)", [&] {
            identity_rows(x, y, yy, 0, n, D, true, nullptr);
        });
        // |x|^2 + |y|^2 - 2 x.y cancels: its error is eps times |x|^2 + |y|^2, not times the distance.
        l.compare(id, D.data(), ref.data(), n * m, 1e-7,
                  "the identity subtracts numbers of size |x|^2 + |y|^2: its error is relative to them, not to D");
        id.extra["n"] = n;
        id.extra["gflops"] = 2.0 * double(n) * double(m) * double(d) / id.median_s / 1e9;
        // Rows per chunk: per row, the product's row and xt::linalg::dot's own
        // copy of it (m numbers each), and the chunk of x it copies (d numbers),
        // 8 bytes a number; 64 KiB kept aside for the small vectors.
        const std::uint64_t per_row = 2 * (std::uint64_t{m} + d) * 8 + 16;
        const std::size_t rows = static_cast<std::size_t>(
            std::max<std::uint64_t>(1, std::min<std::uint64_t>(n, (budget > 65536 ? budget - 65536 : 0) / per_row)));
        auto& chunked = l.measure("identity in chunks of " + std::to_string(rows) + " rows (budget " +
                                      format_size(budget) + ")",
                                  [&] {
                                      for (std::size_t b = 0; b < n; b += rows) {
                                          identity_rows(x, y, yy, b, std::min(n, b + rows), D, true, nullptr);
                                      }
                                  });
        l.compare(chunked, D.data(), ref.data(), n * m, 1e-7, "the same identity, chunk by chunk");
        chunked.extra["n"] = n;
        chunked.extra["budget_bytes"] = budget;
        l.require(chunked.peak_extra_bytes <= budget,
                  "the chunked identity's peak extra heap (" + format_size(chunked.peak_extra_bytes) +
                      ") stays under the budget (" + format_size(budget) + ")");
        (void)flops;
        if (n == sizes.back()) {
            // The GEMM alone: x (n, d) times y^T (d, m), d = 50 deep.
            xt::xtensor<double, 2> xy;
            std::vector<double> times;
            for (int r = 0; r < 3; ++r) {
                const auto t0 = std::chrono::steady_clock::now();
                xy = xt::linalg::dot(x, xt::transpose(y));
                times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
            }
            std::sort(times.begin(), times.end());
            const double gemm_gflops = 2.0 * double(n) * double(m) * double(d) / times[1] / 1e9;
            const std::size_t square = l.full() ? 2048 : 128;
            const double rate = gemm_rate(square);
            char buf[320];
            std::snprintf(buf, sizeof buf,
                          "n = %zu: the identity's x.y^T alone takes %s, %.1f GFLOP/s (its inner size is only d = %zu); "
                          "this machine's dgemm on a square %zu product: %.1f GFLOP/s; the whole identity: %.1f "
                          "GFLOP/s counting the GEMM's FLOPs: the rest of its time is the elementwise part",
                          n, format_seconds(times[1]).c_str(), gemm_gflops, d, square, rate,
                          2.0 * double(n) * double(m) * double(d) / id.median_s / 1e9);
            l.say(buf);
            id.extra["gemm_alone_gflops"] = gemm_gflops;
            id.extra["machine_dgemm_gflops"] = rate;
        }
    }

    // Cancellation: points far from the origin, float32, against themselves
    // (the distance of a point to itself is 0: the identity's error shows bare).
    const std::size_t n = l.full() ? 1000 : 60;
    const Points x = random_points(n, d, 100.0, rng), y = x;
    Points ref = Points::from_shape({n, n});
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            double s = 0;
            for (std::size_t k = 0; k < d; ++k) s += (x(i, k) - y(j, k)) * (x(i, k) - y(j, k));
            ref(i, j) = std::sqrt(s);
        }
    const xt::xtensor<float, 2> xf = xt::cast<float>(x), yf = xt::cast<float>(y);
    const xt::xtensor<float, 1> yyf = xt::sum(yf * yf, {1});
    xt::xtensor<float, 2> Df = xt::xtensor<float, 2>::from_shape({n, n});
    l.table("the identity's cancellation in float32: " + std::to_string(n) + " points near (100, ..., 100) against themselves");
    std::size_t negatives = 0;
    auto& raw = l.measure("identity, float32, no clamping", [&] {
        negatives = 0;
        identity_rows(xf, yf, yyf, 0, n, Df, false, &negatives);
    });
    const std::size_t nans = static_cast<std::size_t>(std::count_if(Df.begin(), Df.end(), [](float v) { return std::isnan(v); }));
    raw.extra["negative_squares"] = negatives;
    raw.extra["nan"] = nans;
    auto& clamped = l.measure("identity, float32, clamped at zero", [&] { identity_rows(xf, yf, yyf, 0, n, Df, true, nullptr); });
    const xt::xtensor<double, 2> Dd = xt::cast<double>(Df);
    // float32 keeps 7 digits of |x|^2 ~ 5e5: an error of ~0.1 in a squared distance, ~0.3 in a distance near 0.
    l.compare(clamped, Dd.data(), ref.data(), n * n, 0.1,
              "float32 cancellation: 2^-24 of |x|^2 + |y|^2 (~1e6) is ~0.1 in a squared distance, so a distance "
              "near 0 can be off by ~0.3");
    char buf[240];
    std::snprintf(buf, sizeof buf,
                  "without clamping, %zu of %zu squared distances came out negative and their roots NaN (%zu); "
                  "clamping turns those into 0 (no NaN), but the error of the others stays: %.3g at most",
                  negatives, n * n, nans, clamped.max_abs_diff);
    l.say(buf);
    l.say("the cure is to centre the points first (subtract the mean): the identity's error scales with |x|^2");
}

}  // namespace vecnn::lessons
