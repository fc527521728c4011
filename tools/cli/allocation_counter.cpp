// Counts every heap allocation of the program at the C level: malloc and its
// relatives are interposed here and forwarded to glibc's own entry points.
// Counting at this level (not operator new) also sees xtensor's aligned
// buffers and any allocation inside OpenBLAS. In an AddressSanitizer build
// (-DVECNN_SANITIZE=ON) the sanitizer's allocator hook counts instead.
#include "tools/cli/allocation_counter.hpp"

#include <atomic>
#include <cerrno>
#include <cstddef>

namespace {
std::atomic<std::uint64_t> allocations{0};
void count() {
    allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

namespace vecnn::cli {
std::uint64_t allocation_count() {
    return allocations.load(std::memory_order_relaxed);
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
namespace {
void on_malloc(const volatile void*, std::size_t) {
    count();
}
void on_free(const volatile void*) {}
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

extern "C" {
void* malloc(std::size_t size) {
    count();
    return __libc_malloc(size);
}
void* calloc(std::size_t n, std::size_t size) {
    count();
    return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t size) {
    count();
    return __libc_realloc(p, size);
}
void* memalign(std::size_t align, std::size_t size) {
    count();
    return __libc_memalign(align, size);
}
void* aligned_alloc(std::size_t align, std::size_t size) {
    count();
    return __libc_memalign(align, size);
}
int posix_memalign(void** out, std::size_t align, std::size_t size) {
    count();
    if (align < sizeof(void*) || (align & (align - 1)) != 0) return EINVAL;
    void* p = __libc_memalign(align, size);
    if (!p && size) return ENOMEM;
    *out = p;
    return 0;
}
void free(void* p) {
    __libc_free(p);
}
}
#endif
