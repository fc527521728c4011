// WorkerPool: the only threads vecnn starts. A kernel splits its work into
// parts; every thread of the pool (the caller included) claims parts and runs
// them, and run() returns when all are done. OpenBLAS is kept single-threaded
// (threads.cpp), so the pool and BLAS never compete for the cores, and a
// GEMM split here allocates nothing (OpenBLAS's own threading mallocs a job
// table on every multithreaded call).
//
// Part i belongs to thread i, so the same thread computes the same block
// step after step and finds it in its own cache. But on a shared machine a
// worker may be asleep or descheduled: the caller, once done with part 0,
// claims every part nobody has started and runs it itself instead of
// waiting, so two threads are never much slower than one.
//
// Workers spin briefly after each job (a training step issues GEMMs back to
// back) and then sleep on a condition variable, so an idle pool costs nothing.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace vecnn {

class WorkerPool {
public:
    // The process-wide pool, sized by set_compute_threads() (threads.hpp).
    static WorkerPool& instance();

    explicit WorkerPool(std::size_t threads = 1);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // Threads that run parts, the caller included (>= 1).
    std::size_t threads() const { return workers_.size() + 1; }
    void resize(std::size_t threads);

    // Calls part(i) once for each i in [0, parts), parts <= threads(), each on
    // one of the pool's threads. `part` must not throw. No allocation.
    template <class F>
    void run(std::size_t parts, F& part) {
        run_parts(parts, &call<F>, &part, false);
    }

    // Calls f(i) once on each of the pool's threads, f(i) on thread i
    // (per-thread settings such as the FPU mode). Waits for every worker.
    template <class F>
    void run_on_every_thread(F& f) {
        run_parts(threads(), &call<F>, &f, true);
    }

private:
    template <class F>
    static void call(void* f, std::size_t i) {
        (*static_cast<F*>(f))(i);
    }
    struct Job {
        std::uint64_t generation = 0;
        std::size_t parts = 0;
        bool pinned = false;  // part i only on thread i
        void (*fn)(void*, std::size_t) = nullptr;
        void* ctx = nullptr;
    };
    void run_parts(std::size_t parts, void (*fn)(void*, std::size_t), void* ctx, bool pinned);
    // Claims and runs, as thread `self`, its part of `job` (the caller: also the unclaimed ones).
    void work_on(const Job& job, std::size_t self);
    bool claim(std::size_t part, std::uint64_t generation);
    void worker_loop(std::size_t index, std::uint64_t seen);
    void stop_workers();

    std::vector<std::thread> workers_;
    // claimed_[i]: the generation of the last job whose part i was claimed.
    // A part is claimed by raising it to the job's generation, so a worker
    // that wakes late, holding an old job, can never claim a newer job's part.
    std::unique_ptr<std::atomic<std::uint64_t>[]> claimed_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::atomic<std::uint64_t> generation_{0};
    std::atomic<std::size_t> done_{0};
    std::atomic<bool> stopping_{false};
    Job job_;               // guarded by mutex_
    std::mutex run_mutex_;  // one job at a time
};

}  // namespace vecnn
