#include "tools/cli/run_folder_lock.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "tools/cli/commands.hpp"

namespace vecnn::cli {

RunFolderLock::RunFolderLock(const std::string& folder) {
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) throw CommandError("--resume " + folder + ": cannot create the folder: " + ec.message());
    const std::string path = (std::filesystem::path(folder) / "lock").string();
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd_ < 0) throw CommandError("--resume " + folder + ": cannot open " + path + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        char holder[32] = {};
        const ssize_t n = ::pread(fd_, holder, sizeof holder - 1, 0);
        ::close(fd_);
        fd_ = -1;
        if (err == EWOULDBLOCK) {
            std::string pid = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : "";
            while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
            throw CommandError("--resume " + folder + ": another run is using this folder" +
                               (pid.empty() ? "" : " (process " + pid + ")") +
                               "; wait for it to finish or give this run its own folder");
        }
        throw CommandError("--resume " + folder + ": cannot lock " + path + ": " + std::strerror(err));
    }
    // Who holds it, for the message another run gets.
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0) (void)::pwrite(fd_, pid.data(), pid.size(), 0);
}

RunFolderLock::~RunFolderLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
}

}  // namespace vecnn::cli
