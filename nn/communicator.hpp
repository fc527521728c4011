// Communicator: what data-parallel training needs from the processes it
// runs in (MPI ranks, nn/mpi_communicator.hpp): who am I, how many are we,
// sum these numbers everywhere, copy this from one rank to all, and "do we
// all hold the same thing?".
//
// Hand one to Trainer::set_communicator() and every rank trains its shard of
// each global batch; the gradients are summed with one allreduce per step,
// so every rank applies the same update (nn/trainer.hpp has the contract).
// A user can implement it over any transport; vecnn ships the MPI one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vecnn {

class Communicator {
public:
    virtual ~Communicator() = default;

    virtual std::size_t rank() const = 0;  // 0 .. size() - 1
    virtual std::size_t size() const = 0;  // processes taking part

    // In place: data[i] becomes the sum over ranks of data[i], on every rank.
    virtual void allreduce_sum(float* data, std::size_t n) = 0;
    virtual void allreduce_sum(double* data, std::size_t n) = 0;
    // Copies `bytes` bytes at `data` on rank `root` to `data` on every rank.
    virtual void broadcast(void* data, std::size_t bytes, std::size_t root) = 0;
    // Every rank's `value`, in rank order, on every rank.
    virtual std::vector<std::uint64_t> allgather(std::uint64_t value) = 0;
};

// Throws std::invalid_argument on every rank (all ranks reach the same
// verdict, so none is left waiting) unless every rank passed the same value:
// "<what> differs between ranks: rank 0 has <describe(v0)>, rank 1 has ...".
void require_same_on_all_ranks(Communicator& comm, std::uint64_t value, const std::string& what);

// Broadcasts a string from `root` (its length first, then its bytes).
void broadcast_string(Communicator& comm, std::string& text, std::size_t root);

// A 64-bit fingerprint of memory (FNV-1a over 8-byte words, then the tail):
// cheap enough to run over a whole data set at start-up, and changed by
// any flipped bit, so ranks can check that they read the same data.
std::uint64_t fingerprint(const void* data, std::size_t bytes, std::uint64_t seed = 0);

}  // namespace vecnn
