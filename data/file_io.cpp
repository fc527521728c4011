#include "vecnn/data/file_io.hpp"

#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vecnn/data/input_file.hpp"

namespace vecnn {
namespace {

std::string folder_of(const std::string& path) {
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

std::string name_of(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

[[noreturn]] void fail(const std::string& path, const std::string& step, int err) {
    throw std::runtime_error("cannot write '" + path + "': " + step + ": " + std::strerror(err));
}

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
    throw std::runtime_error("cannot write '" + path + "': " + why);
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

void write_all(int fd, const void* data, std::size_t size, const std::string& path, const std::string& what) {
    const char* p = static_cast<const char*>(data);
    std::size_t left = size;
    while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(path, what, errno);
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

// A device or FIFO (standard output, /dev/null, a pipe someone reads): written
// to as it is, never replaced. A FIFO without a reader is an error, not a wait.
void write_in_place(const std::string& path, const void* data, std::size_t size) {
    const int fd = path == "-" ? STDOUT_FILENO : ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENXIO) refuse(path, "it is a FIFO that nothing reads from");
        fail(path, "cannot open it", errno);
    }
    struct Closer {
        int fd;
        ~Closer() {
            if (fd > STDERR_FILENO) ::close(fd);
        }
    } closer{fd};
    if (fd != STDOUT_FILENO) {
        const int flags = ::fcntl(fd, F_GETFL);
        if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);  // from here on, a slow reader is waited for
    }
    write_all(fd, data, size, path, "writing failed");
}

// The path a save really replaces: a symbolic link is followed (its target is
// replaced atomically, the link stays); a link to nowhere is refused.
std::string resolve_target(const std::string& path) {
    struct stat lst {};
    if (::lstat(path.c_str(), &lst) != 0 || !S_ISLNK(lst.st_mode)) return path;
    char resolved[PATH_MAX];
    if (::realpath(path.c_str(), resolved) == nullptr) {
        refuse(path, "it is a symbolic link to a file that does not exist (" + std::string(std::strerror(errno)) + ")");
    }
    return resolved;
}

// Temporaries "<name>.tmp.<pid>.<n>" left in `folder` by a save that was
// killed: those whose process no longer exists are removed.
void remove_stale_temporaries(const std::string& folder, const std::string& name) {
    DIR* dir = ::opendir(folder.c_str());
    if (dir == nullptr) return;  // the save itself will say what is wrong with the folder
    const std::string prefix = name + ".tmp.";
    while (const dirent* e = ::readdir(dir)) {
        const std::string entry = e->d_name;
        if (entry.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string rest = entry.substr(prefix.size());  // "<pid>.<n>"
        const std::size_t dot = rest.find('.');
        if (dot == 0 || dot == std::string::npos || rest.find_first_not_of("0123456789.") != std::string::npos) continue;
        const long pid = std::strtol(rest.substr(0, dot).c_str(), nullptr, 10);
        if (pid <= 0 || pid > INT_MAX) continue;
        if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to judge)
        ::unlink((folder + "/" + entry).c_str());
    }
    ::closedir(dir);
}

}  // namespace

void write_file_atomically(const std::string& path, const void* data, std::size_t size) {
    if (path.empty()) throw std::runtime_error("cannot write a file with an empty path");
    if (path == "-") return write_in_place(path, data, size);
    // /dev/stdout, /dev/fd/N, /proc/self/fd/N name an open file of this process:
    // write into it (whatever it is, a redirect included), never rename over it.
    if (path.rfind("/dev/", 0) == 0 || path.rfind("/proc/", 0) == 0) return write_in_place(path, data, size);
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) return write_in_place(path, data, size);
        if (S_ISDIR(st.st_mode)) refuse(path, "it is a directory");
        refuse(path, "it is neither a regular file, a character device nor a FIFO");
    }
    const std::string target = resolve_target(path);
    static std::atomic<unsigned> counter{0};
    remove_stale_temporaries(folder_of(target), name_of(target));

    // Same folder as the target: rename() is only atomic within one file system.
    // O_EXCL with a pid+counter name instead of mkstemp so that the new file
    // gets the usual mode (0666 minus the umask), like any other file we write.
    TempFile tmp;
    for (int attempt = 0; tmp.fd < 0; ++attempt) {
        tmp.name = target + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
        tmp.fd = ::open(tmp.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (tmp.fd < 0) {
            const int err = errno;
            tmp.name.clear();  // not ours: never unlink it
            if (err != EEXIST || attempt > 100) fail(path, "cannot create a temporary file in '" + folder_of(target) + "'", err);
        }
    }

    write_all(tmp.fd, data, size, path, "writing the temporary file '" + tmp.name + "' failed");
    // Data on disk before the rename: otherwise a crash right after the rename
    // could leave the new name pointing at an empty or partial file.
    if (::fsync(tmp.fd) != 0) fail(path, "fsync of '" + tmp.name + "' failed", errno);
    const int fd = tmp.fd;
    tmp.fd = -1;
    if (::close(fd) != 0) fail(path, "closing '" + tmp.name + "' failed", errno);
    if (::rename(tmp.name.c_str(), target.c_str()) != 0) fail(path, "renaming '" + tmp.name + "' over it failed", errno);
    tmp.keep = true;

    // Make the rename itself durable. Best effort: some file systems refuse
    // fsync on a directory, and the new file is already complete either way.
    const int dir = ::open(folder_of(target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        (void)::fsync(dir);
        ::close(dir);
    }
}

std::vector<char> read_file(const std::string& path) { return read_whole_file(path); }

}  // namespace vecnn
