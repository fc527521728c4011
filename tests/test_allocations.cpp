// Zero heap allocations in a steady-state training step (same shapes as the
// step before), on both engines, with 1 and 2 compute threads: every
// malloc of the program is counted (tools/cli/allocation_counter.cpp is
// linked into this test), so xtensor buffers, std containers and anything
// inside OpenBLAS are all seen.
#include <doctest/doctest.h>

#include <vector>

#include "vecnn/nn/adam.hpp"
#include "vecnn/nn/loss.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/nn/sgd.hpp"
#include "vecnn/nn/trainer.hpp"
#include "vecnn/tensor/precision.hpp"
#include "vecnn/tensor/random.hpp"
#include "vecnn/tensor/threads.hpp"
#include "tools/cli/allocation_counter.hpp"

using namespace vecnn;
using vecnn::cli::allocation_count;

namespace {

template <class T>
struct Setup {
    std::unique_ptr<Sequential<T>> model;
    Matrix<T> x;
    std::vector<std::int64_t> labels;
    Matrix<T> rows;
};

template <class T>
Setup<T> make_setup(const std::string& spec, std::size_t n, std::size_t in, std::size_t out,
                    const SampleShape& input_shape = {}) {
    Setup<T> s;
    s.model = build_model<T>(spec, 1, input_shape);
    Rng rng(2);
    s.x = Matrix<T>::from_shape({n, in});
    for (auto& v : s.x) v = static_cast<T>(rng.uniform(-1, 1));
    s.rows = Matrix<T>::from_shape({n, out});
    for (auto& v : s.rows) v = static_cast<T>(rng.uniform(-1, 1));
    for (std::size_t i = 0; i < n; ++i) s.labels.push_back(static_cast<std::int64_t>(rng.below(out)));
    return s;
}

// Allocations during epochs 2 and 3 of a Trainer run (epoch 1 sizes the buffers).
template <class T>
std::uint64_t trainer_allocations(const std::string& spec, std::size_t in, std::size_t out, Engine engine,
                                  const std::string& loss_name, bool adam, bool shuffle, std::size_t accumulate,
                                  const SampleShape& input_shape = {}) {
    auto s = make_setup<T>(spec, 96, in, out, input_shape);  // 96 rows, batch 32: every step has the same shape
    s.model->set_engine(engine);
    auto loss = make_loss<T>(loss_name);
    loss->set_engine(engine);
    std::unique_ptr<Optimizer<T>> opt;
    if (adam) {
        opt = std::make_unique<Adam<T>>(*s.model, AdamOptions{0.001});
    } else {
        opt = std::make_unique<SGD<T>>(*s.model, SgdOptions{0.01, 0.9, 0, 0.0001, true});
    }
    TrainOptions o;
    o.batch_size = 32;
    o.accumulate = accumulate;
    o.epochs = 3;
    o.shuffle = shuffle;
    Trainer<T> trainer(*s.model, *loss, *opt, o);
    std::uint64_t start = 0, end = 0;
    trainer.on_step = [&](const StepInfo& info) {
        if (info.step == 3) start = allocation_count();  // the last step of epoch 1
        end = allocation_count();
    };
    const auto view = loss_needs_rows(loss_name) ? DataSetView<T>::with_rows(s.x, s.rows)
                                                 : DataSetView<T>::with_labels(s.x, s.labels);
    trainer.fit(view);
    return end - start;
}

}  // namespace

TEST_CASE("the counter sees allocations, including xtensor's") {
    const std::uint64_t before = allocation_count();
    Matrix<float> m = Matrix<float>::from_shape({100, 100});
    m.fill(1.0f);
    std::vector<int> v(10);
    CHECK(allocation_count() >= before + 2);
    CHECK(m(0, 0) + static_cast<float>(v[0]) == 1.0f);
}

TEST_CASE("a steady-state training step allocates nothing: both engines, 1 and 2 threads") {
    for (int threads : {1, 2}) {
        set_compute_threads(threads);
        for (Engine engine : {Engine::vectorized, Engine::loop}) {
            for (bool adam : {false, true}) {
                for (bool shuffle : {false, true}) {
                    CAPTURE(threads);
                    CAPTURE(to_string(engine));
                    CAPTURE(adam);
                    CAPTURE(shuffle);
                    // Large enough that the vectorized GEMMs are split over the pool.
                    CHECK(trainer_allocations<float>("linear(784,256),relu,linear(256,10)", 784, 10, engine,
                                                     "cross-entropy", adam, shuffle, 1) == 0);
                    CHECK(trainer_allocations<float>("linear(2,16),tanh,linear(16,16),sigmoid,linear(16,2),softmax",
                                                     2, 2, engine, "mse", adam, shuffle, 1) == 0);
                    CHECK(trainer_allocations<double>("linear(8,16),relu,linear(16,4)", 8, 4, engine,
                                                      "cross-entropy", adam, shuffle, 4) == 0);
                    // The newer layers and losses.
                    CHECK(trainer_allocations<float>("linear(8,16),gelu,linear(16,4),log_softmax", 8, 4, engine,
                                                     "nll", adam, shuffle, 2) == 0);
                    CHECK(trainer_allocations<float>("linear(8,16),softplus,linear(16,16),leaky_relu,linear(16,4)",
                                                     8, 4, engine, "huber", adam, shuffle, 1) == 0);
                    // Convolution, pooling, dropout and flatten (im2col and col2im buffers and masks are kept).
                    CHECK(trainer_allocations<float>(
                              "conv2d(1,4,3,padding=1),relu,maxpool2d(2),dropout(0.3),conv2d(4,2,3,stride=2),flatten,"
                              "linear(2,3)",
                              64, 3, engine, "cross-entropy", adam, shuffle, 2, {1, 8, 8}) == 0);
                    for (const char* loss : {"bce-with-logits", "smooth-l1"}) {
                        CHECK(trainer_allocations<float>("linear(8,4)", 8, 4, engine, loss, adam, shuffle, 1) == 0);
                    }
                }
            }
        }
    }
}

TEST_CASE("bf16 matmuls: a steady-state step allocates nothing either (buffers for the rounded operands are kept)") {
    ScopedMatmulPrecision bf16(MatmulPrecision::bfloat16);
    for (int threads : {1, 2}) {
        set_compute_threads(threads);
        for (Engine engine : {Engine::vectorized, Engine::loop}) {
            CAPTURE(threads);
            CAPTURE(to_string(engine));
            CHECK(trainer_allocations<float>("linear(784,256),relu,linear(256,10)", 784, 10, engine, "cross-entropy",
                                             false, true, 1) == 0);
            CHECK(trainer_allocations<float>("conv2d(1,4,3,padding=1),relu,maxpool2d(2),flatten,linear(64,3)", 64, 3,
                                             engine, "cross-entropy", true, false, 2, {1, 8, 8}) == 0);
        }
    }
}

TEST_CASE("a training step whose batch shape changes does allocate (the counter is live)") {
    auto s = make_setup<float>("linear(8,16),relu,linear(16,4)", 64, 8, 4);
    CrossEntropy<float> loss;
    SGD<float> sgd(*s.model, SgdOptions{0.01});
    auto step = [&](std::size_t rows) {
        const ConstView<float> x(s.x.data(), rows, 8);
        s.model->zero_grad();
        loss.forward(s.model->forward(x), Targets<float>(s.labels.data(), rows));
        s.model->backward(loss.backward(), false);
        sgd.step();
    };
    step(32);
    const std::uint64_t before = allocation_count();
    step(32);
    CHECK(allocation_count() == before);
    step(16);
    CHECK(allocation_count() > before);
}
