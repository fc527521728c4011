// Counts heap allocations made by this program (operator new is replaced in
// allocation_counter.cpp), so `vecnn bench` can report allocations per step.
#pragma once

#include <cstdint>

namespace vecnn::cli {

std::uint64_t allocation_count();

}  // namespace vecnn::cli
