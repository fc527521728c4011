#include "vecnn/nn/communicator.hpp"

#include <cstring>
#include <stdexcept>

namespace vecnn {

void require_same_on_all_ranks(Communicator& comm, std::uint64_t value, const std::string& what) {
    const std::vector<std::uint64_t> all = comm.allgather(value);
    bool same = true;
    for (std::uint64_t v : all) same = same && v == all[0];
    if (same) return;
    std::string message = what + " differs between ranks:";
    for (std::size_t r = 0; r < all.size(); ++r) {
        message += (r ? ", rank " : " rank ") + std::to_string(r) + " has " + std::to_string(all[r]);
    }
    throw std::invalid_argument(message);
}

void broadcast_string(Communicator& comm, std::string& text, std::size_t root) {
    std::uint64_t length = text.size();
    comm.broadcast(&length, sizeof length, root);
    text.resize(static_cast<std::size_t>(length));
    if (length > 0) comm.broadcast(text.data(), text.size(), root);
}

std::uint64_t fingerprint(const void* data, std::size_t bytes, std::uint64_t seed) {
    constexpr std::uint64_t prime = 1099511628211ull;
    std::uint64_t h = 14695981039346656037ull ^ seed;
    const auto* p = static_cast<const unsigned char*>(data);
    std::size_t i = 0;
    for (; i + 8 <= bytes; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, p + i, 8);
        h = (h ^ word) * prime;
        h ^= h >> 29;  // FNV alone mixes high bits poorly word-wise
    }
    for (; i < bytes; ++i) h = (h ^ p[i]) * prime;
    return h ^ (bytes * prime);
}

}  // namespace vecnn
