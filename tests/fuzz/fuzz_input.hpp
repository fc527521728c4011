// What every fuzz harness shares: small limits (a hostile input must be
// refused, not merely survived by a machine with enough memory), and a file
// holding the input for the readers that take a path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include <unistd.h>

#include "vecnn/tensor/limits.hpp"

namespace vecnn::fuzz {

// Once per process: 64 MiB for inputs and parameters, no waiting on streams.
inline void set_limits() {
    static const bool done = [] {
        set_max_input_bytes(std::uint64_t{64} << 20);
        set_max_parameter_bytes(std::uint64_t{64} << 20);
        set_input_wait_seconds(1);
        return true;
    }();
    (void)done;
}

// The input as a file (in memory where /dev/shm exists), rewritten per run.
inline std::string as_file(const std::uint8_t* data, std::size_t size, const char* suffix) {
    static const std::string base =
        (access("/dev/shm", W_OK) == 0 ? std::string("/dev/shm") : std::string("/tmp")) + "/vecnn_fuzz_" +
        std::to_string(getpid());
    const std::string path = base + suffix;
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return path;
    if (size > 0) std::fwrite(data, 1, size, f);
    std::fclose(f);
    return path;
}

}  // namespace vecnn::fuzz
