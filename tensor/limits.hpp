// The limits that keep a hostile or mistaken input from taking the machine:
// how many bytes one input file may hold, how long to wait for a pipe or FIFO
// that sends nothing, and how much memory a model's parameters may take.
// Process-wide; the command line sets them from --max-input-bytes and
// --input-timeout.
#pragma once

#include <cstdint>
#include <string>

namespace vecnn {

// Bytes one input file (or its decompressed content) may hold, and what a
// reader may allocate on a file's word. Default: 4 GiB.
std::uint64_t max_input_bytes();
void set_max_input_bytes(std::uint64_t bytes);  // >= 1

// Seconds a read from a pipe, FIFO or terminal may wait for data before it
// gives up (a FIFO nobody writes to would otherwise block forever). Default: 30.
double input_wait_seconds();
void set_input_wait_seconds(double seconds);  // > 0

// Bytes a model's parameters and gradients may take together (a layer that
// would need more is refused before it allocates). Default: three quarters
// of the machine's physical memory.
std::uint64_t max_parameter_bytes();
void set_max_parameter_bytes(std::uint64_t bytes);  // >= 1

// "4 GiB", "512 MiB", "7.5 KiB", "300 bytes": sizes in messages.
std::string format_bytes(std::uint64_t bytes);

}  // namespace vecnn
