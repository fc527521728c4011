// bfloat16 matmul precision (tensor/precision.hpp, tensor/bf16_gemm.hpp):
// the two roundings agree bit for bit, the vectorized GEMM (bf16 kernels
// where the CPU has them, else the fallback) and the loop twin both compute
// the exact product of the rounded operands up to float32 summation, on
// every transpose, beta and shape route, and layers keep their engines equal.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "vecnn/nn/layer_check.hpp"
#include "vecnn/tensor/bf16_gemm.hpp"
#include "vecnn/tensor/cpu_features.hpp"
#include "vecnn/tensor/kernels.hpp"
#include "vecnn/tensor/precision.hpp"
#include "vecnn/tensor/random.hpp"

using namespace vecnn;

namespace {

std::uint32_t bits_of(float x) {
    std::uint32_t u;
    std::memcpy(&u, &x, sizeof u);
    return u;
}

Matrix<float> random_matrix(std::size_t r, std::size_t c, Rng& rng) {
    Matrix<float> m = Matrix<float>::from_shape({r, c});
    for (auto& v : m) v = static_cast<float>(rng.uniform(-2, 2));
    return m;
}

}  // namespace

TEST_CASE("bfloat16 rounding: the bit trick and the arithmetic reference agree, ties to even, NaN and overflow") {
    CHECK(bits_of(round_to_bfloat16_reference(1.0f + 0x1p-8f)) == bits_of(1.0f));                // tie: down to even
    CHECK(bits_of(round_to_bfloat16_reference(1.0f + 3 * 0x1p-8f)) == bits_of(1.0f + 0x1p-6f));  // tie: up to even
    CHECK(bits_of(round_to_bfloat16_reference(1.0f + 0x1p-8f + 0x1p-20f)) == bits_of(1.0f + 0x1p-7f));
    CHECK(std::isinf(round_to_bfloat16_reference(std::numeric_limits<float>::max())));
    CHECK(std::isinf(bfloat16_to_float(bfloat16_bits(std::numeric_limits<float>::max()))));
    CHECK(std::isnan(bfloat16_to_float(bfloat16_bits(std::numeric_limits<float>::quiet_NaN()))));
    std::uint32_t low_nan_bits = 0x7f800001u;  // a NaN whose payload is all in the dropped half
    float low_nan;
    std::memcpy(&low_nan, &low_nan_bits, sizeof low_nan);
    CHECK(std::isnan(bfloat16_to_float(bfloat16_bits(low_nan))));
    CHECK(std::isnan(round_to_bfloat16_reference(low_nan)));
    for (float special :
         {0.0f, -0.0f, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()}) {
        CHECK(bits_of(bfloat16_to_float(bfloat16_bits(special))) == bits_of(special));
        CHECK(bits_of(round_to_bfloat16_reference(special)) == bits_of(special));
    }
    Rng rng(5);
    int checked = 0;
    for (int i = 0; i < 200000; ++i) {
        // Every exponent of the normal range, both signs, random significands.
        const float x = std::ldexp(static_cast<float>(rng.uniform(1, 2)), static_cast<int>(rng.below(250)) - 125) *
                        (rng.below(2) ? 1.0f : -1.0f);
        const float by_bits = bfloat16_to_float(bfloat16_bits(x)), reference = round_to_bfloat16_reference(x);
        if (bits_of(by_bits) != bits_of(reference)) {
            FAIL_CHECK("x = " << x << ": bits " << by_bits << ", reference " << reference);
            break;
        }
        ++checked;
    }
    CHECK(checked == 200000);
}

TEST_CASE(
    "bfloat16 rows, rounded rows and VNNI pairs: every packing the CPU has gives the scalar bits, tails, denormals and "
    "specials too") {
    std::vector<Bf16Packing> packings;
    for (const auto& [packing, name] :
         {std::pair{Bf16Packing::scalar, "scalar"}, std::pair{Bf16Packing::avx512bw, "AVX512BW integer steps"},
          std::pair{Bf16Packing::avx512bf16, "AVX512-BF16 conversions"}}) {
        if (bf16_packing_runs_here(packing)) {
            packings.push_back(packing);
        } else {
            MESSAGE("this CPU cannot run the " << name << " packing: not exercised here");
            std::vector<std::uint16_t> out(1);
            const float one = 1.0f;
            CHECK_THROWS_AS(bfloat16_bits_of_row(&one, out.data(), 1, packing), std::invalid_argument);
        }
    }
    Rng rng(9);
    std::vector<float> even, odd;
    for (int i = 0; i < 3000; ++i) {
        for (auto* v : {&even, &odd}) {
            std::uint32_t u =
                static_cast<std::uint32_t>(rng.below(1u << 16)) << 16 | static_cast<std::uint32_t>(rng.below(1u << 16));
            if (i % 7 == 0) u = (u & 0xffff0000u) | 0x8000u;  // an exact tie
            if (i % 11 == 0) u |= 0x7f800000u;                // inf or NaN (also with the payload in the low half)
            if (i % 13 == 0) u &= 0x807fffffu;                // a denormal (or zero), which rounds as any other value
            float x;
            std::memcpy(&x, &u, sizeof x);
            v->push_back(x);
        }
    }
    for (const Bf16Packing packing : packings) {
        for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{17},
                              std::size_t{33}, even.size()}) {
            std::vector<std::uint16_t> row(n + 1, 0xabcd);
            bfloat16_bits_of_row(even.data(), row.data(), n, packing);
            std::vector<std::uint32_t> pairs(n + 1, 0xabcdabcdu), singles(n + 1, 0xabcdabcdu);
            bfloat16_pairs_of_rows(even.data(), odd.data(), pairs.data(), n, packing);
            bfloat16_pairs_of_rows(even.data(), nullptr, singles.data(), n, packing);
            std::size_t wrong = 0;
            for (std::size_t i = 0; i < n; ++i) {
                const std::uint32_t e = bfloat16_bits(even[i]), o = bfloat16_bits(odd[i]);
                wrong += row[i] != e || pairs[i] != (e | o << 16) || singles[i] != e;
            }
            CHECK_MESSAGE(wrong == 0, "packing " << static_cast<int>(packing) << ", n = " << n);
            CHECK(row[n] == 0xabcd);  // nothing written past the end
            CHECK(pairs[n] == 0xabcdabcdu);
            CHECK(singles[n] == 0xabcdabcdu);
        }
    }
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{17}, even.size()}) {
        std::vector<float> rounded(n + 1, 7.0f), in_place(even.begin(), even.begin() + static_cast<std::ptrdiff_t>(n));
        bfloat16_round_row(even.data(), rounded.data(), n);
        bfloat16_round_row(in_place.data(), in_place.data(), n);
        std::size_t wrong = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint32_t e = bfloat16_bits(even[i]);
            wrong += bits_of(rounded[i]) != e << 16 || bits_of(in_place[i]) != e << 16;
        }
        CHECK_MESSAGE(wrong == 0, "bfloat16_round_row, n = " << n);
        CHECK(rounded[n] == 7.0f);
    }
}

TEST_CASE("bf16 GEMMs: both engines give the product of the rounded operands, and differ from float32") {
    ScopedMatmulPrecision bf16(MatmulPrecision::bfloat16);
    MESSAGE("vectorized bf16 GEMMs: " << bf16_gemm_description());
    Rng rng(11);
    struct Case {
        std::size_t m, n, k;
    };
    // Odd and even inner sizes (the kernel pads to pairs), k = 1, few rows and
    // one column (the float32 routes gemv and outer product), a 784-wide layer,
    // and a product run in blocks with ragged edges.
    for (const Case cs : {Case{64, 256, 784}, Case{7, 5, 3}, Case{1, 10, 256}, Case{6, 33, 1}, Case{13, 1, 9},
                          Case{32, 16, 2}, Case{17, 31, 48}, Case{256, 64, 101}, Case{300, 200, 601}}) {
        for (bool ta : {false, true}) {
            for (bool tb : {false, true}) {
                for (float beta : {0.0f, 1.0f}) {
                    const Matrix<float> a = ta ? random_matrix(cs.k, cs.m, rng) : random_matrix(cs.m, cs.k, rng);
                    const Matrix<float> b = tb ? random_matrix(cs.n, cs.k, rng) : random_matrix(cs.k, cs.n, rng);
                    const Matrix<float> c0 = random_matrix(cs.m, cs.n, rng);
                    Matrix<float> vec = c0, loop = c0, fallback = c0;
                    vectorized_kernels<float>().gemm(ta, tb, 1.0f, a, b, beta, vec);
                    loop_kernels<float>().gemm(ta, tb, 1.0f, a, b, beta, loop);
                    bf16_sgemm_fallback(ta, tb, int(cs.m), int(cs.n), int(cs.k), 1.0f, a.data(), int(a.shape()[1]),
                                        b.data(), int(b.shape()[1]), beta, fallback.data(), int(cs.n));
                    // op(A) (m, k) and op(B)^T (n, k), unrounded and rounded by the
                    // reference, once per operand element (the sums below read them along k).
                    std::vector<double> op_a(cs.m * cs.k), op_a_rounded(cs.m * cs.k);
                    std::vector<double> op_bt(cs.n * cs.k), op_bt_rounded(cs.n * cs.k);
                    for (std::size_t p = 0; p < cs.k; ++p) {
                        for (std::size_t i = 0; i < cs.m; ++i) {
                            const float av = ta ? a(p, i) : a(i, p);
                            op_a[i * cs.k + p] = av;
                            op_a_rounded[i * cs.k + p] = round_to_bfloat16_reference(av);
                        }
                        for (std::size_t j = 0; j < cs.n; ++j) {
                            const float bv = tb ? b(j, p) : b(p, j);
                            op_bt[j * cs.k + p] = bv;
                            op_bt_rounded[j * cs.k + p] = round_to_bfloat16_reference(bv);
                        }
                    }
                    double worst = 0, unrounded_gap = 0;
                    for (std::size_t i = 0; i < cs.m; ++i) {
                        for (std::size_t j = 0; j < cs.n; ++j) {
                            double exact = beta * c0(i, j), plain = exact, magnitude = std::fabs(exact);
                            for (std::size_t p = 0; p < cs.k; ++p) {
                                const double term = op_a_rounded[i * cs.k + p] * op_bt_rounded[j * cs.k + p];
                                exact += term;
                                plain += op_a[i * cs.k + p] * op_bt[j * cs.k + p];
                                magnitude += std::fabs(term);
                            }
                            // float32 sums of k terms: within k eps of the terms' magnitude.
                            const double bound = (cs.k + 2) * 1.2e-7 * magnitude + 1e-30;
                            for (const Matrix<float>* r : {&vec, &loop, &fallback}) {
                                worst = std::max(worst, std::fabs((*r)(i, j) - exact) / bound);
                            }
                            unrounded_gap = std::max(unrounded_gap, std::fabs(plain - exact));
                        }
                    }
                    INFO(cs.m, "x", cs.n, "x", cs.k, std::string(ta ? " A^T" : ""), std::string(tb ? " B^T" : ""),
                         " beta ", beta);
                    CHECK(worst <= 1.0);
                    CHECK(unrounded_gap > 1e-4);  // the rounding is applied: float32 operands would not give this
                }
            }
        }
    }
}

TEST_CASE("bf16: Linear and Conv2d keep their two engines equal, and float64 gradcheck is untouched") {
    ScopedMatmulPrecision bf16(MatmulPrecision::bfloat16);
    const LayerCheckReport lr = check_layer("linear(37,19)");
    CHECK_MESSAGE(lr.passed, lr.table());
    LayerCheckOptions conv_options;
    conv_options.input_shape = SampleShape{2, 6, 6};
    const LayerCheckReport cr = check_layer("conv2d(2,3,3,padding=1)", conv_options);
    CHECK_MESSAGE(cr.passed, cr.table());
}

TEST_CASE("matmul precision names and scope") {
    CHECK(matmul_precision() == MatmulPrecision::float32);
    {
        ScopedMatmulPrecision scope(matmul_precision_from_string("bf16"));
        CHECK(matmul_precision() == MatmulPrecision::bfloat16);
        CHECK(std::string(to_string(matmul_precision())) == "bf16");
    }
    CHECK(matmul_precision() == MatmulPrecision::float32);
    CHECK(matmul_precision_from_string("fp32") == MatmulPrecision::float32);
    CHECK_THROWS_WITH_AS(matmul_precision_from_string("fp16"), doctest::Contains("expected float32 or bf16"),
                         std::invalid_argument);
}
