// Helpers shared by the core test suites: seeded random matrices, tolerant
// comparisons that explain themselves (first mismatches, largest difference),
// and a check that an exception is std::invalid_argument with a message that
// contains every expected fragment.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "vecnn/tensor/matrix.hpp"
#include "vecnn/tensor/random.hpp"

namespace vecnn::test {

// ---- engine agreement tolerance ----------------------------------------------
//
// Loop vs vectorized results are compared norm-wise, max|a - b| <= tol * max|b|,
// where K is the length of the sum behind one output element (1 for
// elementwise maps). See test_kernels.cpp for the measurements behind them.
constexpr double kDoubleRtol = 1e-12;  // measured worst ~1e-15 (a few ulps)
constexpr double kFloatUlps = 8.0;     // measured worst ratio ~1.05 (xsimd vs libm exp/tanh)

template <class T>
double engine_rtol(double k) {
    if (std::is_same<T, double>::value) return kDoubleRtol;
    return kFloatUlps * std::numeric_limits<float>::epsilon() * std::sqrt(std::max(k, 1.0));
}

// ---- literal data ------------------------------------------------------------

// A matrix from rows of numbers: mat<float>({{1, 2}, {3, 4}}).
template <class T>
Matrix<T> mat(std::initializer_list<std::initializer_list<double>> rows) {
    const std::size_t r = rows.size();
    const std::size_t c = r ? rows.begin()->size() : 0;
    Matrix<T> m = Matrix<T>::from_shape({r, c});
    std::size_t i = 0;
    for (const auto& row : rows) {
        REQUIRE(row.size() == c);
        for (double v : row) m.data()[i++] = static_cast<T>(v);
    }
    return m;
}

// n units in the last place of 1 in T: the tolerance of known values.
template <class T>
constexpr double ulps(double n) {
    return n * std::numeric_limits<T>::epsilon();
}

// ---- random data -----------------------------------------------------------

template <class T>
Matrix<T> random_matrix(std::size_t rows, std::size_t cols, Rng& rng, double low = -1.0, double high = 1.0) {
    Matrix<T> m = Matrix<T>::from_shape({rows, cols});
    for (auto& v : m) v = static_cast<T>(rng.uniform(low, high));
    return m;
}

// Uniform in [low, high] with magnitude at least `gap`: keeps ReLU inputs off its kink.
template <class T>
Matrix<T> random_away_from_zero(std::size_t rows, std::size_t cols, Rng& rng, double gap, double high = 1.0) {
    Matrix<T> m = Matrix<T>::from_shape({rows, cols});
    for (auto& v : m) {
        const double mag = rng.uniform(gap, high);
        v = static_cast<T>(rng.uniform() < 0.5 ? -mag : mag);
    }
    return m;
}

inline std::vector<std::int64_t> random_labels(std::size_t count, std::size_t classes, Rng& rng) {
    std::vector<std::int64_t> labels(count);
    for (auto& l : labels) l = static_cast<std::int64_t>(rng.below(classes));
    return labels;
}

// Rows of non-negative numbers that sum to one (a probability distribution per row).
template <class T>
Matrix<T> random_distributions(std::size_t rows, std::size_t cols, Rng& rng) {
    Matrix<T> m = random_matrix<T>(rows, cols, rng, 0.05, 1.0);
    for (std::size_t r = 0; r < rows; ++r) {
        double s = 0;
        for (std::size_t c = 0; c < cols; ++c) s += static_cast<double>(m(r, c));
        for (std::size_t c = 0; c < cols; ++c) m(r, c) = static_cast<T>(static_cast<double>(m(r, c)) / s);
    }
    return m;
}

template <class T>
Matrix<T> filled(std::size_t rows, std::size_t cols, T value) {
    Matrix<T> m = Matrix<T>::from_shape({rows, cols});
    m.fill(value);
    return m;
}

template <class To, class From>
Matrix<To> cast_matrix(const Matrix<From>& m) {
    Matrix<To> out = Matrix<To>::from_shape({m.shape()[0], m.shape()[1]});
    for (std::size_t i = 0; i < m.size(); ++i) out.data()[i] = static_cast<To>(m.data()[i]);
    return out;
}

template <class T>
Matrix<T> copy_of(ConstView<T> v) {
    Matrix<T> m = Matrix<T>::from_shape({v.rows(), v.cols()});
    std::copy(v.data, v.data + v.size(), m.data());
    return m;
}

// ---- comparisons -----------------------------------------------------------

template <class T>
ConstView<T> as_view(const Matrix<T>& m) {
    return ConstView<T>(m);
}
template <class T>
ConstView<T> as_view(View<T> v) {
    return ConstView<T>(v);
}
template <class T>
ConstView<T> as_view(ConstView<T> v) {
    return v;
}

template <class T>
double max_abs(ConstView<T> v) {
    double m = 0;
    for (std::size_t i = 0; i < v.size(); ++i) m = std::max(m, std::abs(static_cast<double>(v.data[i])));
    return m;
}

template <class T>
bool all_finite(ConstView<T> v) {
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (!std::isfinite(static_cast<double>(v.data[i]))) return false;
    }
    return true;
}

struct CloseResult {
    bool ok = true;
    double max_diff = 0;  // max |actual - expected|
    double allowed = 0;   // the bound max_diff had to respect
    std::size_t mismatches = 0;
    std::string report;
};

// Norm-wise comparison: every |actual - expected| <= rtol * max(max|expected|, floor).
// Norm-wise (not element-wise) because rounding errors of sums and products
// scale with the magnitude of the operands, not with a cancelled result.
// NaN or infinity on either side is a mismatch unless both sides are the
// same infinity.
template <class T, class U>
CloseResult compare_close(ConstView<T> actual, ConstView<U> expected, double rtol, double floor = 0.0) {
    CloseResult r;
    std::ostringstream s;
    s.precision(17);
    if (actual.shape != expected.shape) {
        r.ok = false;
        s << "shape " << to_string(actual.shape) << " differs from expected " << to_string(expected.shape);
        r.report = s.str();
        return r;
    }
    r.allowed = rtol * std::max(max_abs(expected), floor);
    for (std::size_t i = 0; i < actual.size(); ++i) {
        const double a = static_cast<double>(actual.data[i]);
        const double e = static_cast<double>(expected.data[i]);
        const bool same_inf = std::isinf(a) && std::isinf(e) && (a > 0) == (e > 0);
        const double d = same_inf ? 0.0 : std::abs(a - e);
        const bool bad = !(d <= r.allowed);  // NaN fails
        if (!std::isnan(d))
            r.max_diff = std::max(r.max_diff, d);
        else
            r.max_diff = std::numeric_limits<double>::quiet_NaN();
        if (bad) {
            if (r.mismatches < 5) {
                s << "  (" << i / actual.cols() << ", " << i % actual.cols() << "): actual " << a << " expected " << e
                  << " diff " << d << "\n";
            }
            ++r.mismatches;
        }
    }
    r.ok = r.mismatches == 0;
    std::ostringstream head;
    head.precision(6);
    head << (r.ok ? "close" : "NOT close") << ": shape " << to_string(actual.shape) << ", " << r.mismatches
         << " mismatch(es), max |diff| " << r.max_diff << ", allowed " << r.allowed << " (rtol " << rtol
         << " x max|expected| " << max_abs(expected) << ")\n";
    r.report = head.str() + s.str();
    return r;
}

// doctest CHECK with an explanation on failure.
#define VECNN_CHECK_CLOSE(actual, expected, rtol)                                                                   \
    do {                                                                                                            \
        const auto vecnn_close_result_ =                                                                            \
            ::vecnn::test::compare_close(::vecnn::test::as_view(actual), ::vecnn::test::as_view(expected), (rtol)); \
        CHECK_MESSAGE(vecnn_close_result_.ok, vecnn_close_result_.report);                                          \
    } while (0)

inline bool scalar_close(double actual, double expected, double rtol, double floor = 0.0) {
    return std::abs(actual - expected) <= rtol * std::max(std::abs(expected), floor);
}

// ---- exceptions ------------------------------------------------------------

// Runs `f`; checks that it throws std::invalid_argument whose what() contains
// every fragment. Returns the message (empty when nothing or something else was thrown).
template <class F>
std::string check_invalid_argument(F&& f, std::initializer_list<const char*> fragments) {
    std::string message;
    bool thrown = false;
    try {
        f();
    } catch (const std::invalid_argument& e) {
        thrown = true;
        message = e.what();
    } catch (const std::exception& e) {
        FAIL_CHECK("threw something other than std::invalid_argument: " << std::string(e.what()));
        return {};
    }
    CHECK_MESSAGE(thrown, "expected std::invalid_argument, nothing was thrown");
    if (!thrown) return {};
    for (const char* fragment : fragments) {
        CHECK_MESSAGE(message.find(fragment) != std::string::npos,
                      "message \"" << message << "\" lacks \"" << std::string(fragment) << "\"");
    }
    return message;
}

}  // namespace vecnn::test
