#include "vecnn/tensor/random.hpp"

#include <cmath>
#include <istream>
#include <ostream>
#include <stdexcept>

namespace vecnn {

double Rng::normal() {
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
}

std::uint64_t Rng::below(std::uint64_t n) {
    if (n == 0) throw std::invalid_argument("Rng::below: n must be positive");
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;  // reject the biased tail
    std::uint64_t v = engine_();
    while (v >= limit) v = engine_();
    return v % n;
}

void Rng::save(std::ostream& out) const { out << engine_; }

void Rng::load(std::istream& in) {
    in >> engine_;
    if (!in) throw std::runtime_error("Rng::load: malformed random engine state");
}

}  // namespace vecnn
