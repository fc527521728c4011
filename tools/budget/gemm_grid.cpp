// vecnn_gemm_grid: libxsmm's kernels (through vecnn's driver) against
// OpenBLAS's cblas_sgemm, one thread, on the three GEMMs of a Linear(in, out)
// layer at `rows` rows: forward Y = X W^T (NT), weight gradient dY^T X (TN,
// accumulating), input gradient dY W (NN). Prints per shape both times, which
// library vecnn's dispatch picks on this CPU (tensor/xsmm_gemm.hpp), the time
// of the vectorized engine's own gemm (its route, tensor/gemm_route.hpp, on
// one compute thread), and in the end how far the dispatch, the engine and
// OpenBLAS alone are from the faster library on every shape (geometric means
// of time over the faster one's time). The dispatch's size rule for AVX2-only
// CPUs came from this grid.
//
//   vecnn_gemm_grid [--sizes=2,4,...] [--rows=8,16,...] [--slice_ms=4]
//   (in and out both range over --sizes; times are the best of 5 slices).
// The rule's two grids: the defaults (Linear layers, ~3 minutes), and
// --rows=2048,12544,50176 --sizes=4,8,9,16,32,64,72,144 (im2col products).
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "vecnn/tensor/gemm_route.hpp"
#include "vecnn/tensor/kernels.hpp"
#include "vecnn/tensor/random.hpp"
#include "vecnn/tensor/threads.hpp"
#include "vecnn/tensor/xsmm_gemm.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

struct Options {
    std::vector<int> sizes{2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
    std::vector<int> rows{8, 16, 32, 64, 128, 256};
    double slice_seconds = 0.004;
};

std::vector<int> parse_list(const char* flag, const char* text) {
    std::vector<int> values;
    const std::string s = text;
    std::size_t at = 0;
    while (at <= s.size()) {
        const std::size_t comma = std::min(s.find(',', at), s.size());
        const std::string item = s.substr(at, comma - at);
        char* end = nullptr;
        const long v = std::strtol(item.c_str(), &end, 10);
        if (item.empty() || *end != '\0' || v < 1 || v > 65536) {
            throw std::invalid_argument(std::string(flag) + ": '" + item + "' is not an integer in [1, 65536]");
        }
        values.push_back(static_cast<int>(v));
        at = comma + 1;
    }
    return values;
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const char* a = argv[i];
        if (std::strncmp(a, "--sizes=", 8) == 0) {
            o.sizes = parse_list("--sizes", a + 8);
        } else if (std::strncmp(a, "--rows=", 7) == 0) {
            o.rows = parse_list("--rows", a + 7);
        } else if (std::strncmp(a, "--slice_ms=", 11) == 0) {
            char* end = nullptr;
            const double ms = std::strtod(a + 11, &end);
            if (*end != '\0' || !(ms >= 0.1 && ms <= 10000)) {
                throw std::invalid_argument(std::string("--slice_ms: '") + (a + 11) +
                                            "' is not a number in [0.1, 10000]");
            }
            o.slice_seconds = ms / 1000;
        } else {
            throw std::invalid_argument(std::string("unknown argument '") + a +
                                        "' (expected --sizes=a,b,... --rows=a,b,... --slice_ms=x)");
        }
    }
    return o;
}

// Best of 5 slices of repeated calls: seconds per call.
template <class F>
double best_seconds_per_call(F&& call, double slice) {
    double best = 1e30;
    for (int r = 0; r < 5; ++r) {
        std::size_t n = 0;
        const auto start = clock_type::now();
        double elapsed = 0;
        do {
            // Sixteen calls per clock read: a read costs ~30 ns, as much as a toy product.
            for (int i = 0; i < 16; ++i) call();
            n += 16;
            elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
        } while (elapsed < slice);
        best = std::min(best, elapsed / static_cast<double>(n));
    }
    return best;
}

struct Tally {
    double log_dispatch = 0, log_engine = 0, log_openblas = 0;
    std::size_t shapes = 0, to_libxsmm = 0;
};

int run(const Options& o) {
    if (!vecnn::libxsmm_built_in()) {
        std::fprintf(stderr, "vecnn_gemm_grid: vecnn was built without libxsmm: nothing to compare\n");
        return 1;
    }
    const int largest_size = *std::max_element(o.sizes.begin(), o.sizes.end());
    const int most_rows = *std::max_element(o.rows.begin(), o.rows.end());
    const std::size_t floats = static_cast<std::size_t>(std::max(largest_size, most_rows)) * largest_size;
    // Three operands of this size are allocated and filled: refuse a grid
    // whose largest product would not fit in memory rather than be killed.
    constexpr std::size_t kMostFloats = std::size_t{1} << 28;  // 1 GiB per operand
    if (floats > kMostFloats) {
        throw std::invalid_argument("the largest product needs " + std::to_string(floats) +
                                    " floats per operand (at most " + std::to_string(kMostFloats) +
                                    "): lower --sizes or --rows");
    }
    vecnn::Rng rng(1);
    std::vector<float> a(floats), b(floats), c(floats);
    for (auto& v : a) v = static_cast<float>(rng.uniform(-1, 1));
    for (auto& v : b) v = static_cast<float>(rng.uniform(-1, 1));

    vecnn::set_compute_threads(1);  // the engine's gemm on one thread, as the two libraries
    const auto& engine = vecnn::vectorized_kernels<float>();
    std::printf("vecnn_gemm_grid: float GEMMs by %s; times in us, best of 5 slices of %.1f ms\n",
                vecnn::gemm_library_description().c_str(), o.slice_seconds * 1000);
    std::printf("%-9s %6s %5s %5s %6s %6s %6s %10s %10s %7s %-9s %10s %s\n", "gemm", "rows", "in", "out", "m", "n", "k",
                "libxsmm", "openblas", "ratio", "dispatch", "vecnn", "vecnn's route");
    Tally tally;
    const char* names[] = {"fwd NT", "wgrad TN", "igrad NN"};
    for (int rows : o.rows) {
        for (int in : o.sizes) {
            for (int out : o.sizes) {
                for (int g = 0; g < 3; ++g) {
                    const bool ta = g == 1, tb = g == 0;
                    const int m = g == 1 ? out : rows, n = g == 0 ? out : in, k = g == 0 ? in : g == 1 ? rows : out;
                    const int lda = ta ? m : k, ldb = tb ? k : n;
                    const float beta = g == 1 ? 1.0f : 0.0f;
                    const double xsmm = best_seconds_per_call(
                        [&] { vecnn::libxsmm_sgemm(ta, tb, m, n, k, a.data(), lda, b.data(), ldb, beta, c.data(), n); },
                        o.slice_seconds);
                    const double blas = best_seconds_per_call(
                        [&] {
                            cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                                        m, n, k, 1.0f, a.data(), lda, b.data(), ldb, beta, c.data(), n);
                        },
                        o.slice_seconds);
                    const vecnn::ConstView<float> av(a.data(), ta ? k : m, ta ? m : k);
                    const vecnn::ConstView<float> bv(b.data(), tb ? n : k, tb ? k : n);
                    const vecnn::View<float> cv(c.data(), m, n);
                    const double vec =
                        best_seconds_per_call([&] { engine.gemm(ta, tb, 1.0f, av, bv, beta, cv); }, o.slice_seconds);
                    const vecnn::GemmRoute route =
                        vecnn::vectorized_gemm_route(ta, tb, static_cast<std::size_t>(m), static_cast<std::size_t>(n),
                                                     static_cast<std::size_t>(k), 1.0f, beta);
                    const bool to_libxsmm =
                        vecnn::libxsmm_takes_sgemm(ta, tb, static_cast<std::size_t>(m), static_cast<std::size_t>(n),
                                                   static_cast<std::size_t>(k), 1.0f, beta);
                    const double best = std::min(xsmm, blas);
                    tally.log_dispatch += std::log((to_libxsmm ? xsmm : blas) / best);
                    tally.log_engine += std::log(vec / best);
                    tally.log_openblas += std::log(blas / best);
                    ++tally.shapes;
                    tally.to_libxsmm += to_libxsmm;
                    std::printf("%-9s %6d %5d %5d %6d %6d %6d %10.3f %10.3f %7.2f %-9s %10.3f %s\n", names[g], rows, in,
                                out, m, n, k, xsmm * 1e6, blas * 1e6, blas / xsmm, to_libxsmm ? "libxsmm" : "openblas",
                                vec * 1e6, vecnn::to_string(route));
                }
            }
        }
    }
    const double shapes = static_cast<double>(tally.shapes);
    std::printf(
        "\n%zu products, %zu to libxsmm by the dispatch; time over the faster library's (geometric mean): "
        "dispatch %.3fx, vecnn's gemm %.3fx, OpenBLAS alone %.3fx\n",
        tally.shapes, tally.to_libxsmm, std::exp(tally.log_dispatch / shapes), std::exp(tally.log_engine / shapes),
        std::exp(tally.log_openblas / shapes));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse(argc, argv));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "vecnn_gemm_grid: %s\n", e.what());
        return 2;
    }
}
