#include "tools/cli/fma_probe.hpp"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

namespace vecnn::cli {
namespace {

// 12 independent chains: enough to cover an FMA's latency (4 cycles) on two ports.
constexpr int kChains = 12;

// Each kernel runs `iterations` rounds of kChains FMAs on one register width
// and returns a value that depends on every one of them (so none is dropped).
__attribute__((target("avx2,fma"))) double avx2_float32(long iterations) {
    __m256 a[kChains];
    for (int k = 0; k < kChains; ++k) a[k] = _mm256_set1_ps(1.0f + static_cast<float>(k) * 1e-3f);
    const __m256 b = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-7f);
    for (long i = 0; i < iterations; ++i) {
        for (int k = 0; k < kChains; ++k) a[k] = _mm256_fmadd_ps(a[k], b, c);
    }
    float out[8];
    __m256 s = a[0];
    for (int k = 1; k < kChains; ++k) s = _mm256_add_ps(s, a[k]);
    _mm256_storeu_ps(out, s);
    return out[0];
}

__attribute__((target("avx2,fma"))) double avx2_float64(long iterations) {
    __m256d a[kChains];
    for (int k = 0; k < kChains; ++k) a[k] = _mm256_set1_pd(1.0 + k * 1e-3);
    const __m256d b = _mm256_set1_pd(0.9999999), c = _mm256_set1_pd(1e-7);
    for (long i = 0; i < iterations; ++i) {
        for (int k = 0; k < kChains; ++k) a[k] = _mm256_fmadd_pd(a[k], b, c);
    }
    double out[4];
    __m256d s = a[0];
    for (int k = 1; k < kChains; ++k) s = _mm256_add_pd(s, a[k]);
    _mm256_storeu_pd(out, s);
    return out[0];
}

__attribute__((target("avx512f"))) double avx512_float32(long iterations) {
    __m512 a[kChains];
    for (int k = 0; k < kChains; ++k) a[k] = _mm512_set1_ps(1.0f + static_cast<float>(k) * 1e-3f);
    const __m512 b = _mm512_set1_ps(0.9999999f), c = _mm512_set1_ps(1e-7f);
    for (long i = 0; i < iterations; ++i) {
        for (int k = 0; k < kChains; ++k) a[k] = _mm512_fmadd_ps(a[k], b, c);
    }
    __m512 s = a[0];
    for (int k = 1; k < kChains; ++k) s = _mm512_add_ps(s, a[k]);
    float out[16];
    _mm512_storeu_ps(out, s);
    return out[0];
}

__attribute__((target("avx512f"))) double avx512_float64(long iterations) {
    __m512d a[kChains];
    for (int k = 0; k < kChains; ++k) a[k] = _mm512_set1_pd(1.0 + k * 1e-3);
    const __m512d b = _mm512_set1_pd(0.9999999), c = _mm512_set1_pd(1e-7);
    for (long i = 0; i < iterations; ++i) {
        for (int k = 0; k < kChains; ++k) a[k] = _mm512_fmadd_pd(a[k], b, c);
    }
    __m512d s = a[0];
    for (int k = 1; k < kChains; ++k) s = _mm512_add_pd(s, a[k]);
    double out[8];
    _mm512_storeu_pd(out, s);
    return out[0];
}

// AVX512-BF16's dot product: each instruction multiplies 32 bfloat16 pairs
// and adds them, two per float32 lane, onto 16 float32 sums (64 FLOPs).
__attribute__((target("avx512f,avx512bf16"))) double avx512_bfloat16(long iterations) {
    __m512 a[kChains];
    for (int k = 0; k < kChains; ++k) a[k] = _mm512_set1_ps(1.0f + static_cast<float>(k) * 1e-3f);
    const __m512bh x = _mm512_cvtne2ps_pbh(_mm512_set1_ps(1e-3f), _mm512_set1_ps(2e-3f));
    const __m512bh y = _mm512_cvtne2ps_pbh(_mm512_set1_ps(3e-3f), _mm512_set1_ps(1e-3f));
    for (long i = 0; i < iterations; ++i) {
        for (int k = 0; k < kChains; ++k) a[k] = _mm512_dpbf16_ps(a[k], x, y);
    }
    __m512 s = a[0];
    for (int k = 1; k < kChains; ++k) s = _mm512_add_ps(s, a[k]);
    float out[16];
    _mm512_storeu_ps(out, s);
    return out[0];
}

struct Probe {
    const char* isa;
    const char* dtype;
    double (*kernel)(long);
    int lanes;  // elements per register (bfloat16: 32, two per float32 sum)
};

// GFLOP/s of `threads` threads running `p` together: each runs the same
// number of rounds; the wall time of the slowest decides.
double run_probe(const Probe& p, int threads, double seconds) {
    using clock = std::chrono::steady_clock;
    // Size the rounds so one slice takes about `seconds` on one thread.
    long rounds = 1 << 16;
    for (;;) {
        const auto t = clock::now();
        volatile double sink = p.kernel(rounds);
        (void)sink;
        if (std::chrono::duration<double>(clock::now() - t).count() > seconds / 8 || rounds > (1L << 40)) break;
        rounds *= 2;
    }
    rounds *= 8;
    double best = 0;
    for (int slice = 0; slice < 3; ++slice) {
        std::atomic<int> ready{0};
        std::atomic<bool> go{false};
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&] {
                ready.fetch_add(1);
                while (!go.load()) std::this_thread::yield();
                volatile double sink = p.kernel(rounds);
                (void)sink;
            });
        }
        while (ready.load() < threads) std::this_thread::yield();
        const auto start = clock::now();
        go.store(true);
        for (auto& th : pool) th.join();
        const double s = std::chrono::duration<double>(clock::now() - start).count();
        const double flops = 2.0 * kChains * p.lanes * static_cast<double>(rounds) * threads;
        best = std::max(best, flops / s / 1e9);
    }
    return best;
}

}  // namespace

std::vector<FmaPeak> measure_fma_peaks(int threads, double seconds) {
    __builtin_cpu_init();
    std::vector<Probe> probes;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        probes.push_back({"avx2", "float32", avx2_float32, 8});
        probes.push_back({"avx2", "float64", avx2_float64, 4});
    }
    if (__builtin_cpu_supports("avx512f")) {
        probes.push_back({"avx512", "float32", avx512_float32, 16});
        probes.push_back({"avx512", "float64", avx512_float64, 8});
    }
    if (__builtin_cpu_supports("avx512bf16")) probes.push_back({"avx512", "bfloat16", avx512_bfloat16, 32});
    std::vector<FmaPeak> peaks;
    for (const Probe& p : probes) peaks.push_back({p.isa, p.dtype, threads, run_probe(p, threads, seconds)});
    return peaks;
}

const FmaPeak* best_peak(const std::vector<FmaPeak>& peaks, const std::string& dtype) {
    const FmaPeak* best = nullptr;
    for (const auto& p : peaks) {
        if (p.dtype == dtype && (!best || p.gflops > best->gflops)) best = &p;
    }
    return best;
}

const FmaPeak* best_float32_peak(const std::vector<FmaPeak>& peaks) {
    return best_peak(peaks, "float32");
}

}  // namespace vecnn::cli
