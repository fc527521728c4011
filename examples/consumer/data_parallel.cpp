// Data-parallel training from C++: the same program runs alone or as N MPI
// ranks (mpirun -np N data_parallel). Each rank trains its shard of every
// batch; the gradients are summed over the ranks, so every rank takes the
// same step, and 2 ranks end with the parameters of one process that
// accumulates 2 micro-batches, bit for bit. Rank 0 reports and saves.
// Usage: data_parallel [OUT.npz] [ACCUMULATE]
#include <vecnn/vecnn.hpp>

#include <cstdio>
#include <memory>
#include <string>

int main(int argc, char** argv) {
    using namespace vecnn;
    std::unique_ptr<MpiCommunicator> comm;  // initialises MPI; first, so that errors can end every rank
    if (launched_by_mpi()) comm = std::make_unique<MpiCommunicator>();
    try {
        const ClassificationData<float> data = make_spirals<float>(200, 1.5, 0.02, 1);
        const auto view = DataSetView<float>::with_labels(data.x, data.labels);
        auto model = build_model<float>("linear(2,64),tanh,linear(64,64),tanh,linear(64,2)", /*seed=*/1);
        CrossEntropy<float> loss;
        Adam<float> adam(*model, AdamOptions{0.01});
        TrainOptions options;
        options.batch_size = 32;  // the global batch: each of N ranks trains 32 / N rows of it
        options.epochs = 60;
        options.seed = 1;
        options.accumulate = argc > 2 ? std::stoul(argv[2]) : 1;
        Trainer<float> trainer(*model, loss, adam, options);
        trainer.set_communicator(comm.get());  // the one extra line (null: one process)
        trainer.fit(view);
        const bool lead = !comm || comm->rank() == 0;
        if (lead) {
            const Evaluation result = trainer.evaluate(view);
            std::printf("%zu rank(s): loss %.6f  accuracy %.2f%%\n", comm ? comm->size() : 1, result.loss,
                        100 * result.accuracy);
            if (argc > 1) save_parameters(*model, argv[1]);
            if (result.accuracy < 0.95) return 1;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "data_parallel: error: %s\n", e.what());
        if (comm) comm->abort(1);  // the other ranks would wait for this one forever
        return 1;
    }
    return 0;
}
