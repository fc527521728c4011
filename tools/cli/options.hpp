// Options shared by several subcommands, declared once so they read the same everywhere.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace vecnn::cli {

inline void add_engine_option(CLI::App& cmd, std::string& engine) {
    cmd.add_option("--engine", engine, "vectorized | loop")->check(CLI::IsMember({"vectorized", "loop"}));
}

inline void add_dtype_option(CLI::App& cmd, std::string& dtype) {
    cmd.add_option("--dtype", dtype, "float32 | float64")->check(CLI::IsMember({"float32", "float64"}));
}

}  // namespace vecnn::cli
