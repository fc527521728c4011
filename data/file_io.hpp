// Whole-file I/O for the on-disk formats (.npy, .npz, CSV).
//
// Writing is an atomic replacement: the bytes go to a temporary file in the target's
// own folder, are flushed to disk (fsync), and the temporary is renamed over
// the target. rename() within one file system is atomic, so a reader (or a
// crash) sees either the old file whole or the new file whole, never a mix.
// A failure at any step removes the temporary and leaves the old file as it was.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace vecnn {

// Replaces `path` with `size` bytes from `data`. Throws std::runtime_error
// naming the path and the failing step, e.g. "cannot write 'out/m.npz': cannot
// create a temporary file in 'out': No such file or directory".
void write_file_atomically(const std::string& path, const void* data, std::size_t size);

// The whole content of `path`. Throws std::runtime_error naming the path and
// the reason ("cannot open 'x.npy': No such file or directory").
std::vector<char> read_file(const std::string& path);

}  // namespace vecnn
