// vecnn bench: samples/s of training steps on both engines, next to the
// GEMM-only bound measured in the same run.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "vecnn/tensor/bf16_gemm.hpp"
#include "vecnn/tensor/blas_core.hpp"
#include "vecnn/tensor/precision.hpp"
#include "vecnn/tensor/xsmm_gemm.hpp"
#include "vecnn/tensor/threads.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/distributed.hpp"
#include "tools/cli/rank_bench.hpp"
#include "tools/cli/fma_probe.hpp"
#include "tools/cli/options.hpp"
#include "tools/cli/step_bench.hpp"

namespace vecnn::cli {
namespace {

struct BenchArgs {
    std::string model;
    SampleShape input_shape;
    std::size_t batch = 64;
    std::string engine = "both";
    std::string precision = "float32";
    int threads = 2;
    double seconds = 2.0;
    std::size_t repeats = 5;
    std::string json;
    double momentum = 0.9;
    bool distributed = false;
    double allreduce_delay_us = 0;
};

struct Config {
    std::string name, spec;
    std::size_t batch;
    SampleShape input_shape = {};
};

// The configs of the performance issue (A-D), and sizes from tiny to large.
std::vector<Config> default_suite() {
    return {{"A", "784-256-10", 64}, {"B", "784-1024-1024-10", 256}, {"C", "2-16-16-2", 32},
            {"D", "784-256-10", 1},  {"tiny", "16-32-4", 16},        {"mid", "256-512-512-10", 128},
            // The digits CNN of examples/mnist_cnn: two conv-relu-pool blocks of 8 and 16 channels, one Linear.
            {"cnn", "conv2d(1,8,3,padding=1),relu,maxpool2d(2),conv2d(8,16,3,padding=1),relu,maxpool2d(2),flatten,"
                    "linear(784,10)", 64, {1, 28, 28}}};
}

// The step's GEMM FLOPs per second as a share of the machine's measured FMA peak (0: no peak).
// The step's GEMM GFLOP/s at its median speed.
double step_gflops(const StepBenchResult& r, std::size_t batch) {
    return r.step_flops * r.median_samples_per_s / static_cast<double>(batch) / 1e9;
}

// ... as a share of the machine's measured FMA peak (0: no peak).
double percent_of_peak(const StepBenchResult& r, std::size_t batch, const FmaPeak* peak) {
    return peak ? 100 * step_gflops(r, batch) / peak->gflops : 0;
}

std::string json_line(const Config& c, const char* engine, MatmulPrecision precision, int threads, double momentum,
                      const StepBenchResult& r, double vs_loop, double vs_float32, const FmaPeak* peak) {
    nlohmann::ordered_json j;
    j["config"] = c.name;
    j["model"] = r.spec;
    if (!c.input_shape.empty()) j["input_shape"] = c.input_shape;
    j["batch"] = c.batch;
    j["engine"] = engine;
    j["precision"] = to_string(precision);
    j["threads"] = threads;
    j["momentum"] = momentum;
    j["samples_per_s"] = r.median_samples_per_s;
    j["samples_per_s_min"] = r.min_samples_per_s;
    j["samples_per_s_max"] = r.max_samples_per_s;
    j["step_us"] = r.step_us;
    j["gemm_us"] = r.gemm_us;
    j["gemm_fraction"] = r.gemm_us / r.step_us;
    j["gemm_bound_samples_per_s"] = r.gemm_bound_samples_per_s;
    j["allocs_per_step"] = r.allocs_per_step;
    j["step_flops"] = r.step_flops;
    j["gflops"] = step_gflops(r, c.batch);
    if (peak) {
        j["fma_peak_gflops"] = peak->gflops;
        j["fma_peak_isa"] = peak->isa;
        j["fma_peak_dtype"] = peak->dtype;
        j["percent_of_fma_peak"] = percent_of_peak(r, c.batch, peak);
    }
    j["parameters"] = r.parameters;
    j["steps"] = r.steps;
    j["blas_core"] = blas_core();
    j["gemm_library"] = gemm_library_description();
    if (vs_loop > 0) j["speedup_vs_loop"] = vs_loop;
    if (precision == MatmulPrecision::bfloat16) {
        j["bf16_gemm"] = bf16_gemm_description();
        if (vs_float32 > 0) j["speedup_vs_float32"] = vs_float32;
    }
    return j.dump();
}

std::vector<Config> chosen_configs(const BenchArgs& a) {
    if (a.model.empty()) return default_suite();
    return {{"custom", a.model, a.batch, a.input_shape}};
}

std::string rank_json_line(const Config& c, const BenchArgs& a, const RankBenchResult& r) {
    nlohmann::ordered_json j;
    j["config"] = c.name;
    j["model"] = r.spec;
    j["batch"] = c.batch;
    j["engine"] = a.engine == "loop" ? "loop" : "vectorized";
    j["ranks"] = r.ranks;
    j["threads"] = a.threads;
    j["momentum"] = a.momentum;
    j["samples_per_s"] = r.median_samples_per_s;
    j["samples_per_s_min"] = r.min_samples_per_s;
    j["samples_per_s_max"] = r.max_samples_per_s;
    j["single_rank_samples_per_s"] = r.single_median_samples_per_s;
    j["single_rank_samples_per_s_min"] = r.single_min_samples_per_s;
    j["single_rank_samples_per_s_max"] = r.single_max_samples_per_s;
    j["scaling"] = r.median_samples_per_s / r.single_median_samples_per_s;
    j["step_us"] = r.step_us;
    j["allreduce_us"] = r.allreduce_us;
    j["allreduce_bytes"] = r.parameters * sizeof(float);
    j["compute_us"] = r.compute_us;
    j["allreduce_hidden_fraction"] = r.hidden_fraction;
    j["injected_delay_us"] = r.delay_us;
    j["allocs_per_step"] = r.allocs_per_step;
    j["parameters"] = r.parameters;
    j["steps"] = r.steps;
    j["blas_core"] = blas_core();
    j["gemm_library"] = gemm_library_description();
    return j.dump();
}

// Under mpirun: the data-parallel step over the job's ranks against one rank alone, same run.
void run_ranks(const BenchArgs& a, MpiCommunicator& comm) {
    set_compute_threads(a.threads);
    const bool lead = comm.rank() == 0;
    std::ofstream json;
    if (lead && !a.json.empty()) {
        json.open(a.json, std::ios::out | std::ios::trunc);
        if (!json.is_open()) throw CommandError("cannot open '" + a.json + "' for writing");
    }
    if (lead) {
        std::printf("vecnn bench: data-parallel, %zu ranks x %d thread(s), float32, SGD (lr 0.01, momentum %g), "
                    "%zu repeats, allreduce delay %g us, float GEMMs by %s, OpenBLAS kernels %s\n",
                    comm.size(), a.threads, a.momentum, a.repeats, a.allreduce_delay_us,
                    gemm_library_description().c_str(), blas_core_description().c_str());
        std::printf("%-6s %-22s %5s %12s %23s %12s %8s %10s %10s %12s %7s %8s %7s\n", "config", "model", "batch",
                    "job samp/s", "min-max", "1 rank", "scaling", "us/step", "compute us", "allreduce us", "hidden",
                    "MB/step", "allocs");
    }
    for (const auto& c : chosen_configs(a)) {
        StepBenchConfig sc;
        sc.spec = c.spec;
        sc.input_shape = c.input_shape;
        sc.batch = c.batch;
        sc.engine = a.engine == "loop" ? Engine::loop : Engine::vectorized;
        sc.seconds = a.seconds;
        sc.repeats = a.repeats;
        sc.momentum = a.momentum;
        const RankBenchResult r = bench_ranks(sc, comm, a.allreduce_delay_us);
        if (!lead) continue;
        char range[64];
        std::snprintf(range, sizeof range, "%.0f-%.0f", r.min_samples_per_s, r.max_samples_per_s);
        std::printf("%-6s %-22s %5zu %12.0f %23s %12.0f %7.2fx %10.1f %10.1f %12.1f %6.0f%% %8.2f %7.2f\n",
                    c.name.c_str(), c.spec.c_str(), c.batch, r.median_samples_per_s, range,
                    r.single_median_samples_per_s, r.median_samples_per_s / r.single_median_samples_per_s, r.step_us,
                    r.compute_us, r.allreduce_us, 100 * r.hidden_fraction,
                    static_cast<double>(r.parameters * sizeof(float)) / 1e6, r.allocs_per_step);
        std::fflush(stdout);
        if (json.is_open()) json << rank_json_line(c, a, r) << "\n";
    }
    if (json.is_open()) {
        json.flush();
        if (!json) throw CommandError("writing '" + a.json + "' failed");
    }
}

void run(const BenchArgs& a) {
    set_compute_threads(a.threads);
    const std::vector<Config> configs = chosen_configs(a);
    std::vector<Engine> engines;
    if (a.engine != "loop") engines.push_back(Engine::vectorized);
    if (a.engine != "vectorized") engines.push_back(Engine::loop);
    std::ofstream json;
    if (!a.json.empty()) {
        json.open(a.json, std::ios::out | std::ios::trunc);
        if (!json.is_open()) throw CommandError("cannot open '" + a.json + "' for writing");
    }

    std::vector<MatmulPrecision> precisions;
    if (a.precision != "bf16") precisions.push_back(MatmulPrecision::float32);
    if (a.precision != "float32") precisions.push_back(MatmulPrecision::bfloat16);

    std::printf(
        "vecnn bench: float32 parameters, SGD (lr 0.01, momentum %g) step incl. softmax cross-entropy, %d thread(s), "
        "%zu repeats, float GEMMs by %s, OpenBLAS kernels %s\n",
        a.momentum, a.threads, a.repeats, gemm_library_description().c_str(), blas_core_description().c_str());
    if (a.precision != "float32") std::printf("bf16 GEMMs: %s\n", bf16_gemm_description().c_str());
    // The machine's limit, measured now on as many threads as the steps use.
    const std::vector<FmaPeak> peaks = measure_fma_peaks(a.threads);
    const FmaPeak* peak = best_float32_peak(peaks);
    // bf16 rows against the bf16 dot-product peak where bf16 kernels run them
    // (the fallback runs float32 GEMMs).
    const FmaPeak* bf16_peak = bf16_kernels_available() ? best_peak(peaks, "bfloat16") : nullptr;
    if (!bf16_peak) bf16_peak = peak;
    std::printf("FMA peak, %d thread(s), from registers:", a.threads);
    for (const auto& p : peaks) std::printf("  %s %s %.1f GFLOP/s", p.isa.c_str(), p.dtype.c_str(), p.gflops);
    std::printf("%s\n", peaks.empty() ? "  none measured (no AVX2/FMA3)" : "");
    // %bound: samples/s against the GEMM-only bound, which is also the step's
    // share of time in GEMM (gemm us / us/step): one number, one column.
    // %peak: the step's GEMM FLOPs per second against the best fp32 FMA peak
    // above (bf16 rows: against the bf16 peak where bf16 kernels run them).
    // vs fp32: a bf16 row's samples/s over the float32 row's, same engine, same run.
    std::printf("%-6s %-22s %5s %-7s %-10s %12s %23s %10s %10s %7s %9s %7s %7s %8s %7s\n", "config", "model", "batch",
                "matmul", "engine", "samples/s", "min-max", "us/step", "gemm us", "%bound", "GFLOP/s", "%peak", "allocs",
                "vec/loop", "vs fp32");
    for (const auto& c : configs) {
        std::map<std::pair<MatmulPrecision, Engine>, StepBenchResult> results;
        for (MatmulPrecision precision : precisions) {
            ScopedMatmulPrecision scope(precision);
            for (Engine e : engines) {
                StepBenchConfig sc;
                sc.spec = c.spec;
                sc.input_shape = c.input_shape;
                sc.batch = c.batch;
                sc.engine = e;
                sc.seconds = a.seconds;
                sc.repeats = a.repeats;
                sc.momentum = a.momentum;
                results[{precision, e}] = bench_steps(sc);
            }
        }
        for (MatmulPrecision precision : precisions) {
            for (Engine e : engines) {
                const auto& r = results[{precision, e}];
                const FmaPeak* row_peak = precision == MatmulPrecision::bfloat16 ? bf16_peak : peak;
                const auto loop = results.find({precision, Engine::loop});
                const double vs_loop = e == Engine::vectorized && loop != results.end()
                                           ? r.median_samples_per_s / loop->second.median_samples_per_s
                                           : 0;
                const auto fp32 = results.find({MatmulPrecision::float32, e});
                const double vs_float32 = precision == MatmulPrecision::bfloat16 && fp32 != results.end()
                                              ? r.median_samples_per_s / fp32->second.median_samples_per_s
                                              : 0;
                char range[64];
                std::snprintf(range, sizeof range, "%.0f-%.0f", r.min_samples_per_s, r.max_samples_per_s);
                char ratio[32] = "", vs32[32] = "";
                if (vs_loop > 0) std::snprintf(ratio, sizeof ratio, "%.1fx", vs_loop);
                if (vs_float32 > 0) std::snprintf(vs32, sizeof vs32, "%.2fx", vs_float32);
                std::printf("%-6s %-22s %5zu %-7s %-10s %12.0f %23s %10.1f %10.1f %6.0f%% %9.2f %6.1f%% %7.2f %8s %7s\n",
                            c.name.c_str(), c.spec.c_str(), c.batch, to_string(precision), to_string(e),
                            r.median_samples_per_s, range, r.step_us, r.gemm_us,
                            100 * r.median_samples_per_s / r.gemm_bound_samples_per_s, step_gflops(r, c.batch),
                            percent_of_peak(r, c.batch, row_peak), r.allocs_per_step, ratio, vs32);
                std::fflush(stdout);
                if (json.is_open()) {
                    json << json_line(c, to_string(e), precision, a.threads, a.momentum, r, vs_loop, vs_float32,
                                      row_peak)
                         << "\n";
                }
            }
        }
    }
    if (json.is_open()) {
        json.flush();
        if (!json) throw CommandError("writing '" + a.json + "' failed");
    }
}

}  // namespace

void add_bench_command(CLI::App& app) {
    auto a = std::make_shared<BenchArgs>();
    auto* cmd = app.add_subcommand("bench", "time training steps on both engines against the GEMM-only bound");
    add_model_option(*cmd, a->model, "(default: the built-in suite) ");
    add_input_shape_option(*cmd, a->input_shape)->needs("--model");
    cmd->add_option("--batch", a->batch, "rows per step (with --model)")->check(whole_number(1, kMaxCount));
    cmd->add_option("--engine", a->engine, "vectorized | loop | both")
        ->check(CLI::IsMember({"vectorized", "loop", "both"}));
    cmd->add_option("--precision", a->precision,
                    "float32 | bf16 | both: the GEMMs' operands (bf16: rounded to bfloat16, float32 sums and "
                    "parameters, as torch.autocast)")
        ->check(CLI::IsMember({"float32", "bf16", "both"}));
    add_threads_option(*cmd, a->threads);
    cmd->add_option("--seconds", a->seconds, "timed seconds per config and engine")->check(finite_number(0.001, 86400));
    cmd->add_option("--repeats", a->repeats, "repeats (median and min-max over them)")->check(whole_number(1, 1000));
    cmd->add_option("--momentum", a->momentum, "SGD momentum of the timed step (0: plain SGD)")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--json", a->json, "write one JSON object per config and engine to this file")
        ->check(non_empty_path());
    add_distributed_option(*cmd, a->distributed);
    cmd->add_option("--allreduce-delay-us", a->allreduce_delay_us,
                    "under mpirun: sleep this long after each allreduce, as a slower network would take")
        ->check(finite_number(0, 1e7));
    cmd->callback([a] {
        const auto comm = join_ranks(a->distributed);
        if (!comm && a->allreduce_delay_us > 0) throw CommandError("--allreduce-delay-us needs ranks (mpirun -np N)");
        run_as_rank(comm.get(), [&] {
            if (comm) {
                run_ranks(*a, *comm);
            } else {
                run(*a);
            }
        });
    });
}

}  // namespace vecnn::cli
