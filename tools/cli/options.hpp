// Options shared by several subcommands, declared once so they read the same everywhere.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "tools/cli/validators.hpp"
#include "vecnn/nn/loss.hpp"
#include "vecnn/tensor/limits.hpp"

namespace vecnn::cli {

// The largest sizes the command line accepts (rows per step, epochs, steps,
// repeats): far beyond any use, far below an overflow.
constexpr std::uint64_t kMaxCount = 1000000000;
// Compute threads: more than any machine vecnn runs on has cores.
constexpr std::uint64_t kMaxThreads = 256;

// An option whose default is not its variable's value (it depends on another
// option, or 0 stands for "decide for me"): its help text says the default,
// and the captured one is not shown.
inline CLI::Option* default_in_text(CLI::Option* option) { return option->default_str(""); }

// The one model-spec grammar of every command (nn/model_spec.hpp).
inline CLI::Option* add_model_option(CLI::App& cmd, std::string& spec, const std::string& lead = "") {
    return cmd.add_option("--model", spec,
                          lead + "layer list, e.g. linear(784,256),relu,linear(256,10), or sizes of a ReLU MLP, "
                                 "e.g. 784-256-10");
}

// --input-shape C,H,W: the sample shape of a model with image layers (conv2d, maxpool2d).
inline CLI::Option* add_input_shape_option(CLI::App& cmd, std::vector<std::size_t>& shape) {
    return default_in_text(cmd.add_option("--input-shape", shape,
                    "shape of one sample, e.g. 1,28,28 (channels, height, width) for a model that starts with "
                    "conv2d or maxpool2d; rows hold samples in that order (NCHW), as IDX images do"))
        ->delimiter(',')
        ->check(whole_number(1, kMaxCount));
}

inline void add_engine_option(CLI::App& cmd, std::string& engine) {
    cmd.add_option("--engine", engine, "vectorized | loop")->check(CLI::IsMember({"vectorized", "loop"}));
}

inline void add_threads_option(CLI::App& cmd, int& threads) {
    auto* option = cmd.add_option("--threads", threads,
                                  "compute threads (vecnn's worker pool; OpenBLAS itself runs single-threaded)" +
                                      std::string(threads > 0 ? "" : "; default: the number of cores"));
    option->check(whole_number(1, kMaxThreads));
    if (threads == 0) default_in_text(option);
}

// --max-input-bytes and --input-timeout (tensor/limits.hpp), applied when parsed.
inline void add_input_limit_options(CLI::App& cmd) {
    cmd.add_option_function<std::uint64_t>(
           "--max-input-bytes", [](std::uint64_t bytes) { set_max_input_bytes(bytes); },
           "largest input file (or decompressed content, or what a file's header may make vecnn allocate), bytes "
           "(default 4 GiB)")
        ->check(whole_number(1, UINT64_MAX));
    cmd.add_option_function<double>(
           "--input-timeout", [](double seconds) { set_input_wait_seconds(seconds); },
           "seconds to wait for data from a pipe or FIFO before giving up (default 30)")
        ->check(finite_number(0.001, 1e6));
}

// --loss and what shapes it: --reduction, --pos-weight, --huber-delta, --smooth-l1-beta
// (nn/loss.hpp; make_loss checks the values).
inline void add_loss_options(CLI::App& cmd, std::string& loss, LossOptions& options, std::string& reduction) {
    std::string names;
    for (const auto& n : loss_names()) names += (names.empty() ? "" : " | ") + n;
    cmd.add_option("--loss", loss, names)->check(CLI::IsMember(loss_names()));
    cmd.add_option("--reduction", reduction, "mean | sum, as PyTorch's reduction")
        ->check(CLI::IsMember({"mean", "sum"}));
    default_in_text(cmd.add_option("--pos-weight", options.pos_weight,
                                   "bce-with-logits: weight of the positive targets, one value or one per output "
                                   "(default 1 for each)"))
        ->delimiter(',');
    cmd.add_option("--huber-delta", options.huber_delta, "huber: where the loss turns linear");
    cmd.add_option("--smooth-l1-beta", options.smooth_l1_beta, "smooth-l1: where the loss turns linear");
}

inline void add_dtype_option(CLI::App& cmd, std::string& dtype) {
    cmd.add_option("--dtype", dtype, "float32 | float64")->check(CLI::IsMember({"float32", "float64"}));
}

}  // namespace vecnn::cli
