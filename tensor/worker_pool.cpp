#include "tensor/worker_pool.hpp"

#include <chrono>

namespace vecnn {

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
    if (threads == this->threads()) return;
    stop_workers();
    // Each worker starts from the generation current now: one that starts late
    // must still see a job (or the stop) published before it got going.
    const std::uint64_t start = generation_.load();
    for (std::size_t i = 1; i < threads; ++i) workers_.emplace_back([this, i, start] { worker_loop(i, start); });
}

void WorkerPool::run_parts(std::size_t parts, void (*fn)(void*, std::size_t), void* ctx) {
    if (parts <= 1 || workers_.empty()) {
        for (std::size_t i = 0; i < parts; ++i) fn(ctx, i);
        return;
    }
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        fn_ = fn;
        ctx_ = ctx;
        parts_ = parts;
        pending_.store(parts - 1, std::memory_order_relaxed);
        generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    fn(ctx, 0);
    while (pending_.load(std::memory_order_acquire) != 0) {
        // the other parts take about as long as ours: spin, they are nearly done
    }
}

void WorkerPool::worker_loop(std::size_t index, std::uint64_t seen) {
    while (true) {
        // Spin for a short while: the next GEMM of a training step comes within microseconds.
        const auto spin_until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
        while (generation_.load(std::memory_order_acquire) == seen && std::chrono::steady_clock::now() < spin_until) {
        }
        if (generation_.load(std::memory_order_acquire) == seen) {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        }
        std::size_t parts;
        void (*fn)(void*, std::size_t);
        void* ctx;
        {
            // The generation and its job are published together under the
            // lock: read them together, or a late worker could take the next
            // job's parts for this one's and run a part twice.
            std::lock_guard<std::mutex> lock(mutex_);
            seen = generation_.load(std::memory_order_acquire);
            parts = parts_;
            fn = fn_;
            ctx = ctx_;
        }
        if (stopping_.load()) return;
        if (index < parts) {
            fn(ctx, index);
            pending_.fetch_sub(1, std::memory_order_acq_rel);
        }
    }
}

}  // namespace vecnn
