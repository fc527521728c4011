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

namespace {
std::uint64_t mix(std::uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
}  // namespace

std::uint64_t noise_row(const NoiseKey& key, std::uint64_t stream, std::uint64_t row) {
    return mix(mix(mix(mix(key.seed) ^ stream) ^ key.step) ^ (key.first_row + row));
}

void Rng::save(std::ostream& out) const { out << engine_; }

void Rng::load(std::istream& in) {
    in >> engine_;
    if (!in) throw std::runtime_error("Rng::load: malformed random engine state");
}

}  // namespace vecnn
