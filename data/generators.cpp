#include "vecnn/data/generators.hpp"

#include <cmath>

#include "vecnn/tensor/random.hpp"

namespace vecnn {

template <class T>
ClassificationData<T> make_xor() {
    ClassificationData<T> d;
    d.x = Matrix<T>{{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    d.labels = {0, 1, 1, 0};
    return d;
}

template <class T>
ClassificationData<T> make_spirals(std::size_t points_per_class, double turns, double noise, std::uint64_t seed) {
    const double pi = 3.14159265358979323846;
    Rng rng(seed);
    ClassificationData<T> d;
    d.x = Matrix<T>::from_shape({2 * points_per_class, 2});
    d.labels.resize(2 * points_per_class);
    for (std::size_t c = 0; c < 2; ++c) {
        for (std::size_t i = 0; i < points_per_class; ++i) {
            const double t = static_cast<double>(i) / static_cast<double>(points_per_class);
            const double r = 0.05 + 0.95 * t;
            const double angle = 2 * pi * turns * t + pi * static_cast<double>(c);  // second spiral: rotated by pi
            const std::size_t row = c * points_per_class + i;
            d.x(row, 0) = static_cast<T>(r * std::cos(angle) + noise * rng.normal());
            d.x(row, 1) = static_cast<T>(r * std::sin(angle) + noise * rng.normal());
            d.labels[row] = static_cast<std::int64_t>(c);
        }
    }
    return d;
}

template <class T>
RegressionData<T> make_sine(std::size_t n, std::uint64_t seed) {
    const double pi = 3.14159265358979323846;
    Rng rng(seed);
    RegressionData<T> d;
    d.x = Matrix<T>::from_shape({n, 1});
    d.y = Matrix<T>::from_shape({n, 1});
    for (std::size_t i = 0; i < n; ++i) {
        const double x = rng.uniform(-pi, pi);
        d.x(i, 0) = static_cast<T>(x);
        d.y(i, 0) = static_cast<T>(std::sin(x));
    }
    return d;
}

template ClassificationData<float> make_xor<float>();
template ClassificationData<double> make_xor<double>();
template ClassificationData<float> make_spirals<float>(std::size_t, double, double, std::uint64_t);
template ClassificationData<double> make_spirals<double>(std::size_t, double, double, std::uint64_t);
template RegressionData<float> make_sine<float>(std::size_t, std::uint64_t);
template RegressionData<double> make_sine<double>(std::size_t, std::uint64_t);

}  // namespace vecnn
