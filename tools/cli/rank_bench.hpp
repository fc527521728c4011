// Times data-parallel training steps over the ranks of an MPI job: each
// rank runs forward and backward on its shard of the global batch, the
// gradients are summed with one allreduce, and every rank takes the same
// SGD step (what Trainer does with a communicator). In the same run, rank 0
// alone times the one-process step on the whole batch while the other
// ranks sleep, so the scaling is measured against the same machine state.
#pragma once

#include "tools/cli/step_bench.hpp"
#include "vecnn/nn/mpi_communicator.hpp"

namespace vecnn::cli {

struct RankBenchResult {
    std::string spec;
    std::size_t parameters = 0;
    std::size_t ranks = 0;
    std::vector<double> samples_per_s;         // the whole job's, one per repeat
    double median_samples_per_s = 0, min_samples_per_s = 0, max_samples_per_s = 0;
    std::vector<double> single_samples_per_s;  // one rank alone, whole batch
    double single_median_samples_per_s = 0, single_min_samples_per_s = 0, single_max_samples_per_s = 0;
    double step_us = 0;       // a distributed step at the median
    double allreduce_us = 0;  // of it, rank 0's median time in the gradient allreduce
    double delay_us = 0;      // of it, the injected delay per allreduce
    double compute_us = 0;    // the same step without the allreduce, all ranks at once
    // Of allreduce + delay, the part the step did not wait for: 1 - (step - compute) / (allreduce + delay).
    double hidden_fraction = 0;
    double allocs_per_step = 0;
    std::size_t steps = 0;    // distributed steps timed per repeat
};

// `delay_us`: sleep this long after each allreduce, as a slower network
// would take (the check of docs/scale-out.md's cost model).
RankBenchResult bench_ranks(const StepBenchConfig& config, MpiCommunicator& comm, double delay_us);

}  // namespace vecnn::cli
