#include "vecnn/data/file_io.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vecnn {
namespace {

std::string folder_of(const std::string& path) {
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

[[noreturn]] void fail(const std::string& path, const std::string& step, int err) {
    throw std::runtime_error("cannot write '" + path + "': " + step + ": " + std::strerror(err));
}

// Removes the temporary unless released: every early exit (throw) cleans up.
struct TempFile {
    std::string name;
    int fd = -1;
    bool keep = false;
    ~TempFile() {
        if (fd >= 0) ::close(fd);
        if (!keep && !name.empty()) ::unlink(name.c_str());
    }
};

}  // namespace

void write_file_atomically(const std::string& path, const void* data, std::size_t size) {
    if (path.empty()) throw std::runtime_error("cannot write a file with an empty path");
    static std::atomic<unsigned> counter{0};

    // Same folder as the target: rename() is only atomic within one file system.
    // O_EXCL with a pid+counter name instead of mkstemp so that the new file
    // gets the usual mode (0666 minus the umask), like any other file we write.
    TempFile tmp;
    for (int attempt = 0; tmp.fd < 0; ++attempt) {
        tmp.name = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
        tmp.fd = ::open(tmp.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (tmp.fd < 0) {
            const int err = errno;
            tmp.name.clear();  // not ours: never unlink it
            if (err != EEXIST || attempt > 100) fail(path, "cannot create a temporary file in '" + folder_of(path) + "'", err);
        }
    }

    const char* p = static_cast<const char*>(data);
    std::size_t left = size;
    while (left > 0) {
        const ssize_t n = ::write(tmp.fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(path, "writing the temporary file '" + tmp.name + "' failed", errno);
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    // Data on disk before the rename: otherwise a crash right after the rename
    // could leave the new name pointing at an empty or partial file.
    if (::fsync(tmp.fd) != 0) fail(path, "fsync of '" + tmp.name + "' failed", errno);
    const int fd = tmp.fd;
    tmp.fd = -1;
    if (::close(fd) != 0) fail(path, "closing '" + tmp.name + "' failed", errno);
    if (::rename(tmp.name.c_str(), path.c_str()) != 0) fail(path, "renaming '" + tmp.name + "' over it failed", errno);
    tmp.keep = true;

    // Make the rename itself durable. Best effort: some file systems refuse
    // fsync on a directory, and the new file is already complete either way.
    const int dir = ::open(folder_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        (void)::fsync(dir);
        ::close(dir);
    }
}

std::vector<char> read_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot open '" + path + "': " + std::strerror(errno));
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) throw std::runtime_error("cannot read '" + path + "': it is a directory");

    std::vector<char> bytes;
    if (st.st_size > 0) bytes.reserve(static_cast<std::size_t>(st.st_size));
    char chunk[1 << 16];
    for (;;) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error("cannot read '" + path + "': " + std::strerror(errno));
        }
        bytes.insert(bytes.end(), chunk, chunk + n);
    }
    return bytes;
}

}  // namespace vecnn
