// A seeded random source whose sequence is fixed by the C++ standard
// (mt19937_64) and whose real-number mapping is our own, so the same seed
// gives the same initialisation and shuffles with any standard library.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <random>

namespace vecnn {

class Rng {
public:
    explicit Rng(std::uint64_t seed = 0) : engine_(seed) {}

    std::uint64_t next_u64() { return engine_(); }
    // Uniform in [0, 1), 53 random bits.
    double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
    double uniform(double low, double high) { return low + (high - low) * uniform(); }
    // Standard normal by Box-Muller (one of the pair; simple and reproducible).
    double normal();
    // Uniform integer in [0, n), n > 0, without modulo bias.
    std::uint64_t below(std::uint64_t n);

    // The full engine state as text, to resume a run bit for bit.
    void save(std::ostream& out) const;
    void load(std::istream& in);

private:
    std::mt19937_64 engine_;
};

}  // namespace vecnn
