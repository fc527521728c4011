// Counts every heap allocation of the program at the C level: malloc and its
// relatives are interposed here and forwarded to glibc's own entry points.
// Counting at this level (not operator new) also sees xtensor's aligned
// buffers and any allocation inside OpenBLAS. In an AddressSanitizer build
// (-DVECNN_SANITIZE=ON) the sanitizer's allocator hook counts instead.
#include "tools/cli/allocation_counter.hpp"

#include <atomic>
#include <cerrno>
#include <cstddef>

#include <malloc.h>

namespace {
std::atomic<std::uint64_t> allocations{0};
std::atomic<std::int64_t> in_use{0};
std::atomic<std::int64_t> peak{0};

void count() {
    allocations.fetch_add(1, std::memory_order_relaxed);
}

// Bytes of a block held (+) or released (-); the peak follows the maximum.
void held(std::int64_t bytes) {
    const std::int64_t now = in_use.fetch_add(bytes, std::memory_order_relaxed) + bytes;
    if (bytes <= 0) return;
    std::int64_t seen = peak.load(std::memory_order_relaxed);
    while (now > seen && !peak.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
    }
}
}  // namespace

namespace vecnn::cli {
std::uint64_t allocation_count() {
    return allocations.load(std::memory_order_relaxed);
}
std::uint64_t heap_bytes_in_use() {
    const std::int64_t v = in_use.load(std::memory_order_relaxed);
    return v > 0 ? static_cast<std::uint64_t>(v) : 0;
}
std::uint64_t heap_peak_bytes() {
    const std::int64_t v = peak.load(std::memory_order_relaxed);
    return v > 0 ? static_cast<std::uint64_t>(v) : 0;
}
void reset_heap_peak() {
    peak.store(in_use.load(std::memory_order_relaxed), std::memory_order_relaxed);
}
}  // namespace vecnn::cli

#if defined(__SANITIZE_ADDRESS__)
#define VECNN_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VECNN_UNDER_ASAN 1
#endif
#endif

#ifdef VECNN_UNDER_ASAN
// Under AddressSanitizer malloc belongs to its allocator: forwarding to
// glibc's entry points here would hand it pointers it never allocated (a
// crash on the first free). Its allocator hook sees every allocation instead.
extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*)(const volatile void*, std::size_t),
                                                         void (*)(const volatile void*));
extern "C" std::size_t __sanitizer_get_allocated_size(const volatile void*);
namespace {
void on_malloc(const volatile void*, std::size_t size) {
    count();
    held(static_cast<std::int64_t>(size));
}
void on_free(const volatile void* p) {
    if (p) held(-static_cast<std::int64_t>(__sanitizer_get_allocated_size(p)));
}
[[maybe_unused]] const int hooks_installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}  // namespace
#else
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

namespace {
std::int64_t usable(void* p) { return p ? static_cast<std::int64_t>(malloc_usable_size(p)) : 0; }
void* track(void* p) {
    held(usable(p));
    return p;
}
}  // namespace

extern "C" {
void* malloc(std::size_t size) {
    count();
    return track(__libc_malloc(size));
}
void* calloc(std::size_t n, std::size_t size) {
    count();
    return track(__libc_calloc(n, size));
}
void* realloc(void* p, std::size_t size) {
    count();
    const std::int64_t before = usable(p);
    void* q = __libc_realloc(p, size);
    if (q != nullptr || size == 0) held(-before);
    return track(q);
}
void* memalign(std::size_t align, std::size_t size) {
    count();
    return track(__libc_memalign(align, size));
}
void* aligned_alloc(std::size_t align, std::size_t size) {
    count();
    return track(__libc_memalign(align, size));
}
int posix_memalign(void** out, std::size_t align, std::size_t size) {
    count();
    if (align < sizeof(void*) || (align & (align - 1)) != 0) return EINVAL;
    void* p = __libc_memalign(align, size);
    if (!p && size) return ENOMEM;
    *out = track(p);
    return 0;
}
void free(void* p) {
    held(-usable(p));
    __libc_free(p);
}
}
#endif
