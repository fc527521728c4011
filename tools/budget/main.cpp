// vecnn_budget: the vectorization budget. Times the vecnn::loop and
// vecnn::vectorized flavours of four simple kernels over sizes 2^4 .. 2^24
// elements, float32, one thread, with Google Benchmark, and prints a summary:
// time per call of each flavour, their ratio, where the vectorized flavour
// overtakes the loop one (crossover) and where the ratio levels off (plateau).
//
// The kernels are vecnn's own, called through the public kernel tables (tensor/kernels.hpp):
//   sum     squared_error(x, 0): sum of x^2 against a zero vector (a reduction
//           reading two arrays; loop: one scalar accumulator in order;
//           vectorized: an xsimd reduction with four accumulators)
//   relu    relu_forward(x, y)
//   exp     sigmoid_forward(x, y): exp(-|x|) plus a division and a select
//           (loop: std::exp per element; vectorized: xt::exp through xsimd)
//   linear  gemm Y = X W^T, X (rows x w), W (w x w), the Linear forward
//           without its bias; w = min(256, 2^ceil(k/2)) for n = 2^k elements
//           of X, rows = n / w (4x4 at 2^4, 256x256 at 2^16, 65536x256 at 2^24).
//           loop: triple loop; vectorized: the engine's route for the shape
//           (gemv per row for few rows, libxsmm on AVX-512 CPUs and for small
//           products on AVX2 ones, else OpenBLAS sgemm;
//           tensor/gemm_route.hpp); a third flavour, "openblas", calls
//           cblas_sgemm alone, as the vectorized engine did before libxsmm.
//   linear_bf16  the same products under MatmulPrecision::bfloat16 (operands
//           rounded to bfloat16, float32 sums): the loop twin's rounding and
//           plain loops against the bf16 kernels (or their fallback).
// "elements" is n for every kernel (for linear: the elements of X, = of Y).
// The GEMM summary also gives GFLOP/s as a share of the machine's float32
// FMA peak, measured in the same process (tools/cli/fma_probe.hpp).
//
// Own flags (everything else goes to Google Benchmark; defaults below are
// inserted before the user's flags, so the user's win):
//   --min_log2=K --max_log2=K  size range (default 4 .. 24)
//   --step=S                   every S-th power of two (default 1)
//   --loop_linear_max_log2=K   largest loop GEMM (default 24; 2-5 s a call there)
//   --kernels=a,b              subset of sum,relu,exp,linear,linear_bf16 (default all)
// Defaults passed to Google Benchmark: --benchmark_min_time=0.03 --benchmark_repetitions=3.
// Times are CPU time of the benchmark thread (Google Benchmark's default):
// on a shared machine that leaves out the time other processes hold the core.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>
#include <xsimd/xsimd.hpp>

#include <unistd.h>

#include "tools/cli/fma_probe.hpp"
#include "vecnn/tensor/bf16_gemm.hpp"
#include "vecnn/tensor/blas_core.hpp"
#include "vecnn/tensor/gemm_route.hpp"
#include "vecnn/tensor/kernels.hpp"
#include "vecnn/tensor/matrix.hpp"
#include "vecnn/tensor/precision.hpp"
#include "vecnn/tensor/random.hpp"
#include "vecnn/tensor/threads.hpp"
#include "vecnn/tensor/xsmm_gemm.hpp"

namespace {

using vecnn::ConstView;
using vecnn::Engine;
using vecnn::MatmulPrecision;
using vecnn::Matrix;
using vecnn::View;

struct Options {
    int min_log2 = 4, max_log2 = 24, step = 1;
    int loop_linear_max_log2 = 24;
    std::vector<std::string> kernels{"sum", "relu", "exp", "linear", "linear_bf16"};
};

Matrix<float> random_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed) {
    vecnn::Rng rng(seed);
    Matrix<float> m = Matrix<float>::from_shape({rows, cols});
    for (auto& v : m) v = static_cast<float>(rng.uniform(-1, 1));
    return m;
}

// Operands are made once per size and kept while the same size is measured
// (Google Benchmark calls a benchmark function several times: probe runs and
// repetitions), so setup never dominates; a new size frees the old buffers.
struct ElementwiseData {
    std::size_t n = 0;
    Matrix<float> x, y, zero;
};
ElementwiseData& elementwise_data(std::size_t n) {
    static ElementwiseData d;
    if (d.n != n) {
        d = ElementwiseData{};
        d.x = random_matrix(1, n, n);
        d.y = Matrix<float>::from_shape({std::size_t{1}, n});
        d.zero = Matrix<float>::from_shape({std::size_t{1}, n});
        d.y.fill(0.0f);
        d.zero.fill(0.0f);
        d.n = n;
    }
    return d;
}

struct LinearShape {
    std::size_t rows, width;
};
LinearShape linear_shape(int log2n) {
    const std::size_t width = std::min<std::size_t>(256, std::size_t{1} << ((log2n + 1) / 2));
    return {(std::size_t{1} << log2n) / width, width};
}

struct LinearData {
    std::size_t n = 0;
    Matrix<float> x, w, y;
};
LinearData& linear_data(int log2n) {
    static LinearData d;
    const std::size_t n = std::size_t{1} << log2n;
    if (d.n != n) {
        const LinearShape s = linear_shape(log2n);
        d = LinearData{};
        d.x = random_matrix(s.rows, s.width, n);
        d.w = random_matrix(s.width, s.width, n + 1);
        d.y = Matrix<float>::from_shape({s.rows, s.width});
        d.y.fill(0.0f);
        d.n = n;
    }
    return d;
}

void set_rates(benchmark::State& st, std::size_t n, double bytes_per_element) {
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(n));
    st.SetBytesProcessed(
        static_cast<std::int64_t>(static_cast<double>(st.iterations()) * static_cast<double>(n) * bytes_per_element));
}

template <Engine E>
void bm_sum(benchmark::State& st, int log2n) {
    const std::size_t n = std::size_t{1} << log2n;
    auto& d = elementwise_data(n);
    const ConstView<float> x(d.x), zero(d.zero);
    for (auto _ : st) {
        benchmark::DoNotOptimize(x.data);
        float s = vecnn::kernels<float>(E).squared_error(x, zero);
        benchmark::DoNotOptimize(s);
    }
    set_rates(st, n, 8);  // reads x and the zero vector
}

// One elementwise kernel (x -> y) in the chosen flavour; reads x, writes y.
template <Engine E>
void bm_elementwise(benchmark::State& st, int log2n,
                    void (*vecnn::Kernels<float>::*entry)(ConstView<float>, View<float>)) {
    const std::size_t n = std::size_t{1} << log2n;
    auto& d = elementwise_data(n);
    const ConstView<float> x(d.x);
    const View<float> y(d.y);
    auto* kernel = vecnn::kernels<float>(E).*entry;
    for (auto _ : st) {
        benchmark::DoNotOptimize(x.data);
        kernel(x, y);
        benchmark::DoNotOptimize(y.data);
        benchmark::ClobberMemory();  // y's contents count as used
    }
    set_rates(st, n, 8);  // reads x, writes y
}

template <Engine E>
void bm_relu(benchmark::State& st, int log2n) {
    bm_elementwise<E>(st, log2n, &vecnn::Kernels<float>::relu_forward);
}

template <Engine E>
void bm_exp(benchmark::State& st, int log2n) {
    bm_elementwise<E>(st, log2n, &vecnn::Kernels<float>::sigmoid_forward);
}

// Y = X W^T as the Linear forward calls it, timed through `gemm` (the engine's
// kernel, or cblas_sgemm for the openblas flavour) under `precision`.
void time_linear(benchmark::State& st, int log2n, MatmulPrecision precision,
                 void (*gemm)(bool, bool, float, ConstView<float>, ConstView<float>, float, View<float>)) {
    const std::size_t n = std::size_t{1} << log2n;
    auto& d = linear_data(log2n);
    const ConstView<float> x(d.x), w(d.w);
    const View<float> y(d.y);
    const vecnn::ScopedMatmulPrecision scope(precision);
    for (auto _ : st) {
        benchmark::DoNotOptimize(x.data);
        gemm(false, true, 1.0f, x, w, 0.0f, y);
        benchmark::DoNotOptimize(y.data);
        benchmark::ClobberMemory();
    }
    const LinearShape s = linear_shape(log2n);
    set_rates(st, n, 8.0 + 4.0 * static_cast<double>(s.width) / static_cast<double>(s.rows));  // X, Y, W
    st.counters["FLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(s.rows * s.width * s.width),
                                               benchmark::Counter::kIsIterationInvariantRate);
    st.SetLabel(std::to_string(s.rows) + "x" + std::to_string(s.width));
}

template <Engine E>
void bm_linear(benchmark::State& st, int log2n) {
    time_linear(st, log2n, MatmulPrecision::float32, vecnn::kernels<float>(E).gemm);
}

template <Engine E>
void bm_linear_bf16(benchmark::State& st, int log2n) {
    time_linear(st, log2n, MatmulPrecision::bfloat16, vecnn::kernels<float>(E).gemm);
}

void openblas_gemm(bool transpose_a, bool transpose_b, float alpha, ConstView<float> a, ConstView<float> b, float beta,
                   View<float> c) {
    cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans,
                static_cast<int>(c.rows()), static_cast<int>(c.cols()),
                static_cast<int>(transpose_a ? a.rows() : a.cols()), alpha, a.data, static_cast<int>(a.cols()), b.data,
                static_cast<int>(b.cols()), beta, c.data, static_cast<int>(c.cols()));
}

void bm_linear_openblas(benchmark::State& st, int log2n) {
    time_linear(st, log2n, MatmulPrecision::float32, openblas_gemm);
}

using BenchFn = void (*)(benchmark::State&, int);
struct Kernel {
    const char* name;
    BenchFn loop, vectorized;
    BenchFn openblas = nullptr;  // a third flavour, for the GEMM
    MatmulPrecision precision = MatmulPrecision::float32;
    bool is_gemm() const { return std::strncmp(name, "linear", 6) == 0; }
};
const Kernel kKernels[] = {
    {"sum", bm_sum<Engine::loop>, bm_sum<Engine::vectorized>},
    {"relu", bm_relu<Engine::loop>, bm_relu<Engine::vectorized>},
    {"exp", bm_exp<Engine::loop>, bm_exp<Engine::vectorized>},
    {"linear", bm_linear<Engine::loop>, bm_linear<Engine::vectorized>, bm_linear_openblas},
    {"linear_bf16", bm_linear_bf16<Engine::loop>, bm_linear_bf16<Engine::vectorized>, nullptr,
     MatmulPrecision::bfloat16},
};

// ---- collecting results for the summary -------------------------------------

struct Key {
    std::string kernel, engine;
    int log2n;
    bool operator<(const Key& o) const {
        return std::tie(kernel, engine, log2n) < std::tie(o.kernel, o.engine, o.log2n);
    }
};

double to_ns(double t, benchmark::TimeUnit unit) {
    switch (unit) {
        case benchmark::kNanosecond:
            return t;
        case benchmark::kMicrosecond:
            return t * 1e3;
        case benchmark::kMillisecond:
            return t * 1e6;
        case benchmark::kSecond:
            return t * 1e9;
    }
    return t;
}

// Prints as the console reporter does and keeps every repetition's time per call.
class CollectingReporter : public benchmark::ConsoleReporter {
public:
    explicit CollectingReporter(bool color) : ConsoleReporter(color ? OO_ColorTabular : OO_Tabular) {}
    std::map<Key, std::vector<double>> ns;

    std::map<Key, double> median_aggregate;  // used when only aggregates are reported

    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& r : runs) {
            if (r.error_occurred) continue;
            const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
            if (r.run_type != Run::RT_Iteration && !median) continue;
            // function_name is "<kernel>/<engine>/<log2n>" (see main).
            const std::string& f = r.run_name.function_name;
            const auto a = f.find('/'), b = f.rfind('/');
            if (a == std::string::npos || b == a) continue;
            Key k{f.substr(0, a), f.substr(a + 1, b - a - 1), std::atoi(f.c_str() + b + 1)};
            const double t = to_ns(r.GetAdjustedCPUTime(), r.time_unit);
            if (median) {
                median_aggregate[k] = t;
            } else {
                ns[k].push_back(t);
            }
        }
        ConsoleReporter::ReportRuns(runs);
    }

    // Median CPU ns per call of the repetitions, 0 if not measured.
    double median_ns(const Key& k) const;
    std::size_t repetitions() const;
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double CollectingReporter::median_ns(const Key& k) const {
    const auto it = ns.find(k);
    if (it != ns.end() && !it->second.empty()) return median(it->second);
    const auto agg = median_aggregate.find(k);
    return agg == median_aggregate.end() ? 0 : agg->second;
}

std::size_t CollectingReporter::repetitions() const {
    std::size_t reps = 0;
    for (const auto& [k, v] : ns) reps = std::max(reps, v.size());
    return reps;
}

std::string pow2(int k) {
    return "2^" + std::to_string(k);
}

double gflops(const LinearShape& s, double ns) {
    return ns > 0 ? 2.0 * static_cast<double>(s.rows * s.width * s.width) / ns : 0;
}

// GFLOP/s of every flavour of a GEMM kernel, the vectorized engine's route for
// the shape (where each path takes over), its share of the float32 FMA peak,
// and how it compares with OpenBLAS alone (float32) or with the float32
// vectorized GEMM (bf16), when those were measured in the same run.
void print_gemm_summary(const CollectingReporter& rep, const Options& o, const Kernel& kern,
                        const std::vector<vecnn::cli::FmaPeak>& peaks) {
    const bool bf16 = kern.precision == MatmulPrecision::bfloat16;
    // bf16 kernels against the bf16 dot-product peak; the fallback runs float32 FMAs.
    const vecnn::cli::FmaPeak* peak = bf16 && vecnn::bf16_kernels_available() ? vecnn::cli::best_peak(peaks, "bfloat16")
                                                                              : vecnn::cli::best_float32_peak(peaks);
    const double peak_gflops = peak ? peak->gflops : 0;
    std::printf("\n### %s in GFLOP/s (2 rows w^2 per call; %% peak: of the %s %s FMA peak, %.1f GFLOP/s)\n\n",
                kern.name, peak ? peak->isa.c_str() : "-", peak ? peak->dtype.c_str() : "-", peak_gflops);
    std::printf(
        "| elements | shape | vectorized route | loop | vectorized | %% peak | %s |\n"
        "|---:|---|---|---:|---:|---:|---:|---:|\n",
        bf16 ? "float32 vectorized | bf16 / float32" : "OpenBLAS sgemm | vectorized / OpenBLAS");
    const vecnn::ScopedMatmulPrecision scope(kern.precision);
    for (int k = o.min_log2; k <= o.max_log2; k += o.step) {
        const LinearShape s = linear_shape(k);
        const double loop = gflops(s, rep.median_ns({kern.name, "loop", k}));
        const double vec = gflops(s, rep.median_ns({kern.name, "vectorized", k}));
        const double other =
            gflops(s, bf16 ? rep.median_ns({"linear", "vectorized", k}) : rep.median_ns({kern.name, "openblas", k}));
        auto cell = [](double v, const char* fmt) {
            char buf[32] = "-";
            if (v > 0) std::snprintf(buf, sizeof buf, fmt, v);
            return std::string(buf);
        };
        const char* route =
            vecnn::to_string(vecnn::vectorized_gemm_route(false, true, s.rows, s.width, s.width, 1.0f, 0.0f));
        std::printf("| %s | %zux%zu | %s | %s | %s | %s | %s | %s |\n", pow2(k).c_str(), s.rows, s.width, route,
                    cell(loop, "%.2f").c_str(), cell(vec, "%.1f").c_str(),
                    cell(peak_gflops > 0 && vec > 0 ? 100 * vec / peak_gflops : 0, "%.1f%%").c_str(),
                    cell(other, "%.1f").c_str(), cell(vec > 0 && other > 0 ? vec / other : 0, "%.2f").c_str());
    }
}

void print_summary(const CollectingReporter& rep, const Options& o, const std::vector<vecnn::cli::FmaPeak>& peaks) {
    const std::size_t reps = rep.repetitions();
    if (reps > 0) {
        std::printf(
            "\n## Summary: CPU time per call, median of %zu repetition(s); ratio = loop / vectorized "
            "(> 1: vectorized faster)\n",
            reps);
    } else {
        std::printf(
            "\n## Summary: CPU time per call, Google Benchmark's median aggregate; ratio = loop / "
            "vectorized (> 1: vectorized faster)\n");
    }
    struct Verdict {
        std::string kernel, crossover, plateau_from;
        double plateau = 0, peak = 0, last = 0;
        int peak_at = 0, last_at = 0;
    };
    std::vector<Verdict> verdicts;
    for (const Kernel& kern : kKernels) {
        if (std::find(o.kernels.begin(), o.kernels.end(), kern.name) == o.kernels.end()) continue;
        std::printf(
            "\n### %s\n\n| elements | loop ns | vectorized ns | loop Melem/s | vectorized Melem/s | ratio |\n"
            "|---:|---:|---:|---:|---:|---:|\n",
            kern.name);
        std::vector<std::pair<int, double>> ratios;
        for (int k = o.min_log2; k <= o.max_log2; k += o.step) {
            const double n = std::ldexp(1.0, k);
            const double lns = rep.median_ns({kern.name, "loop", k});
            const double vns = rep.median_ns({kern.name, "vectorized", k});
            char lcol[32] = "-", vcol[32] = "-", lrate[32] = "-", vrate[32] = "-", rcol[32] = "-";
            if (lns > 0) {
                std::snprintf(lcol, sizeof lcol, "%.1f", lns);
                std::snprintf(lrate, sizeof lrate, "%.0f", n / lns * 1e3);
            }
            if (vns > 0) {
                std::snprintf(vcol, sizeof vcol, "%.1f", vns);
                std::snprintf(vrate, sizeof vrate, "%.0f", n / vns * 1e3);
            }
            if (lns > 0 && vns > 0) {
                std::snprintf(rcol, sizeof rcol, "%.2f", lns / vns);
                ratios.emplace_back(k, lns / vns);
            }
            std::printf("| %s | %s | %s | %s | %s | %s |\n", pow2(k).c_str(), lcol, vcol, lrate, vrate, rcol);
        }
        if (ratios.empty()) continue;
        Verdict vd;
        vd.kernel = kern.name;
        // Crossover: the smallest size from which on the vectorized flavour is
        // faster by more than 5% at every larger size measured (5%: the noise
        // of this shared machine); failing that, from where the two tie
        // within 5% (both memory-bound, say).
        auto from_on = [&](auto pred) {
            std::size_t from = ratios.size();
            while (from > 0 && pred(ratios[from - 1].second)) --from;
            return from;
        };
        const std::size_t faster = from_on([](double r) { return r > 1.05; });
        const std::size_t tie = from_on([](double r) { return r >= 0.95; });
        if (faster == 0) {
            vd.crossover = "<= " + pow2(ratios.front().first) + " (faster at every size)";
        } else if (faster < ratios.size()) {
            vd.crossover = "between " + pow2(ratios[faster - 1].first) + " and " + pow2(ratios[faster].first);
        } else if (tie < ratios.size()) {
            vd.crossover = "never; ties (within 5%) from " + pow2(ratios[tie].first);
        } else {
            vd.crossover = "never (loop faster at " + pow2(ratios.back().first) + ")";
        }
        // Plateau: the first size whose ratio is within 10% of the peak; its
        // level is the median ratio from there up to the peak's last neighbour
        // within 10%.
        auto peak = std::max_element(ratios.begin(), ratios.end(),
                                     [](const auto& a, const auto& b) { return a.second < b.second; });
        vd.peak = peak->second;
        vd.peak_at = peak->first;
        std::vector<double> level;
        for (const auto& [k, r] : ratios) {
            if (r >= 0.9 * vd.peak) {
                if (vd.plateau_from.empty()) vd.plateau_from = pow2(k);
                level.push_back(r);
            }
        }
        vd.plateau = median(level);
        vd.last = ratios.back().second;
        vd.last_at = ratios.back().first;
        verdicts.push_back(vd);
    }
    for (const Kernel& kern : kKernels) {
        if (kern.is_gemm() && std::find(o.kernels.begin(), o.kernels.end(), kern.name) != o.kernels.end()) {
            print_gemm_summary(rep, o, kern, peaks);
        }
    }
    std::printf(
        "\n### Crossover and plateau\n\n| kernel | vectorized > 5%% faster from | plateau from (ratio >= 0.9 x peak) "
        "| plateau ratio (median there) | peak ratio | ratio at largest size |\n|---|---|---|---:|---:|---:|\n");
    for (const auto& v : verdicts) {
        std::printf("| %s | %s | %s | %.2f | %.2f at %s | %.2f at %s |\n", v.kernel.c_str(), v.crossover.c_str(),
                    v.plateau_from.c_str(), v.plateau, v.peak, pow2(v.peak_at).c_str(), v.last,
                    pow2(v.last_at).c_str());
    }
    std::fflush(stdout);
}

// ---- flags -------------------------------------------------------------------

bool take_int(const char* arg, const char* name, int& out) {
    const std::size_t len = std::strlen(name);
    if (std::strncmp(arg, name, len) != 0 || arg[len] != '=') return false;
    char* end = nullptr;
    const long v = std::strtol(arg + len + 1, &end, 10);
    if (end == arg + len + 1 || *end != '\0') {
        std::fprintf(stderr, "vecnn_budget: %s needs an integer, got '%s'\n", name, arg + len + 1);
        std::exit(2);
    }
    out = static_cast<int>(v);
    return true;
}

Options parse_own_flags(int& argc, char** argv) {
    Options o;
    int kept = 1;
    for (int i = 1; i < argc; ++i) {
        const char* a = argv[i];
        if (take_int(a, "--min_log2", o.min_log2) || take_int(a, "--max_log2", o.max_log2) ||
            take_int(a, "--step", o.step) || take_int(a, "--loop_linear_max_log2", o.loop_linear_max_log2)) {
            continue;
        }
        if (std::strncmp(a, "--kernels=", 10) == 0) {
            o.kernels.clear();
            std::string list = a + 10;
            std::size_t pos = 0;
            while (pos <= list.size()) {
                const std::size_t comma = std::min(list.find(',', pos), list.size());
                const std::string name = list.substr(pos, comma - pos);
                const bool known = std::any_of(std::begin(kKernels), std::end(kKernels),
                                               [&](const Kernel& k) { return name == k.name; });
                if (!known) {
                    std::fprintf(stderr, "vecnn_budget: unknown kernel '%s' (sum, relu, exp, linear, linear_bf16)\n",
                                 name.c_str());
                    std::exit(2);
                }
                o.kernels.push_back(name);
                pos = comma + 1;
            }
            continue;
        }
        argv[kept++] = argv[i];
    }
    argc = kept;
    if (o.min_log2 < 0 || o.max_log2 > 28 || o.min_log2 > o.max_log2 || o.step < 1) {
        std::fprintf(stderr, "vecnn_budget: need 0 <= --min_log2 <= --max_log2 <= 28 and --step >= 1\n");
        std::exit(2);
    }
    return o;
}

}  // namespace

int run(int argc, char** argv) {
    Options o = parse_own_flags(argc, argv);

    // Defaults first, so that the same flags given by the user (later) win.
    std::vector<char*> args{argv[0]};
    static char min_time[] = "--benchmark_min_time=0.03";
    static char repetitions[] = "--benchmark_repetitions=3";
    args.push_back(min_time);
    args.push_back(repetitions);
    for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
    int n_args = static_cast<int>(args.size());
    args.push_back(nullptr);
    benchmark::Initialize(&n_args, args.data());
    if (benchmark::ReportUnrecognizedArguments(n_args, args.data())) return 1;

    vecnn::set_compute_threads(1);  // one thread: vecnn's GEMM pool and OpenBLAS
    benchmark::AddCustomContext("vecnn_threads", std::to_string(vecnn::compute_threads()));
    benchmark::AddCustomContext("xsimd_arch", xsimd::default_arch::name());
    benchmark::AddCustomContext("openblas_kernels", vecnn::blas_core_description());
    benchmark::AddCustomContext("xsimd_float_lanes", std::to_string(xsimd::batch<float>::size));
    benchmark::AddCustomContext("openblas", openblas_get_config());
    benchmark::AddCustomContext("gemm_library", vecnn::gemm_library_description());
    benchmark::AddCustomContext("bf16_gemm", vecnn::bf16_gemm_description());
    // The machine's FMA peaks on this one thread, probed in this process
    // before any benchmark.
    const auto peaks = vecnn::cli::measure_fma_peaks(1);
    for (const auto& p : peaks) {
        benchmark::AddCustomContext("fma_peak_" + p.isa + "_" + p.dtype + "_gflops", std::to_string(p.gflops));
    }

    // Kernel by kernel, size by size, the flavours back to back, so a
    // change in the machine's load hits both sides of a ratio alike.
    for (const Kernel& kern : kKernels) {
        if (std::find(o.kernels.begin(), o.kernels.end(), kern.name) == o.kernels.end()) continue;
        for (int k = o.min_log2; k <= o.max_log2; k += o.step) {
            const std::pair<const char*, BenchFn> flavours[] = {
                {"loop", kern.loop}, {"vectorized", kern.vectorized}, {"openblas", kern.openblas}};
            for (const auto& [flavour, fn] : flavours) {
                if (!fn) continue;
                if (fn == kern.loop && kern.is_gemm() && k > o.loop_linear_max_log2) continue;
                const std::string name = std::string(kern.name) + "/" + flavour + "/" + std::to_string(k);
                auto* b = benchmark::RegisterBenchmark(name.c_str(), fn, k);
                b->Unit(k >= 20 ? benchmark::kMicrosecond : benchmark::kNanosecond);
            }
        }
    }

    // Colour only on a terminal (a reporter of our own does not read --benchmark_color).
    CollectingReporter reporter(isatty(fileno(stdout)) != 0);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    print_summary(reporter, o, peaks);
    benchmark::Shutdown();
    return 0;
}

// A bad environment (VECNN_GEMM_LIBRARY=mkl, say) is a message and exit
// status 2, not an uncaught exception.
int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "vecnn_budget: %s\n", e.what());
        return 2;
    }
}
