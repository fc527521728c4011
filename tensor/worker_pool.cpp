#include "vecnn/tensor/worker_pool.hpp"

#include <chrono>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vecnn {
namespace {

// Tells the core this is a spin-wait (frees issue slots, saves power).
inline void cpu_relax() {
#if defined(__SSE2__)
    _mm_pause();
#endif
}

}  // namespace

WorkerPool& WorkerPool::instance() {
    static WorkerPool pool(1);
    return pool;
}

WorkerPool::WorkerPool(std::size_t threads) { resize(threads); }

WorkerPool::~WorkerPool() { stop_workers(); }

void WorkerPool::stop_workers() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_.store(true);
        generation_.fetch_add(1);
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    stopping_.store(false);
}

void WorkerPool::resize(std::size_t threads) {
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    if (threads < 1) threads = 1;
    if (threads == this->threads() && claimed_) return;
    stop_workers();
    // Every part counts as claimed up to now: no old job can be picked up again.
    const std::uint64_t start = generation_.load();
    claimed_ = std::make_unique<std::atomic<std::uint64_t>[]>(threads);
    for (std::size_t i = 0; i < threads; ++i) claimed_[i].store(start);
    // Each worker starts from the generation current now: one that starts late
    // must still see a job (or the stop) published before it got going.
    for (std::size_t i = 1; i < threads; ++i) workers_.emplace_back([this, i, start] { worker_loop(i, start); });
}

bool WorkerPool::claim(std::size_t part, std::uint64_t generation) {
    std::uint64_t seen = claimed_[part].load(std::memory_order_relaxed);
    while (seen < generation) {
        if (claimed_[part].compare_exchange_weak(seen, generation, std::memory_order_acq_rel)) return true;
    }
    return false;
}

void WorkerPool::work_on(const Job& job, std::size_t self) {
    // A worker runs only its own part. The caller runs part 0, then any part
    // still unclaimed: that of a worker not yet awake or descheduled.
    if (self != 0 || job.pinned) {
        if (self < job.parts && claim(self, job.generation)) {
            job.fn(job.ctx, self);
            done_.fetch_add(1, std::memory_order_acq_rel);
        }
        return;
    }
    for (std::size_t part = 0; part < job.parts; ++part) {
        if (!claim(part, job.generation)) continue;
        job.fn(job.ctx, part);
        done_.fetch_add(1, std::memory_order_acq_rel);
    }
}

void WorkerPool::run_parts(std::size_t parts, void (*fn)(void*, std::size_t), void* ctx, bool pinned) {
    if (parts <= 1 || workers_.empty()) {
        for (std::size_t i = 0; i < parts; ++i) fn(ctx, i);
        return;
    }
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    Job job;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        job = Job{generation_.load(std::memory_order_relaxed) + 1, parts, pinned, fn, ctx};
        job_ = job;
        done_.store(0, std::memory_order_relaxed);
        generation_.store(job.generation, std::memory_order_release);
    }
    wake_.notify_all();
    work_on(job, 0);
    // Every part is claimed now (by us, or by a worker that is running it):
    // wait for those still running. `ctx` must outlive them, and it does,
    // since a late worker's claim fails and it never touches ctx.
    while (done_.load(std::memory_order_acquire) != parts) cpu_relax();
}

void WorkerPool::worker_loop(std::size_t index, std::uint64_t seen) {
    while (true) {
        // Spin for a short while: the next GEMM of a training step comes within microseconds.
        const auto spin_until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
        for (unsigned i = 1; generation_.load(std::memory_order_acquire) == seen; ++i) {
            cpu_relax();
            if (i % 64 == 0 && std::chrono::steady_clock::now() >= spin_until) break;
        }
        if (generation_.load(std::memory_order_acquire) == seen) {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        }
        Job job;
        {
            // The generation and its job are published together under the
            // lock: read them together.
            std::lock_guard<std::mutex> lock(mutex_);
            job = job_;
            seen = generation_.load(std::memory_order_acquire);
        }
        if (stopping_.load()) return;
        if (job.generation == seen) work_on(job, index);
    }
}

}  // namespace vecnn
