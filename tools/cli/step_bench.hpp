// Times training steps of a model spec at a batch size on one engine:
// forward, softmax cross-entropy (mean), backward, SGD update (lr 0.01,
// momentum 0.9 unless set),
// on a fixed random batch in float32. Also times, in the same run, the
// step's GEMM calls alone (same shapes, flags and threads, nothing else):
// the BLAS-only bound the step can approach.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vecnn/nn/layer.hpp"
#include "vecnn/tensor/matrix.hpp"

namespace vecnn::cli {

struct StepBenchConfig {
    std::string spec;       // model spec (nn/model_spec.hpp), e.g. "784-256-10" for a ReLU MLP
    SampleShape input_shape;  // (C, H, W) for a model with conv2d or maxpool2d; else empty
    std::size_t batch = 64;
    Engine engine = Engine::vectorized;
    double seconds = 2.0;   // timed budget, split over the repeats
    std::size_t repeats = 5;
    std::uint64_t seed = 0;
    double momentum = 0.9;  // of the SGD update; 0: plain SGD (torch.optim.SGD's default)
};

struct StepBenchResult {
    std::string spec;                     // the model as built, in the long form
    std::vector<double> samples_per_s;    // one per repeat
    double median_samples_per_s = 0, min_samples_per_s = 0, max_samples_per_s = 0;
    double step_us = 0;                   // at the median
    double gemm_us = 0;                   // median GEMM-only time of one step
    double gemm_bound_samples_per_s = 0;  // batch / gemm time
    double allocs_per_step = 0;           // heap allocations per timed step
    double step_flops = 0;                // floating-point operations of the step's GEMMs (2 m n k each)
    std::size_t steps = 0;                // timed steps, all repeats
    std::size_t parameters = 0;
};

StepBenchResult bench_steps(const StepBenchConfig& config);

double median(std::vector<double> values);

}  // namespace vecnn::cli
