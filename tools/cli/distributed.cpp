#include "tools/cli/distributed.hpp"

#include <cstdio>
#include <exception>
#include <new>

#include "tools/cli/commands.hpp"

namespace vecnn::cli {

void add_distributed_option(CLI::App& cmd, bool& distributed) {
    cmd.add_flag("--distributed", distributed,
                 "run as one rank of an MPI job (mpirun -np N vecnn ...; detected from mpirun's environment "
                 "without this flag)");
}

std::unique_ptr<MpiCommunicator> join_ranks(bool distributed) {
    if (!distributed && !launched_by_mpi()) return nullptr;
    if (!mpi_available()) {
        // Never N independent runs writing the same files.
        throw CommandError(std::string(distributed ? "--distributed" : "started by an MPI launcher") +
                           ", but this vecnn was built without MPI (install libopenmpi-dev and rebuild)");
    }
    auto comm = std::make_unique<MpiCommunicator>();
    if (comm->size() < 2) return nullptr;
    return comm;
}

void run_as_rank(MpiCommunicator* comm, const std::function<void()>& body) {
    if (!comm) {
        body();
        return;
    }
    const char* what = nullptr;
    std::string text;
    try {
        body();
        return;
    } catch (const std::bad_alloc&) {
        what = "out of memory (an input or a model too large for this machine?)";
    } catch (const std::exception& e) {
        text = e.what();
        what = text.c_str();
    }
    std::fprintf(stderr, "vecnn: error: rank %zu of %zu: %s\n", comm->rank(), comm->size(), what);
    std::fflush(stderr);
    comm->abort(1);
}

}  // namespace vecnn::cli
