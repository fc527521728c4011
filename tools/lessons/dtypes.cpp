// Lesson 2, dtypes: the same array takes 1, 4 or 8 bytes an element; float32
// moves half the bytes of float64 and runs twice the SIMD lanes, and loses
// precision that a float64 reference measures.
#include <cblas.h>

#include <cstdint>

#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>

#include "tools/lessons/lesson.hpp"
#include "vecnn/tensor/random.hpp"

namespace vecnn::lessons {

void lesson_dtypes(Lesson& l) {
    const std::size_t n = l.full() ? 1u << 24 : 1u << 12;  // elements
    l.table("the memory of " + std::to_string(n) + " elements in four dtypes");
    {
        xt::xtensor<std::int8_t, 1> i8 = xt::zeros<std::int8_t>({n});
        xt::xtensor<std::int32_t, 1> i32 = xt::zeros<std::int32_t>({n});
        xt::xtensor<float, 1> f32 = xt::zeros<float>({n});
        xt::xtensor<double, 1> f64 = xt::zeros<double>({n});
        l.say("int8 " + format_size(i8.size() * sizeof(std::int8_t)) + ", int32 " +
              format_size(i32.size() * sizeof(std::int32_t)) + ", float32 " + format_size(f32.size() * sizeof(float)) +
              ", float64 " + format_size(f64.size() * sizeof(double)));
    }

    Rng rng(2);
    xt::xtensor<double, 1> a64 = xt::xtensor<double, 1>::from_shape({n}), b64 = a64;
    for (auto& v : a64) v = rng.uniform(-1, 1);
    for (auto& v : b64) v = rng.uniform(-1, 1);
    const xt::xtensor<float, 1> a32 = xt::cast<float>(a64), b32 = xt::cast<float>(b64);
    xt::xtensor<double, 1> c64 = xt::xtensor<double, 1>::from_shape({n}), ref = c64;
    xt::xtensor<float, 1> c32 = xt::xtensor<float, 1>::from_shape({n});

    l.table("elementwise multiply of " + std::to_string(n) + " elements");
    l.measure("loop, float64", [&] {
        for (std::size_t i = 0; i < n; ++i) ref(i) = a64(i) * b64(i);
    });
    auto& e64 = l.measure("xtensor a * b, float64", [&] { xt::noalias(c64) = a64 * b64; });
    l.compare(e64, c64.data(), ref.data(), n, 0, "the same products, exactly");
    auto& e32 = l.measure("xtensor a * b, float32", [&] { xt::noalias(c32) = a32 * b32; });
    const xt::xtensor<double, 1> c32d = xt::cast<double>(c32);
    l.compare(e32, c32d.data(), ref.data(), n, 1e-7, "float32 rounds the inputs and the product (2^-24 each)");
    e32.extra["max_rel_error_vs_float64"] = e32.max_rel_diff;
    l.say("float32's largest relative error against float64 here: " + format_number(e32.max_rel_diff) +
          " (a float32 keeps 24 bits: 6e-8 per rounding)");

    const std::size_t m = l.full() ? 1024 : 64;
    xt::xtensor<double, 2> A64 = xt::xtensor<double, 2>::from_shape({m, m}), B64 = A64, C64 = A64, R = A64;
    for (auto& v : A64) v = rng.uniform(-1, 1);
    for (auto& v : B64) v = rng.uniform(-1, 1);
    const xt::xtensor<float, 2> A32 = xt::cast<float>(A64), B32 = xt::cast<float>(B64);
    xt::xtensor<float, 2> C32 = A32;
    const int mi = static_cast<int>(m);
    const double flops = 2.0 * double(m) * double(m) * double(m);
    l.table("GEMM (" + std::to_string(m) + ", " + std::to_string(m) + ") x (" + std::to_string(m) + ", " +
            std::to_string(m) + ")");
    l.measure("loop (i, k, j order), float64", [&] {
        R.fill(0);
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t k = 0; k < m; ++k) {
                const double aik = A64(i, k);
                for (std::size_t j = 0; j < m; ++j) R(i, j) += aik * B64(k, j);
            }
    });
    auto& g64 = l.measure("cblas_dgemm, float64", [&] {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, mi, mi, mi, 1.0, A64.data(), mi, B64.data(), mi, 0.0,
                    C64.data(), mi);
    });
    l.compare(g64, C64.data(), R.data(), m * m, 1e-12, "float64 dot products summed in another order");
    g64.extra["gflops"] = flops / g64.median_s / 1e9;
    auto& g32 = l.measure("cblas_sgemm, float32", [&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, mi, mi, mi, 1.0f, A32.data(), mi, B32.data(), mi, 0.0f,
                    C32.data(), mi);
    });
    const xt::xtensor<double, 2> C32d = xt::cast<double>(C32);
    l.compare(g32, C32d.data(), R.data(), m * m, 1e-5, "float32: 2^-24 per rounding, growing like sqrt(k) over a sum");
    g32.extra["gflops"] = flops / g32.median_s / 1e9;
    g32.extra["error_vs_float64"] = g32.max_abs_diff / g32.max_reference;
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "GFLOP/s: float64 %.1f, float32 %.1f (%.2fx); float32's error: %.2g of the largest |entry|",
                  flops / g64.median_s / 1e9, flops / g32.median_s / 1e9, g64.median_s / g32.median_s,
                  g32.max_abs_diff / g32.max_reference);
    l.say(buf);
}

}  // namespace vecnn::lessons
