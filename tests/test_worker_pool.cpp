// WorkerPool: every part of every job runs exactly once, whoever runs it;
// a worker that is slow or asleep has its part taken by the caller; the
// split helpers cover [0, n) exactly once.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <thread>
#include <vector>

#include "vecnn/tensor/kernels.hpp"
#include "vecnn/tensor/threads.hpp"
#include "vecnn/tensor/worker_pool.hpp"
#include "test_util.hpp"

using namespace vecnn;

namespace {

// Runs `jobs` jobs of `parts` parts; counts[j * parts + i] is how often part i of job j ran.
std::vector<int> run_jobs(WorkerPool& pool, std::size_t jobs, std::size_t parts, bool slow_worker) {
    std::vector<std::atomic<int>> counts(jobs * parts);
    for (auto& c : counts) c.store(0);
    const auto caller = std::this_thread::get_id();
    for (std::size_t j = 0; j < jobs; ++j) {
        auto part = [&](std::size_t i) {
            // A worker that dawdles (as one descheduled by a busy machine would):
            // the caller should have taken the other parts meanwhile.
            if (slow_worker && std::this_thread::get_id() != caller && j % 7 == 0) {
                std::this_thread::sleep_for(std::chrono::microseconds(300));
            }
            counts[j * parts + i].fetch_add(1);
        };
        pool.run(parts, part);
    }
    std::vector<int> out;
    for (auto& c : counts) out.push_back(c.load());
    return out;
}

}  // namespace

TEST_CASE("every part of every job runs exactly once") {
    for (std::size_t threads : {1, 2, 3, 4}) {
        WorkerPool pool(threads);
        CHECK(pool.threads() == threads);
        for (std::size_t parts = 1; parts <= threads; ++parts) {
            for (bool slow : {false, true}) {
                CAPTURE(threads);
                CAPTURE(parts);
                CAPTURE(slow);
                const auto counts = run_jobs(pool, 2000, parts, slow);
                std::size_t wrong = 0;
                for (int c : counts) wrong += c != 1;
                CHECK(wrong == 0);
            }
        }
    }
}

TEST_CASE("a sleeping worker does not hold the caller up: the caller runs its part") {
    WorkerPool pool(2);
    // Let the worker stop spinning and go to sleep on the condition variable.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::atomic<int> by_caller{0};
    const auto caller = std::this_thread::get_id();
    auto part = [&](std::size_t) {
        if (std::this_thread::get_id() == caller) by_caller.fetch_add(1);
    };
    std::size_t total_by_caller = 0;
    for (int j = 0; j < 200; ++j) {
        by_caller = 0;
        pool.run(2, part);
        CHECK(by_caller >= 1);  // at least its own part
        total_by_caller += static_cast<std::size_t>(by_caller.load());
    }
    CHECK(total_by_caller >= 200);
    CHECK(total_by_caller <= 400);
}

TEST_CASE("run_on_every_thread calls f(i) on thread i, each once") {
    WorkerPool pool(3);
    for (int round = 0; round < 50; ++round) {
        std::vector<std::thread::id> ids(3);
        auto f = [&](std::size_t i) { ids[i] = std::this_thread::get_id(); };
        pool.run_on_every_thread(f);
        CHECK((ids[0] == std::this_thread::get_id()));
        CHECK((ids[1] != ids[0]));
        CHECK((ids[2] != ids[0]));
        CHECK((ids[1] != ids[2]));
    }
}

TEST_CASE("resize keeps the pool usable, down to one thread") {
    WorkerPool pool(2);
    for (std::size_t threads : {4, 1, 3, 2}) {
        pool.resize(threads);
        CHECK(pool.threads() == threads);
        const auto counts = run_jobs(pool, 300, threads, false);
        std::size_t wrong = 0;
        for (int c : counts) wrong += c != 1;
        CHECK(wrong == 0);
    }
}

TEST_CASE("for_each_block covers [0, n) exactly once, in contiguous blocks") {
    for (int threads : {1, 2}) {
        set_compute_threads(threads);
        for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{1000}, std::size_t{1} << 15,
                              (std::size_t{1} << 16) + 3, std::size_t{203530}, std::size_t{1} << 20}) {
            CAPTURE(threads);
            CAPTURE(n);
            std::vector<int> seen(n, 0);
            std::atomic<std::size_t> blocks{0};
            for_each_block(n, [&](std::size_t begin, std::size_t end) {
                blocks.fetch_add(1);
                for (std::size_t i = begin; i < end; ++i) ++seen[i];
            });
            std::size_t wrong = 0;
            for (int s : seen) wrong += s != 1;
            CHECK(wrong == 0);
            CHECK(blocks.load() == elementwise_parts(n));
            CHECK(elementwise_parts(n) <= static_cast<std::size_t>(threads));
        }
        // Big passes are split when there is a second thread; tiny ones never.
        CHECK(elementwise_parts(std::size_t{1} << 20) == static_cast<std::size_t>(threads));
        CHECK(elementwise_parts(100) == 1);
    }
}

TEST_CASE("gemm_split cuts the largest operand, in blocks that cover the split dimension") {
    set_compute_threads(2);
    // Forward of Linear(784, 256) at batch 64: C (64, 256) = X (64, 784) W^T; W (256 x 784) is the
    // largest, so the columns of C (rows of W) are split.
    GemmSplit s = gemm_split(64, 256, 784);
    CHECK(s.parts == 2);
    CHECK_FALSE(s.by_rows);
    CHECK(s.block == 128);
    // Its weight gradient: C (256, 784) = dY^T X with k = 64; C is the largest: rows, i.e. rows of W again.
    s = gemm_split(256, 784, 64);
    CHECK(s.parts == 2);
    CHECK(s.by_rows);
    CHECK(s.block == 128);
    // Batch 1: the same rows of W as above.
    s = gemm_split(1, 256, 784);
    CHECK(s.parts == 2);
    CHECK_FALSE(s.by_rows);
    s = gemm_split(256, 784, 1);
    CHECK(s.by_rows);
    // Too small to be worth a second thread.
    CHECK(gemm_split(32, 16, 16).parts == 1);
    set_compute_threads(1);
    CHECK(gemm_split(256, 784, 64).parts == 1);
}

// Split GEMMs take the same shape routes (gemv, the k = 1 loop, gemm) on
// each part as an unsplit one: batch-1 and batch-3 shapes of a 784-256 layer,
// split over two threads, against the loop engine.
TEST_CASE("gemm split over two threads: the batch-1 routes agree with the loop engine") {
    set_compute_threads(2);
    Rng rng(5);
    struct Case {
        std::size_t m, n, k;
        bool ta, tb;
    };
    const Case cases[] = {
        {1, 256, 784, false, true},                                // forward, X W^T
        {3, 256, 784, false, true},  {1, 784, 256, false, false},  // input gradient, dY W
        {256, 784, 1, true, false},                                // weight gradient, dY^T X
        {784, 1, 256, false, false},                               // one output column
    };
    for (const Case& c : cases) {
        CAPTURE(c.m);
        CAPTURE(c.n);
        CAPTURE(c.k);
        CHECK(gemm_split(c.m, c.n, c.k).parts == 2);
        const Matrix<float> a =
            c.ta ? test::random_matrix<float>(c.k, c.m, rng) : test::random_matrix<float>(c.m, c.k, rng);
        const Matrix<float> b =
            c.tb ? test::random_matrix<float>(c.n, c.k, rng) : test::random_matrix<float>(c.k, c.n, rng);
        for (float beta : {0.0f, 1.0f}) {
            CAPTURE(beta);
            Matrix<float> cv = test::random_matrix<float>(c.m, c.n, rng);
            if (beta == 0.0f) cv.fill(std::numeric_limits<float>::quiet_NaN());
            Matrix<float> cl = cv;
            vectorized_kernels<float>().gemm(c.ta, c.tb, 0.5f, a, b, beta, cv);
            loop_kernels<float>().gemm(c.ta, c.tb, 0.5f, a, b, beta, cl);
            VECNN_CHECK_CLOSE(cv, cl, test::engine_rtol<float>(double(c.k) + 1));
        }
    }
    set_compute_threads(1);
}
