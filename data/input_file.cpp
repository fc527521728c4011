#include "vecnn/data/input_file.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vecnn/tensor/limits.hpp"

namespace vecnn {
namespace {
constexpr std::size_t kChunk = std::size_t{1} << 16;

std::string limit_hint() {
    return "the input limit of " + format_bytes(max_input_bytes()) + " (raise it with --max-input-bytes)";
}
}  // namespace

InputFile::InputFile(std::string path) : path_(std::move(path)) {
    if (path_.empty()) throw std::runtime_error("an input path is empty");
    if (path_ == "-") {
        fd_ = STDIN_FILENO;
    } else {
        // Non-blocking, so that opening a FIFO does not wait for a writer;
        // reads from streams wait in poll(), with a bound.
        fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd_ < 0) fail(std::string("cannot open: ") + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0) fail(std::string("cannot stat: ") + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) fail("it is a directory, not a file");
    if (S_ISBLK(st.st_mode)) fail("it is a block device, not a file");
    if (S_ISSOCK(st.st_mode)) fail("it is a socket, not a file");
    regular_ = S_ISREG(st.st_mode) && st.st_size > 0;  // /proc files report size 0: read them as streams
    stream_ = !S_ISREG(st.st_mode);
    fifo_ = S_ISFIFO(st.st_mode);
    size_ = regular_ ? static_cast<std::uint64_t>(st.st_size) : 0;
    if (regular_ && size_ > max_input_bytes()) {
        fail("the file has " + format_bytes(size_) + " (" + std::to_string(size_) + " bytes), more than " +
             limit_hint());
    }
}

InputFile::~InputFile() {
    if (fd_ > STDIN_FILENO) ::close(fd_);
}

void InputFile::fail(const std::string& what) const { throw std::runtime_error(path_ + ": " + what); }

void InputFile::require_within_limit(std::uint64_t bytes, const std::string& what) const {
    if (bytes > max_input_bytes()) {
        fail(what + " would take " + format_bytes(bytes) + ", more than " + limit_hint());
    }
}

void InputFile::wait_readable() {
    const double seconds = input_wait_seconds();
    pollfd p{fd_, POLLIN, 0};
    const int timeout_ms = static_cast<int>(std::min(seconds * 1000.0, 2.0e9));
    for (;;) {
        const int rc = ::poll(&p, 1, timeout_ms);
        if (rc > 0) return;  // data, end of file or an error: read() tells
        if (rc == 0) {
            fail("no data arrived for " + std::to_string(static_cast<long long>(std::ceil(seconds))) +
                 " s (a pipe or FIFO that nothing writes to?)");
        }
        if (errno != EINTR) fail(std::string("cannot wait for data: ") + std::strerror(errno));
    }
}

std::size_t InputFile::fill(std::size_t n) {
    std::size_t got = 0;
    // A FIFO read before any writer opened it reads as empty: wait (bounded)
    // for a writer's first data, or its close, instead.
    if (fifo_ && taken_ == 0 && !eof_ && n > 0) wait_readable();
    while (got < n && !eof_) {
        const std::size_t want = std::min(n - got, kChunk);
        const std::size_t old = buffer_.size();
        buffer_.resize(old + want);
        const ssize_t r = ::read(fd_, buffer_.data() + old, want);
        if (r < 0) {
            buffer_.resize(old);
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                wait_readable();
                continue;
            }
            fail(std::string("cannot read: ") + std::strerror(errno));
        }
        buffer_.resize(old + static_cast<std::size_t>(r));
        if (r == 0) {
            eof_ = true;
            break;
        }
        got += static_cast<std::size_t>(r);
        taken_ += static_cast<std::uint64_t>(r);
        if (taken_ > max_input_bytes()) {
            fail("the input goes on past " + format_bytes(max_input_bytes()) + ": " + limit_hint());
        }
    }
    return got;
}

const std::vector<char>& InputFile::peek(std::size_t n) {
    if (consumed_ > 0) {  // keep only what is not consumed, at the front
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_));
        consumed_ = 0;
    }
    if (buffer_.size() < n) fill(n - buffer_.size());
    return buffer_;
}

std::vector<char> InputFile::read(std::size_t n) {
    peek(n);
    const std::size_t take = std::min(n, buffer_.size());
    std::vector<char> out(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(take));
    consumed_ = take;
    return out;
}

std::vector<char> InputFile::read_rest() {
    peek(0);
    std::vector<char> out;
    out.swap(buffer_);
    if (regular_ && size_ > taken_) out.reserve(static_cast<std::size_t>(size_ - taken_) + out.size());
    // Reads straight into `out` (no second copy of a large file).
    buffer_.swap(out);
    while (!eof_) fill(kChunk * 16);
    out.swap(buffer_);
    buffer_.clear();
    return out;
}

bool InputFile::at_end() { return peek(1).empty(); }

std::vector<char> read_whole_file(const std::string& path) { return InputFile(path).read_rest(); }

}  // namespace vecnn
