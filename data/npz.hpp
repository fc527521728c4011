// NumPy .npz archives: a zip file of "<key>.npy" members, as written by
// numpy.savez (members stored) and numpy.savez_compressed (deflated).
//
// Reading accepts both; keys come back in archive order. Every problem
// throws std::runtime_error naming the archive and, where it applies, the
// member ("m.npz (member '0.weight.npy'): truncated data ..."): not a zip,
// truncated archive, CRC error, a member that is not .npy, duplicate keys,
// and everything parse_npy rejects.
//
// Writing is atomic (data/file_io.hpp): the archive is built in memory,
// then a temporary file in the target's folder is written, fsync'ed and
// renamed over the target. A failed write leaves the old file untouched and
// no temporary behind.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "vecnn/data/npy.hpp"

namespace vecnn {

using NamedArrays = std::vector<std::pair<std::string, NpyArray>>;

enum class NpzCompression {
    stored,   // like numpy.savez: fastest, and what torch users usually get
    deflated  // like numpy.savez_compressed
};

NamedArrays read_npz(const std::string& path);
// The same from the bytes of a whole archive; `source` names it in errors.
NamedArrays parse_npz(std::vector<char> bytes, const std::string& source);

// Throws std::invalid_argument for an empty or duplicate key, or an array
// whose bytes do not match its shape and dtype (naming the key).
std::vector<char> encode_npz(const NamedArrays& arrays, NpzCompression compression = NpzCompression::stored);
void write_npz(const std::string& path, const NamedArrays& arrays, NpzCompression compression = NpzCompression::stored);

// The array called `key`, or nullptr.
const NpyArray* find_array(const NamedArrays& arrays, const std::string& key);

}  // namespace vecnn
