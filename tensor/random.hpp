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

// Counter-based random numbers, for Dropout's masks: a number is a function
// of (seed, step, row, column) alone, so a mask needs no generator state. A
// step's rows get the same numbers whether they are drawn at once, in
// micro-batches or on several ranks, and a resumed run draws what the
// straight run drew.
struct NoiseKey {
    std::uint64_t seed = 0;       // the run's seed
    std::uint64_t step = 0;       // the optimizer step (or a layer's own forward count)
    std::uint64_t first_row = 0;  // the batch's first row within the step
};

// The hash of (key, stream, row) that noise_uniform combines with a column;
// `stream` tells apart the layers that draw under one key.
std::uint64_t noise_row(const NoiseKey& key, std::uint64_t stream, std::uint64_t row);
// Uniform in [0, 1), 53 bits, at column `column` of a row hashed by noise_row (splitmix64's mixer).
inline double noise_uniform(std::uint64_t row_hash, std::uint64_t column) {
    std::uint64_t z = row_hash + (column + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-53;
}

}  // namespace vecnn
