// How a command runs: alone, or as one rank of an MPI job (mpirun -np N).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>

#include "vecnn/nn/mpi_communicator.hpp"

namespace vecnn::cli {

// --distributed: run as a rank of an MPI job even where the launcher is not
// recognised from the environment.
void add_distributed_option(CLI::App& cmd, bool& distributed);

// The job's communicator when this process is one of several ranks (launched
// by mpirun, or --distributed); null when it runs alone. Throws CommandError
// when --distributed is asked of a build without MPI.
std::unique_ptr<MpiCommunicator> join_ranks(bool distributed);

// Runs `body`. On a rank of a job of two or more, an error is printed with
// the rank's number and ends every rank (MPI_Abort, non-zero exit): the
// others would otherwise wait for it forever in their next collective.
void run_as_rank(MpiCommunicator* comm, const std::function<void()>& body);

}  // namespace vecnn::cli
