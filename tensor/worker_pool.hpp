// WorkerPool: the only threads vecnn starts. A kernel splits its work into
// parts; the calling thread runs part 0 and the pool's workers the others,
// and run() returns when all are done. OpenBLAS is kept single-threaded
// (threads.cpp), so the pool and BLAS never compete for the cores, and a
// GEMM split here allocates nothing (OpenBLAS's own threading mallocs a job
// table on every multithreaded call).
//
// Workers spin briefly after each job (a training step issues GEMMs back to
// back) and then sleep on a condition variable, so an idle pool costs nothing.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace vecnn {

class WorkerPool {
public:
    // The process-wide pool, sized by set_blas_threads() (threads.hpp).
    static WorkerPool& instance();

    explicit WorkerPool(std::size_t threads = 1);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // Threads that run parts, the caller included (>= 1).
    std::size_t threads() const { return workers_.size() + 1; }
    void resize(std::size_t threads);

    // Calls part(i) for i in [0, parts), parts <= threads(); part 0 on this thread.
    // `part` must not throw. No allocation.
    template <class F>
    void run(std::size_t parts, F& part) {
        run_parts(parts, &call<F>, &part);
    }

    // Calls f(i) once on each of the pool's threads (per-thread settings such as the FPU mode).
    template <class F>
    void run_on_every_thread(F& f) {
        run_parts(threads(), &call<F>, &f);
    }

private:
    template <class F>
    static void call(void* f, std::size_t i) {
        (*static_cast<F*>(f))(i);
    }
    void run_parts(std::size_t parts, void (*fn)(void*, std::size_t), void* ctx);
    void worker_loop(std::size_t index, std::uint64_t seen);
    void stop_workers();

    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::atomic<std::uint64_t> generation_{0};
    std::atomic<std::size_t> pending_{0};
    std::atomic<bool> stopping_{false};
    std::size_t parts_ = 0;
    void (*fn_)(void*, std::size_t) = nullptr;
    void* ctx_ = nullptr;
    std::mutex run_mutex_;  // one job at a time
};

}  // namespace vecnn
