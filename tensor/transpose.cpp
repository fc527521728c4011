#include "vecnn/tensor/transpose.hpp"

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "vecnn/tensor/cpu_features.hpp"

namespace vecnn {
namespace {

constexpr int kTile = 16;

// The 16 x 16 tile at in (ld_in) into out (ld_out), transposed, in four
// rounds of shuffles: after round r, each register holds 2^r-element runs
// of one output row.
// Word is float or a 32-bit integer (moved bit for bit: the intrinsics may
// alias any type); accumulate only for float.
template <class Word>
__attribute__((target("avx512f"))) void transpose_tile(const Word* in, int ld_in, Word* out, int ld_out,
                                                       bool accumulate) {
    static_assert(sizeof(Word) == sizeof(float), "32-bit elements");
    __m512 r[kTile], t[kTile];
    for (int i = 0; i < kTile; ++i) {
        r[i] = _mm512_loadu_ps(reinterpret_cast<const float*>(in + static_cast<std::size_t>(i) * ld_in));
    }
    // Pairs of rows: t[2g] = (i0 j, i1 j) for j = 0, 1 of each 4-column lane; t[2g+1] for j = 2, 3.
    for (int g = 0; g < kTile / 2; ++g) {
        t[2 * g] = _mm512_unpacklo_ps(r[2 * g], r[2 * g + 1]);
        t[2 * g + 1] = _mm512_unpackhi_ps(r[2 * g], r[2 * g + 1]);
    }
    // Quads of rows: r[4q + c] holds column 4L + c of rows 4q..4q+3 in lane L.
    for (int q = 0; q < kTile / 4; ++q) {
        const __m512d a = _mm512_castps_pd(t[4 * q]), b = _mm512_castps_pd(t[4 * q + 1]);
        const __m512d c = _mm512_castps_pd(t[4 * q + 2]), d = _mm512_castps_pd(t[4 * q + 3]);
        r[4 * q] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        r[4 * q + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        r[4 * q + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        r[4 * q + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    // Lanes across quads: output row 4L + c gathers lane L of r[c], r[4+c], r[8+c], r[12+c].
    for (int c = 0; c < 4; ++c) {
        const __m512 even01 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88);  // lanes 0, 2 of each
        const __m512 odd01 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xdd);   // lanes 1, 3 of each
        const __m512 even23 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88);
        const __m512 odd23 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xdd);
        t[c] = _mm512_shuffle_f32x4(even01, even23, 0x88);      // lane 0
        t[8 + c] = _mm512_shuffle_f32x4(even01, even23, 0xdd);  // lane 2
        t[4 + c] = _mm512_shuffle_f32x4(odd01, odd23, 0x88);    // lane 1
        t[12 + c] = _mm512_shuffle_f32x4(odd01, odd23, 0xdd);   // lane 3
    }
    for (int j = 0; j < kTile; ++j) {
        float* o = reinterpret_cast<float*>(out + static_cast<std::size_t>(j) * ld_out);
        _mm512_storeu_ps(o, accumulate ? _mm512_add_ps(_mm512_loadu_ps(o), t[j]) : t[j]);
    }
}

// The 8 x 8 tile, the same way with AVX2's 8-float registers (three rounds).
template <class Word>
__attribute__((target("avx2"))) void transpose_tile8(const Word* in, int ld_in, Word* out, int ld_out,
                                                     bool accumulate) {
    static_assert(sizeof(Word) == sizeof(float), "32-bit elements");
    __m256 r[8], t[8];
    for (int i = 0; i < 8; ++i) {
        r[i] = _mm256_loadu_ps(reinterpret_cast<const float*>(in + static_cast<std::size_t>(i) * ld_in));
    }
    // Pairs of rows, interleaved within each 4-column half.
    for (int g = 0; g < 4; ++g) {
        t[2 * g] = _mm256_unpacklo_ps(r[2 * g], r[2 * g + 1]);
        t[2 * g + 1] = _mm256_unpackhi_ps(r[2 * g], r[2 * g + 1]);
    }
    // Quads of rows: r[4q + c] holds column c of rows 4q..4q+3 (low half) and column 4 + c (high half).
    for (int q = 0; q < 2; ++q) {
        r[4 * q] = _mm256_shuffle_ps(t[4 * q], t[4 * q + 2], 0x44);
        r[4 * q + 1] = _mm256_shuffle_ps(t[4 * q], t[4 * q + 2], 0xee);
        r[4 * q + 2] = _mm256_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0x44);
        r[4 * q + 3] = _mm256_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0xee);
    }
    // Halves across quads: output row c is the low halves of r[c] and r[4 + c], row 4 + c the high ones.
    for (int c = 0; c < 4; ++c) {
        t[c] = _mm256_permute2f128_ps(r[c], r[4 + c], 0x20);
        t[4 + c] = _mm256_permute2f128_ps(r[c], r[4 + c], 0x31);
    }
    for (int j = 0; j < 8; ++j) {
        float* o = reinterpret_cast<float*>(out + static_cast<std::size_t>(j) * ld_out);
        _mm256_storeu_ps(o, accumulate ? _mm256_add_ps(_mm256_loadu_ps(o), t[j]) : t[j]);
    }
}

template <bool Accumulate, class Word>
void transpose_elements_as(const Word* in, int i0, int i1, int j0, int j1, int ld_in, Word* out, int ld_out) {
    if (i1 - i0 < j1 - j0) {
        // Fewer rows than columns (a 2 x 16 weight, a 2-column result's
        // transpose): the long loop runs along a row of in. Column by column
        // it was 16 loops of 2 elements, 26 ns against 8 (one thread).
        for (int i = i0; i < i1; ++i) {
            const Word* row = in + static_cast<std::size_t>(i) * ld_in;
            for (int j = j0; j < j1; ++j) {
                Word& o = out[static_cast<std::size_t>(j) * ld_out + i];
                o = Accumulate ? static_cast<Word>(o + row[j]) : row[j];
            }
        }
        return;
    }
    for (int j = j0; j < j1; ++j) {
        Word* o = out + static_cast<std::size_t>(j) * ld_out;
        for (int i = i0; i < i1; ++i) {
            const Word v = in[static_cast<std::size_t>(i) * ld_in + j];
            o[i] = Accumulate ? static_cast<Word>(o[i] + v) : v;
        }
    }
}

template <class Word>
void transpose_elements(const Word* in, int i0, int i1, int j0, int j1, int ld_in, Word* out, int ld_out,
                        bool accumulate) {
    if (i0 >= i1 || j0 >= j1) return;
    if (accumulate) {
        transpose_elements_as<true>(in, i0, i1, j0, j1, ld_in, out, ld_out);
    } else {
        transpose_elements_as<false>(in, i0, i1, j0, j1, ld_in, out, ld_out);
    }
}

// Whole Tile x Tile tiles by `tile`, the edges element by element.
template <int Tile, class Word>
void transpose_tiled(const Word* in, int rows, int cols, int ld_in, Word* out, int ld_out, bool accumulate,
                     void (*tile)(const Word*, int, Word*, int, bool)) {
    const int full_rows = rows / Tile * Tile, full_cols = cols / Tile * Tile;
    // Column blocks outside: each block of output rows is written whole, left to right.
    for (int j0 = 0; j0 < full_cols; j0 += Tile) {
        for (int i0 = 0; i0 < full_rows; i0 += Tile) {
            tile(in + static_cast<std::size_t>(i0) * ld_in + j0, ld_in,
                 out + static_cast<std::size_t>(j0) * ld_out + i0, ld_out, accumulate);
        }
    }
    transpose_elements(in, 0, full_rows, full_cols, cols, ld_in, out, ld_out, accumulate);  // right edge
    transpose_elements(in, full_rows, rows, 0, cols, ld_in, out, ld_out, accumulate);       // bottom edge
}

template <class Word>
void transpose_any(const Word* in, int rows, int cols, int ld_in, Word* out, int ld_out, bool accumulate) {
    if constexpr (sizeof(Word) == sizeof(float)) {  // the SIMD tiles move 32-bit words
        if (cpu_has_avx512f()) {
            return transpose_tiled<kTile>(in, rows, cols, ld_in, out, ld_out, accumulate, &transpose_tile<Word>);
        }
        if (cpu_has_avx2()) {
            return transpose_tiled<8>(in, rows, cols, ld_in, out, ld_out, accumulate, &transpose_tile8<Word>);
        }
    }
    // Tiles of the plain loop, so that each stays in L1.
    for (int i0 = 0; i0 < rows; i0 += kTile) {
        for (int j0 = 0; j0 < cols; j0 += kTile) {
            transpose_elements(in, i0, i0 + kTile < rows ? i0 + kTile : rows, j0, j0 + kTile < cols ? j0 + kTile : cols,
                               ld_in, out, ld_out, accumulate);
        }
    }
}

}  // namespace

void transpose(const float* in, int rows, int cols, int ld_in, float* out, int ld_out, bool accumulate) {
    transpose_any(in, rows, cols, ld_in, out, ld_out, accumulate);
}

void transpose(const double* in, int rows, int cols, int ld_in, double* out, int ld_out, bool accumulate) {
    transpose_any(in, rows, cols, ld_in, out, ld_out, accumulate);
}

void transpose_words(const std::uint32_t* in, int rows, int cols, int ld_in, std::uint32_t* out, int ld_out) {
    transpose_any(in, rows, cols, ld_in, out, ld_out, false);
}

}  // namespace vecnn
