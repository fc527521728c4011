// Counts the program's heap allocations and the bytes they hold
// (allocation_counter.cpp interposes malloc and its relatives), so that
// `vecnn bench` reports allocations per step and `vecnn lessons` the peak
// extra heap memory of each version of a computation.
#pragma once

#include <cstdint>

namespace vecnn::cli {

std::uint64_t allocation_count();

// Bytes of heap memory held now (as malloc_usable_size counts them), and the
// most held at once since the last reset_heap_peak().
std::uint64_t heap_bytes_in_use();
std::uint64_t heap_peak_bytes();
void reset_heap_peak();  // the peak starts again from what is held now

}  // namespace vecnn::cli
