// MpiCommunicator: the Communicator over MPI_COMM_WORLD.
//
// Construct one per process, before anything that may fail: it initialises
// MPI (unless the program already did) and finalises it when destroyed (if
// it initialised it). Under `mpirun -np N` each process is one rank; run
// alone, it is a single rank of one. An error on one rank leaves the others
// waiting in their next collective: catch it and call abort(), which ends
// every rank of the job with a non-zero exit (MPI_Abort).
//
// Built only when CMake found MPI (option VECNN_MPI); otherwise constructing
// one throws std::runtime_error saying so, and mpi_available() is false.
#pragma once

#include "vecnn/nn/communicator.hpp"

namespace vecnn {

class MpiCommunicator final : public Communicator {
public:
    MpiCommunicator();
    ~MpiCommunicator() override;
    MpiCommunicator(const MpiCommunicator&) = delete;
    MpiCommunicator& operator=(const MpiCommunicator&) = delete;

    std::size_t rank() const override { return rank_; }
    std::size_t size() const override { return size_; }
    void allreduce_sum(float* data, std::size_t n) override;
    void allreduce_sum(double* data, std::size_t n) override;
    void broadcast(void* data, std::size_t bytes, std::size_t root) override;
    std::vector<std::uint64_t> allgather(std::uint64_t value) override;
    void barrier();
    // A barrier that sleeps between polls instead of spinning, so a rank
    // that waits leaves its core to the ranks still working (benchmarks).
    void barrier_sleeping(double poll_seconds = 1e-3);
    // Ends every rank of the job (MPI_Abort) with exit status `code`.
    [[noreturn]] void abort(int code);

private:
    std::size_t rank_ = 0, size_ = 1;
    bool owns_mpi_ = false;
};

// True when this build of vecnn has MPI.
bool mpi_available();
// True when an MPI launcher (mpirun, mpiexec, srun) started this process:
// its environment names the job's size (OpenMPI, MPICH/Hydra, PMIx, Slurm).
bool launched_by_mpi();

}  // namespace vecnn
