// The float GEMM routes of the vectorized engine: libxsmm's kernels with
// vecnn's blocking and transposes (tensor/xsmm_gemm.hpp), checked against a
// float64 reference on every path of the driver, and the transposes alone.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "vecnn/tensor/cpu_features.hpp"
#include "vecnn/tensor/gemm_route.hpp"
#include "vecnn/tensor/kernels.hpp"
#include "vecnn/tensor/precision.hpp"
#include "vecnn/tensor/random.hpp"
#include "vecnn/tensor/small_gemm.hpp"
#include "vecnn/tensor/threads.hpp"
#include "vecnn/tensor/transpose.hpp"
#include "vecnn/tensor/xsmm_gemm.hpp"

using namespace vecnn;

namespace {

std::vector<float> random_floats(std::size_t n, Rng& rng) {
    std::vector<float> v(n);
    for (auto& x : v) x = static_cast<float>(rng.uniform() * 2 - 1);
    return v;
}

}  // namespace

TEST_CASE_TEMPLATE("transpose: every element lands at its mirror, with and without accumulating, tiles and edges", T,
                   float, double) {
    if (std::is_same_v<T, float> && !cpu_has_avx512f()) {
        MESSAGE((cpu_has_avx2() ? "this CPU has no AVX-512F: its AVX2 8 x 8 tiles transpose here, not the AVX-512 code"
                                : "this CPU has neither AVX-512F nor AVX2: the tiled loop transposes here"));
    }
    Rng rng(3);
    auto random_values = [&](std::size_t n) {
        const std::vector<float> v = random_floats(n, rng);
        return std::vector<T>(v.begin(), v.end());
    };
    for (int rows : {1, 5, 16, 17, 33, 64, 100}) {
        for (int cols : {1, 3, 16, 31, 48, 784}) {
            for (bool accumulate : {false, true}) {
                const int ld_in = cols + 3, ld_out = rows + 5;  // padding that must stay untouched
                const std::vector<T> in = random_values(static_cast<std::size_t>(rows) * ld_in);
                std::vector<T> out = random_values(static_cast<std::size_t>(cols) * ld_out);
                std::vector<T> expected = out;
                for (int i = 0; i < rows; ++i) {
                    for (int j = 0; j < cols; ++j) {
                        const T v = in[static_cast<std::size_t>(i) * ld_in + j];
                        T& e = expected[static_cast<std::size_t>(j) * ld_out + i];
                        e = accumulate ? e + v : v;
                    }
                }
                transpose(in.data(), rows, cols, ld_in, out.data(), ld_out, accumulate);
                INFO(rows, "x", cols, accumulate ? " accumulating" : "");
                CHECK(out == expected);
            }
        }
    }
}

TEST_CASE("transpose_words moves 32-bit words bit for bit, NaN payloads included") {
    Rng rng(4);
    for (int rows : {1, 16, 17, 40}) {
        for (int cols : {1, 15, 32, 392}) {
            const int ld_in = cols + 1, ld_out = rows + 2;
            std::vector<std::uint32_t> in(static_cast<std::size_t>(rows) * ld_in),
                out(static_cast<std::size_t>(cols) * ld_out, 7u);
            for (auto& w : in) w = static_cast<std::uint32_t>(rng.below(1u << 31)) | 0x7f800001u;  // NaN patterns
            std::vector<std::uint32_t> expected = out;
            for (int i = 0; i < rows; ++i) {
                for (int j = 0; j < cols; ++j) {
                    expected[static_cast<std::size_t>(j) * ld_out + i] = in[static_cast<std::size_t>(i) * ld_in + j];
                }
            }
            transpose_words(in.data(), rows, cols, ld_in, out.data(), ld_out);
            INFO(rows, "x", cols);
            CHECK(out == expected);
        }
    }
}

TEST_CASE("libxsmm_sgemm equals a float64 product on every route of the driver") {
    if (!libxsmm_built_in()) {
        MESSAGE("skipped: vecnn was built without libxsmm (every float GEMM goes to OpenBLAS)");
        return;
    }
    struct Case {
        int m, n, k;
    };
    // Whole kernels and blocked ones (operands over 1 MB), ragged edges of
    // the 64 x 256 x 256 blocks, NT products where the driver transposes
    // B (n k small) or A and the result (m small against n), and TN products
    // of 1-4 columns that an AVX-512 CPU runs as C^T (whole and in blocks).
    const Case cases[] = {{1, 1, 1},      {3, 5, 7},       {17, 33, 9},     {64, 256, 784}, {64, 10, 256},
                          {256, 784, 64}, {300, 700, 300}, {40, 1030, 600}, {130, 17, 513}, {16, 2, 32},
                          {20, 1, 40},    {300, 3, 70},    {784, 4, 256},   {2000, 4, 300}};
    Rng rng(11);
    for (const Case& c : cases) {
        for (int route = 0; route < 3; ++route) {
            const bool ta = route == 2, tb = route == 1;  // NN, NT, TN
            for (float beta : {0.0f, 1.0f}) {
                const int lda = (ta ? c.m : c.k) + 1, ldb = (tb ? c.k : c.n) + 2, ldc = c.n + 3;
                const std::vector<float> a = random_floats(static_cast<std::size_t>(ta ? c.k : c.m) * lda, rng);
                const std::vector<float> b = random_floats(static_cast<std::size_t>(tb ? c.n : c.k) * ldb, rng);
                std::vector<float> cm = random_floats(static_cast<std::size_t>(c.m) * ldc, rng);
                // beta 0 must not read C: NaN there would survive a multiply by 0.
                if (beta == 0) {
                    for (int i = 0; i < c.m; ++i) {
                        for (int j = 0; j < c.n; ++j) {
                            cm[static_cast<std::size_t>(i) * ldc + j] = std::numeric_limits<float>::quiet_NaN();
                        }
                    }
                }
                const std::vector<float> before = cm;
                libxsmm_sgemm(ta, tb, c.m, c.n, c.k, a.data(), lda, b.data(), ldb, beta, cm.data(), ldc);
                int wrong = 0;
                for (int i = 0; i < c.m; ++i) {
                    for (int j = 0; j < ldc; ++j) {
                        const std::size_t at = static_cast<std::size_t>(i) * ldc + j;
                        if (j >= c.n) {  // past the last column: untouched
                            wrong += cm[at] != before[at];
                            continue;
                        }
                        double sum = beta == 0 ? 0.0 : before[at], scale = std::abs(sum);
                        for (int p = 0; p < c.k; ++p) {
                            const double x = ta ? a[static_cast<std::size_t>(p) * lda + i]
                                                : a[static_cast<std::size_t>(i) * lda + p];
                            const double y = tb ? b[static_cast<std::size_t>(j) * ldb + p]
                                                : b[static_cast<std::size_t>(p) * ldb + j];
                            sum += x * y;
                            scale += std::abs(x * y);
                        }
                        wrong += !(std::abs(cm[at] - sum) <= 1e-6 * scale + 1e-30);
                    }
                }
                INFO(c.m, "x", c.n, "x", c.k, " route ", ta ? "TN" : tb ? "NT" : "NN", " beta ", beta);
                CHECK(wrong == 0);
            }
        }
    }
}

TEST_CASE("the float GEMMs go to libxsmm exactly where the dispatch says") {
    const std::string library = gemm_library_description();
    MESSAGE("float GEMMs by " << library);
    // What libxsmm's kernels cannot do stays with OpenBLAS on every CPU.
    CHECK_FALSE(libxsmm_takes_sgemm(true, true, 1.0f, 0.0f));
    CHECK_FALSE(libxsmm_takes_sgemm(false, false, 0.5f, 0.0f));
    CHECK_FALSE(libxsmm_takes_sgemm(false, false, 1.0f, 0.5f));
    const char* forced = std::getenv("VECNN_GEMM_LIBRARY");
    if (!libxsmm_built_in() || (forced && *forced)) {
        CHECK(libxsmm_takes_sgemm(false, false, 1.0f, 0.0f) == (library.rfind("libxsmm", 0) == 0));
        return;
    }
    __builtin_cpu_init();
    const bool avx512 = __builtin_cpu_supports("avx512f") != 0;
    CHECK(libxsmm_takes_sgemm(false, false, 1.0f, 0.0f) == avx512);
    CHECK(libxsmm_takes_sgemm(false, true, 1.0f, 1.0f) == avx512);
    CHECK((library.rfind("libxsmm", 0) == 0) == avx512);
    // An AVX2-only CPU: libxsmm for products with 4+ columns and at most 2^20
    // multiply-adds or an op(B) of at most 2^13 floats, OpenBLAS (faster
    // there) for the rest; every shape on AVX-512.
    CHECK(libxsmm_takes_sgemm(false, true, 32, 16, 2, 1.0f, 0.0f));
    CHECK(libxsmm_takes_sgemm(true, false, 64, 128, 128, 1.0f, 1.0f));  // exactly 2^20
    CHECK(libxsmm_takes_sgemm(false, false, 64, 4, 16, 1.0f, 0.0f));
    CHECK(libxsmm_takes_sgemm(false, true, 50176, 8, 9, 1.0f, 0.0f));       // im2col rows times a 3x3 conv's weight
    CHECK(libxsmm_takes_sgemm(false, false, 100000, 64, 128, 1.0f, 0.0f));  // op(B) exactly 2^13
    CHECK(libxsmm_takes_sgemm(true, false, 64, 128, 129, 1.0f, 1.0f) == avx512);
    CHECK(libxsmm_takes_sgemm(false, false, 100000, 64, 129, 1.0f, 0.0f) == avx512);
    CHECK(libxsmm_takes_sgemm(false, true, 32, 3, 16, 1.0f, 0.0f) == avx512);
    CHECK(libxsmm_takes_sgemm(false, true, 256, 1024, 784, 1.0f, 0.0f) == avx512);
    // Sizes whose product overflows 64 bits are large, not small.
    const std::size_t huge = std::size_t{1} << 40;
    CHECK(libxsmm_takes_sgemm(false, false, huge, huge, huge, 1.0f, 0.0f) == avx512);
    CHECK_FALSE(libxsmm_takes_sgemm(true, true, 32, 16, 2, 1.0f, 0.0f));
    CHECK_FALSE(libxsmm_takes_sgemm(false, false, 32, 16, 2, 0.5f, 0.0f));
    if (!avx512) MESSAGE("this CPU has no AVX-512F: libxsmm takes small products only");
}

TEST_CASE("the vectorized engine's route by shape: outer product, small kernel, gemv, GEMM kernel, bf16") {
    // The shapes of a Linear layer: forward Y = X W^T (NT), weight gradient dY^T X (TN).
    const bool jit = libxsmm_takes_sgemm(false, false, 1.0f, 0.0f);  // for every shape
    const GemmRoute kernel = jit ? GemmRoute::libxsmm : GemmRoute::blas_gemm;
    CHECK(vectorized_gemm_route(false, true, 64, 256, 1, 1.0f, 0.0f) == GemmRoute::outer_product);
    CHECK(vectorized_gemm_route(false, true, 6, 256, 784, 1.0f, 0.0f) == GemmRoute::gemv_per_row);
    CHECK(vectorized_gemm_route(false, true, 7, 256, 784, 1.0f, 0.0f) == kernel);
    // A few rows read in place (NN, TN) take the JIT kernel where there is one.
    const bool small_jit = libxsmm_takes_sgemm(true, false, 4, 32, 16, 1.0f, 1.0f);
    CHECK(small_jit == (libxsmm_built_in() && !libxsmm_kept_out()));
    CHECK(vectorized_gemm_route(true, false, 4, 64, 16, 1.0f, 1.0f) ==
          (small_jit ? GemmRoute::libxsmm : GemmRoute::gemv_per_row));
    // Toy products (a 2 -> 16 forward at batch 32): libxsmm where it takes
    // them, vecnn's own kernel where it does not (no libxsmm, or
    // VECNN_GEMM_LIBRARY=openblas; float64 always)...
    const GemmRoute toy = small_jit ? GemmRoute::libxsmm : GemmRoute::small_kernel;
    CHECK(vectorized_gemm_route(false, true, 32, 16, 2, 1.0f, 0.0f) == toy);
    CHECK(vectorized_gemm_route(true, false, 4, 16, 16, 1.0f, 1.0f) == toy);
    CHECK(vectorized_gemm_route(false, true, 32, 16, 2, 1.0, 0.0) == GemmRoute::small_kernel);  // float64
    // ...and toy products with 1-3 columns, which libxsmm takes on AVX-512 CPUs only.
    const GemmRoute narrow_toy = jit ? GemmRoute::libxsmm : GemmRoute::small_kernel;
    CHECK(vectorized_gemm_route(false, true, 32, 2, 16, 1.0f, 0.0f) == narrow_toy);
    CHECK(vectorized_gemm_route(true, false, 16, 2, 32, 1.0f, 1.0f) == narrow_toy);
    CHECK(vectorized_gemm_route(false, true, 64, 1, 512, 1.0f, 0.0f) == GemmRoute::gemv_column);
    // 2-3 columns beyond the small kernel that the BLAS gemm would take: one
    // gemv per column, but for a small inner size at many rows (float64
    // never takes libxsmm; alpha 0.5 keeps the small kernel out).
    CHECK(vectorized_gemm_route(false, true, 32, 2, 16, 1.0, 0.0) == GemmRoute::small_kernel);
    CHECK(vectorized_gemm_route(true, false, 512, 3, 16, 1.0, 1.0) == GemmRoute::gemv_per_column);
    CHECK(vectorized_gemm_route(false, false, 128, 3, 8, 0.5, 0.0) == GemmRoute::gemv_per_column);
    CHECK(vectorized_gemm_route(false, false, 129, 3, 8, 0.5, 0.0) == GemmRoute::blas_gemm);
    CHECK(vectorized_gemm_route(false, false, 4096, 3, 8, 1.0, 0.0) == GemmRoute::blas_gemm);
    CHECK(vectorized_gemm_route(false, true, 64, 4, 512, 1.0, 0.0) == GemmRoute::blas_gemm);
    CHECK(vectorized_gemm_route(false, true, 64, 256, 784, 0.5f, 0.0f) == GemmRoute::blas_gemm);
    CHECK(vectorized_gemm_route(false, true, 64, 256, 784, 1.0, 0.0) == GemmRoute::blas_gemm);  // float64
    {
        const ScopedMatmulPrecision bf16(MatmulPrecision::bfloat16);
        CHECK(vectorized_gemm_route(false, true, 1, 256, 1, 1.0f, 0.0f) == GemmRoute::bf16);
        CHECK(vectorized_gemm_route(false, true, 64, 256, 784, 1.0f, 0.0f) == GemmRoute::bf16);
        CHECK(vectorized_gemm_route(false, true, 64, 256, 784, 1.0, 0.0) == GemmRoute::blas_gemm);  // float64
    }
    CHECK(vectorized_gemm_route(false, true, 64, 256, 784, 1.0f, 0.0f) == kernel);
    CHECK(std::string(to_string(GemmRoute::small_kernel)) == "small kernel");
    CHECK(std::string(to_string(GemmRoute::gemv_per_row)) == "gemv per row");
    CHECK(std::string(to_string(GemmRoute::gemv_per_column)) == "gemv per column");
    CHECK(std::string(to_string(GemmRoute::libxsmm)) == "libxsmm");
}

TEST_CASE_TEMPLATE("a GEMM split over two threads by columns equals the product, narrow last parts included", T, float,
                   double) {
    // 33 columns at a large inner size split as 32 + 1: the last part is
    // one column of a wider C and B (the one-column route once wrote it as
    // contiguous, a silent wrong answer); 34 and 35 end in the 2-3 column
    // route, 49 in a wider part.
    set_compute_threads(2);
    Rng rng(21);
    for (const std::size_t n : {33, 34, 35, 49}) {
        for (const std::size_t m : {8, 20}) {
            const std::size_t k = 4000;
            const GemmSplit split = gemm_split(m, n, k);
            REQUIRE(split.parts == 2);
            REQUIRE_FALSE(split.by_rows);
            for (bool ta : {false, true}) {
                for (bool tb : {false, true}) {
                    for (T beta : {T(0), T(1)}) {
                        Matrix<T> a = Matrix<T>::from_shape({ta ? k : m, ta ? m : k});
                        Matrix<T> b = Matrix<T>::from_shape({tb ? n : k, tb ? k : n});
                        Matrix<T> c = Matrix<T>::from_shape({m, n});
                        for (auto& v : a) v = static_cast<T>(rng.uniform() * 2 - 1);
                        for (auto& v : b) v = static_cast<T>(rng.uniform() * 2 - 1);
                        for (auto& v : c) v = static_cast<T>(rng.uniform() * 2 - 1);
                        const Matrix<T> before = c;
                        vectorized_kernels<T>().gemm(ta, tb, T(1), a, b, beta, c);
                        int wrong = 0;
                        for (std::size_t i = 0; i < m; ++i) {
                            for (std::size_t j = 0; j < n; ++j) {
                                double sum = beta == T(0) ? 0.0 : static_cast<double>(before(i, j)), scale = 1;
                                for (std::size_t p = 0; p < k; ++p) {
                                    const double x = ta ? a(p, i) : a(i, p), y = tb ? b(j, p) : b(p, j);
                                    sum += x * y;
                                    scale += std::abs(x * y);
                                }
                                wrong += !(std::abs(static_cast<double>(c(i, j)) - sum) <= 1e-5 * scale);
                            }
                        }
                        INFO(m, "x", n, "x", k, std::string(ta ? " A^T" : ""), std::string(tb ? " B^T" : ""), " beta ",
                             double(beta));
                        CHECK(wrong == 0);
                    }
                }
            }
        }
    }
    set_compute_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

TEST_CASE_TEMPLATE("the small kernel takes toy products up to its limits, and only alpha 1, beta 0 or 1", T, float,
                   double) {
    const std::size_t widest = small_gemm_max_columns<T>(), work = small_gemm_max_work();
    CHECK(widest >= 8);
    CHECK(small_gemm_fits<T>(false, 32, 16, 16, T(1), T(0)));
    CHECK(small_gemm_fits<T>(false, 32, 16, 16, T(1), T(1)));
    CHECK_FALSE(small_gemm_fits<T>(false, 32, 16, 16, T(0.5), T(0)));
    CHECK_FALSE(small_gemm_fits<T>(false, 32, 16, 16, T(1), T(0.5)));
    CHECK(small_gemm_fits<T>(false, 1, 4, 1, T(1), T(0)));
    // 1-3 columns: dot products; with A transposed C^T, as wide as the kernel takes.
    CHECK(small_gemm_fits<T>(false, 32, 3, 16, T(1), T(0)));
    const std::size_t lanes = widest / 4;
    CHECK(small_gemm_fits<T>(false, 1, 1, lanes, T(1), T(0)));
    CHECK_FALSE(small_gemm_fits<T>(false, 32, 2, lanes - 1, T(1), T(0)));
    CHECK(small_gemm_fits<T>(true, widest, 3, 16, T(1), T(0)));
    CHECK(small_gemm_fits<T>(true, 4, 1, 16, T(1), T(0)));
    CHECK_FALSE(small_gemm_fits<T>(true, widest + 1, 3, 16, T(1), T(0)));
    CHECK_FALSE(small_gemm_fits<T>(true, 3, 3, 16, T(1), T(0)));
    CHECK_FALSE(small_gemm_fits<T>(false, 4, 0, 16, T(1), T(0)));
    CHECK(small_gemm_fits<T>(false, 4, widest, 16, T(1), T(0)));
    CHECK_FALSE(small_gemm_fits<T>(false, 4, widest + 1, 16, T(1), T(0)));
    CHECK(small_gemm_fits<T>(false, 4, 4, 256, T(1), T(0)));
    CHECK_FALSE(small_gemm_fits<T>(false, 4, 4, 257, T(1), T(0)));
    CHECK(small_gemm_fits<T>(false, work / (8 * 8), 8, 8, T(1), T(0)));
    CHECK_FALSE(small_gemm_fits<T>(false, work / (8 * 8) + 1, 8, 8, T(1), T(0)));
    CHECK_FALSE(small_gemm_fits<T>(false, std::size_t{1} << 62, 8, 8, T(1), T(0)));  // no overflow into "small"
}

TEST_CASE_TEMPLATE("the small kernel equals a float64 product on every width, row remainder and transpose", T, float,
                   double) {
    // Every column count it takes (1-3 columns by dot products or C^T,
    // whole and partial SIMD widths, 1-4 of them), rows that leave every remainder of its row blocks, inner sizes
    // from 1 to its limit; leading dimensions wider than the matrices, whose
    // padding must stay untouched; beta 0 on a C of NaNs (never read) and
    // beta 1 accumulating.
    Rng rng(5);
    const std::size_t widest = small_gemm_max_columns<T>();
    std::size_t checked = 0;
    for (std::size_t n = 1; n <= widest; ++n) {
        for (const std::size_t m : {1, 2, 3, 5, 7, 8, 13, 25, 32}) {
            for (const std::size_t k : {1, 2, 7, 16, 20, 33, 256}) {
                for (const bool ta : {false, true}) {
                    if (!small_gemm_fits<T>(ta, m, n, k, T(1), T(1))) continue;
                    for (const bool tb : {false, true}) {
                        for (const T beta : {T(0), T(1)}) {
                            const std::size_t a_rows = ta ? k : m, a_cols = ta ? m : k, lda = a_cols + 3;
                            const std::size_t b_rows = tb ? n : k, b_cols = tb ? k : n, ldb = b_cols + 2;
                            const std::size_t ldc = n + 5;
                            std::vector<T> a(a_rows * lda), b(b_rows * ldb), c(m * ldc);
                            for (auto& x : a) x = static_cast<T>(rng.uniform() * 2 - 1);
                            for (auto& x : b) x = static_cast<T>(rng.uniform() * 2 - 1);
                            for (auto& x : c)
                                x = beta == T(0) ? std::numeric_limits<T>::quiet_NaN()
                                                 : static_cast<T>(rng.uniform() * 2 - 1);
                            const std::vector<T> before = c;
                            small_gemm<T>(ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k),
                                          a.data(), static_cast<int>(lda), b.data(), static_cast<int>(ldb), beta,
                                          c.data(), static_cast<int>(ldc));
                            INFO(m, "x", n, "x", k, std::string(ta ? " A^T" : ""), std::string(tb ? " B^T" : ""),
                                 " beta ", beta);
                            bool right = true;
                            for (std::size_t i = 0; i < m; ++i) {
                                for (std::size_t j = 0; j < ldc; ++j) {
                                    const T got = c[i * ldc + j];
                                    if (j >= n) {  // padding: untouched, bit for bit (NaN stays NaN)
                                        right = right && (std::isnan(before[i * ldc + j]) ? std::isnan(got)
                                                                                          : got == before[i * ldc + j]);
                                        continue;
                                    }
                                    double sum = beta == T(0) ? 0.0 : static_cast<double>(before[i * ldc + j]);
                                    double magnitude = std::abs(sum);
                                    for (std::size_t p = 0; p < k; ++p) {
                                        const double term = static_cast<double>(ta ? a[p * lda + i] : a[i * lda + p]) *
                                                            static_cast<double>(tb ? b[j * ldb + p] : b[p * ldb + j]);
                                        sum += term;
                                        magnitude += std::abs(term);
                                    }
                                    const double tolerance =
                                        4 * static_cast<double>(std::numeric_limits<T>::epsilon()) * (magnitude + 1);
                                    right = right && std::abs(static_cast<double>(got) - sum) <= tolerance;
                                }
                            }
                            CHECK(right);
                            ++checked;
                        }
                    }
                }
            }
        }
    }
    CHECK(checked > 2000);
}

TEST_CASE("a toy network's products through the engine's small-kernel route equal the loop engine's") {
    // The engine's own gemm, routed to the small kernel where libxsmm does
    // not take the product, against the loop engine, on a 2-16-16-2
    // network's eight products at batch 32 and at 1 and 5 rows.
    if (libxsmm_takes_sgemm(true, false, 4, 32, 16, 1.0f, 1.0f)) {
        MESSAGE(
            "libxsmm takes small float products here: only the 1-3 column ones (or none, with AVX-512) run the "
            "small kernel; test_gemm_routes calls the kernel itself on every shape");
    }
    Rng rng(8);
    const auto& fast = vectorized_kernels<float>();
    const auto& loop = loop_kernels<float>();
    for (const std::size_t rows : {1, 5, 32}) {
        for (const auto& [in, out] : std::vector<std::pair<std::size_t, std::size_t>>{{2, 16}, {16, 16}, {16, 2}}) {
            const std::vector<float> x = random_floats(rows * in, rng), w = random_floats(out * in, rng),
                                     dy = random_floats(rows * out, rng);
            struct Product {
                bool ta, tb;
                ConstView<float> a, b;
                std::size_t m, n;
            };
            const Product products[] = {
                {false, true, ConstView<float>(x.data(), rows, in), ConstView<float>(w.data(), out, in), rows, out},
                {true, false, ConstView<float>(dy.data(), rows, out), ConstView<float>(x.data(), rows, in), out, in},
                {false, false, ConstView<float>(dy.data(), rows, out), ConstView<float>(w.data(), out, in), rows, in}};
            for (const Product& p : products) {
                for (const float beta : {0.0f, 1.0f}) {
                    std::vector<float> c_fast = random_floats(p.m * p.n, rng), c_loop = c_fast;
                    fast.gemm(p.ta, p.tb, 1.0f, p.a, p.b, beta, View<float>(c_fast.data(), p.m, p.n));
                    loop.gemm(p.ta, p.tb, 1.0f, p.a, p.b, beta, View<float>(c_loop.data(), p.m, p.n));
                    INFO(rows, " rows, linear(", in, ",", out, ")", std::string(p.ta ? " A^T" : ""),
                         std::string(p.tb ? " B^T" : ""), " beta ", beta);
                    for (std::size_t i = 0; i < c_fast.size(); ++i) {
                        REQUIRE(c_fast[i] == doctest::Approx(c_loop[i]).epsilon(1e-5).scale(1.0));
                    }
                }
            }
        }
    }
}

TEST_CASE("the engine's remembered whole-product kernels: repeated toy products stay exact, per transpose and beta") {
    // The vectorized gemm keeps, per thread, the one libxsmm kernel a repeated
    // product runs as (NN, TN, NT with B transposed first, or with A and the
    // result transposed). Square shapes give NN, NT and TN products with the
    // same sizes and leading dimensions, and a 2-column NT product, run back
    // to back with beta 0 and 1: a kernel remembered for the wrong transpose
    // or beta gives a wrong C here. Each product runs
    // three times (the first call fills the table), also under bf16
    // precision, which must not take a float32 kernel.
    if (!libxsmm_takes_sgemm(false, false, 16, 16, 16, 1.0f, 1.0f)) {
        MESSAGE("libxsmm does not take these products here: the general routes run them (checked all the same)");
    }
    Rng rng(31);
    const auto& fast = vectorized_kernels<float>();
    const auto& loop = loop_kernels<float>();
    for (const std::size_t rows : {16, 32}) {
        for (const std::size_t size : {2, 16}) {
            const std::vector<float> a = random_floats(rows * size, rng), sq = random_floats(size * size, rng),
                                     b = random_floats(rows * size, rng), narrow = random_floats(2 * size, rng);
            struct Product {
                bool ta, tb;
                ConstView<float> a, b;
                std::size_t m, n;
            };
            // rows x size times (size x size), NN and NT; size x rows^T times rows x size, TN.
            const Product products[] = {
                {false, false, ConstView<float>(a.data(), rows, size), ConstView<float>(sq.data(), size, size), rows,
                 size},
                {false, true, ConstView<float>(a.data(), rows, size), ConstView<float>(sq.data(), size, size), rows,
                 size},
                {true, false, ConstView<float>(a.data(), rows, size), ConstView<float>(b.data(), rows, size), size,
                 size},
                {true, false, ConstView<float>(b.data(), rows, size), ConstView<float>(a.data(), rows, size), size,
                 size},
                // A 2-column result: at inner size 16 an AVX-512 CPU transposes A and the result instead of B.
                {false, true, ConstView<float>(a.data(), rows, size), ConstView<float>(narrow.data(), 2, size), rows,
                 2}};
            for (const bool bf16 : {false, true}) {
                ScopedMatmulPrecision precision(bf16 ? MatmulPrecision::bfloat16 : MatmulPrecision::float32);
                for (int round = 0; round < 3; ++round) {
                    for (const Product& p : products) {
                        for (const float beta : {0.0f, 1.0f}) {
                            std::vector<float> c_fast = random_floats(p.m * p.n, rng), c_loop = c_fast;
                            if (beta == 0.0f) std::fill(c_fast.begin(), c_fast.end(), std::nanf(""));
                            fast.gemm(p.ta, p.tb, 1.0f, p.a, p.b, beta, View<float>(c_fast.data(), p.m, p.n));
                            loop.gemm(p.ta, p.tb, 1.0f, p.a, p.b, beta, View<float>(c_loop.data(), p.m, p.n));
                            INFO(p.m, "x", p.n, std::string(p.ta ? " A^T" : ""), std::string(p.tb ? " B^T" : ""),
                                 " beta ", beta, bf16 ? " bf16" : " float32", " round ", round);
                            for (std::size_t i = 0; i < c_fast.size(); ++i) {
                                REQUIRE(c_fast[i] == doctest::Approx(c_loop[i]).epsilon(1e-5).scale(1.0));
                            }
                        }
                    }
                }
            }
        }
    }
}
