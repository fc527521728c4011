#include "vecnn/nn/mpi_communicator.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#ifdef VECNN_WITH_MPI
#include <mpi.h>
#endif

namespace vecnn {

bool launched_by_mpi() {
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"}) {
        if (std::getenv(name)) return true;
    }
    return false;
}

#ifdef VECNN_WITH_MPI

namespace {
// MPI counts are ints: larger buffers go in pieces.
constexpr std::size_t kMaxPiece = static_cast<std::size_t>(INT_MAX);

void check(int status, const char* call) {
    if (status == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(status, text, &length);
    throw std::runtime_error(std::string("MPI: ") + call + " failed: " + std::string(text, length));
}

template <class T>
void allreduce_in_pieces(T* data, std::size_t n, MPI_Datatype type) {
    for (std::size_t done = 0; done < n;) {
        const std::size_t piece = std::min(kMaxPiece, n - done);
        check(MPI_Allreduce(MPI_IN_PLACE, data + done, static_cast<int>(piece), type, MPI_SUM, MPI_COMM_WORLD),
              "MPI_Allreduce");
        done += piece;
    }
}
}  // namespace

bool mpi_available() { return true; }

MpiCommunicator::MpiCommunicator() {
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (!initialised) {
        // Only the thread that called fit() talks to MPI; vecnn's compute
        // workers never do.
        int provided = 0;
        check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
        owns_mpi_ = true;
    }
    // Errors come back as codes (and then exceptions) instead of ending the job silently.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    rank_ = static_cast<std::size_t>(rank);
    size_ = static_cast<std::size_t>(size);
}

MpiCommunicator::~MpiCommunicator() {
    if (!owns_mpi_) return;
    int finalised = 0;
    MPI_Finalized(&finalised);
    if (!finalised) MPI_Finalize();
}

void MpiCommunicator::allreduce_sum(float* data, std::size_t n) { allreduce_in_pieces(data, n, MPI_FLOAT); }
void MpiCommunicator::allreduce_sum(double* data, std::size_t n) { allreduce_in_pieces(data, n, MPI_DOUBLE); }

void MpiCommunicator::broadcast(void* data, std::size_t bytes, std::size_t root) {
    auto* p = static_cast<char*>(data);
    for (std::size_t done = 0; done < bytes;) {
        const std::size_t piece = std::min(kMaxPiece, bytes - done);
        check(MPI_Bcast(p + done, static_cast<int>(piece), MPI_BYTE, static_cast<int>(root), MPI_COMM_WORLD),
              "MPI_Bcast");
        done += piece;
    }
}

std::vector<std::uint64_t> MpiCommunicator::allgather(std::uint64_t value) {
    std::vector<std::uint64_t> all(size_);
    check(MPI_Allgather(&value, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD), "MPI_Allgather");
    return all;
}

void MpiCommunicator::barrier() { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

void MpiCommunicator::barrier_sleeping(double poll_seconds) {
    MPI_Request request;
    check(MPI_Ibarrier(MPI_COMM_WORLD, &request), "MPI_Ibarrier");
    for (int done = 0;;) {
        check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
        if (done) return;
        std::this_thread::sleep_for(std::chrono::duration<double>(poll_seconds));
    }
}

void MpiCommunicator::abort(int code) {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);  // MPI_Abort does not return; this is for the compiler
}

#else  // built without MPI

namespace {
[[noreturn]] void no_mpi() {
    throw std::runtime_error(
        "this vecnn was built without MPI: install Debian's libopenmpi-dev and openmpi-bin and rebuild "
        "(tools/setup.sh does), with -DVECNN_MPI=ON");
}
}  // namespace

bool mpi_available() { return false; }
MpiCommunicator::MpiCommunicator() { no_mpi(); }
MpiCommunicator::~MpiCommunicator() = default;
void MpiCommunicator::allreduce_sum(float*, std::size_t) { no_mpi(); }
void MpiCommunicator::allreduce_sum(double*, std::size_t) { no_mpi(); }
void MpiCommunicator::broadcast(void*, std::size_t, std::size_t) { no_mpi(); }
std::vector<std::uint64_t> MpiCommunicator::allgather(std::uint64_t) { no_mpi(); }
void MpiCommunicator::barrier() { no_mpi(); }
void MpiCommunicator::barrier_sleeping(double) { no_mpi(); }
void MpiCommunicator::abort(int code) { std::_Exit(code); }

#endif

}  // namespace vecnn
