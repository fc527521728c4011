// InputFile: one input file read once, from its start, within the limits of
// tensor/limits.hpp. Every reader of vecnn goes through it, so every format
// gets the same guarantees:
//   - a regular file larger than max_input_bytes() is refused before a byte
//     is read; a stream without a length (pipe, FIFO, device, "-" for stdin)
//     is read up to that limit and refused past it, naming the file and the
//     limit;
//   - a pipe or FIFO that sends nothing for input_wait_seconds() is an error,
//     never a hang (a FIFO with no writer included);
//   - the first bytes can be looked at (to tell the format) without being
//     lost, so a pipe is read once and works like a file;
//   - a directory, socket or block device is refused by name.
// Errors are std::runtime_error whose message starts with the path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vecnn {

class InputFile {
public:
    // Opens `path` ("-": standard input). Throws if it cannot be opened or is
    // not something a file can be read from.
    explicit InputFile(std::string path);
    ~InputFile();
    InputFile(const InputFile&) = delete;
    InputFile& operator=(const InputFile&) = delete;

    const std::string& path() const { return path_; }
    // A regular file: its size is known before reading.
    bool has_size() const { return regular_; }
    std::uint64_t size() const { return size_; }

    // The first n bytes (fewer if the file is shorter), read now if need be
    // and kept for the reads below.
    const std::vector<char>& peek(std::size_t n);
    // The next n bytes after what was consumed (fewer at the end of the file).
    std::vector<char> read(std::size_t n);
    // Everything not yet consumed, within max_input_bytes() for the whole file.
    std::vector<char> read_rest();
    // Whether the file has no byte left after what was consumed.
    bool at_end();

    // Throws unless `bytes` (what the file's own header asks to hold in
    // memory, `what` naming it) fits in max_input_bytes().
    void require_within_limit(std::uint64_t bytes, const std::string& what) const;

private:
    // Appends up to n more bytes to buffer_; returns how many came.
    std::size_t fill(std::size_t n);
    void wait_readable();
    [[noreturn]] void fail(const std::string& what) const;

    std::string path_;
    int fd_ = -1;
    bool regular_ = false;
    bool stream_ = false;  // pipe, FIFO, terminal or socket-like: reads may wait
    bool fifo_ = false;
    std::uint64_t size_ = 0;
    std::uint64_t taken_ = 0;   // bytes read from the file so far
    std::vector<char> buffer_;  // read but not consumed, from consumed_ on
    std::size_t consumed_ = 0;  // bytes of buffer_ already handed out
    bool eof_ = false;
};

// The whole file (read_rest of a new InputFile).
std::vector<char> read_whole_file(const std::string& path);

}  // namespace vecnn
