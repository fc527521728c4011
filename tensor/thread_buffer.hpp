// Per-thread working buffers for the GEMM drivers (tensor/xsmm_gemm.cpp,
// tensor/bf16_gemm.cpp): one buffer per element type and slot, on each
// thread, kept between calls. They grow during the first steps and never
// after, so a steady-state training step allocates nothing.
#pragma once

#include <cstddef>
#include <vector>

namespace vecnn::detail {

// At least `size` elements, contents unspecified; valid until the same
// thread asks for the same <U, Slot> again. Slots in use: the libxsmm
// driver float 0-1; the bf16 kernels float 0-1, uint32 0-1, uint16 0; the
// bf16 fallback float 2-3, as it calls the float32 route (which may take
// float 0-1 and 4) while holding them; the toy-product kernel float and double 4.
template <class U, int Slot>
U* thread_buffer(std::size_t size) {
    thread_local std::vector<U> buffer;
    if (buffer.size() < size) buffer.resize(size);
    return buffer.data();
}

}  // namespace vecnn::detail
