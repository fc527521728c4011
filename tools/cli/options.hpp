// Options shared by several subcommands, declared once so they read the same everywhere.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace vecnn::cli {

// The one model-spec grammar of every command (nn/model_spec.hpp).
inline CLI::Option* add_model_option(CLI::App& cmd, std::string& spec, const std::string& lead = "") {
    return cmd.add_option("--model", spec,
                          lead + "layer list, e.g. linear(784,256),relu,linear(256,10), or sizes of a ReLU MLP, "
                                 "e.g. 784-256-10");
}

inline void add_engine_option(CLI::App& cmd, std::string& engine) {
    cmd.add_option("--engine", engine, "vectorized | loop")->check(CLI::IsMember({"vectorized", "loop"}));
}

inline void add_threads_option(CLI::App& cmd, int& threads) {
    cmd.add_option("--threads", threads, "compute threads (vecnn's worker pool; OpenBLAS itself runs single-threaded)")
        ->check(CLI::PositiveNumber);
}

inline void add_dtype_option(CLI::App& cmd, std::string& dtype) {
    cmd.add_option("--dtype", dtype, "float32 | float64")->check(CLI::IsMember({"float32", "float64"}));
}

}  // namespace vecnn::cli
