// One run per --resume folder at a time: an advisory lock (flock) on
// <folder>/lock, held until the process ends (the kernel drops it even after
// kill -9, so a crashed run never leaves the folder locked). A second run on
// the same folder fails at once, naming the process that holds it.
#pragma once

#include <string>

namespace vecnn::cli {

class RunFolderLock {
public:
    // Creates the folder if need be, then takes the lock or throws CommandError.
    explicit RunFolderLock(const std::string& folder);
    ~RunFolderLock();
    RunFolderLock(const RunFolderLock&) = delete;
    RunFolderLock& operator=(const RunFolderLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace vecnn::cli
