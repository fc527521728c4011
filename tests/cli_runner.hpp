// Runs the `vecnn` command line from a test and captures what it says.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace vecnn::test {

struct CommandResult {
    int status = -1;  // exit status; -1 if it did not exit normally (a crash)
    std::string out;
    std::string err;
};

// A fresh, empty temporary folder per call, removed by the destructor.
class TempDir {
public:
    explicit TempDir(const std::string& tag) {
        static int counter = 0;
        path_ = std::filesystem::temp_directory_path() /
                ("vecnn_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    std::string operator/(const std::string& name) const { return (path_ / name).string(); }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Runs `VECNN_CLI_PATH <args>` through the shell (args are quoted by the caller).
inline CommandResult run_vecnn(const std::string& args) {
    TempDir dir("cli");
    const std::string err_path = dir / "stderr";
    const std::string command = std::string("'") + VECNN_CLI_PATH + "' " + args + " 2>'" + err_path + "' </dev/null";
    CommandResult r;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return r;
    std::array<char, 4096> buf{};
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
    const int status = ::pclose(pipe);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.err = slurp(err_path);
    return r;
}

}  // namespace vecnn::test
