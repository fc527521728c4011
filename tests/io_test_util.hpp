// Helpers for the file-format suites (npy, npz, checkpoint, dataset): a
// temporary folder removed at the end of the test, raw file access to build
// corrupt inputs, and a check that an error message names everything it should.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace vecnn::test {

struct TempDir {
    std::string path;
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "vecnn-io-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        path = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string operator/(const std::string& name) const { return path + "/" + name; }

    // Names of everything in the folder, sorted: proves no temporary was left behind.
    std::vector<std::string> entries() const {
        std::vector<std::string> names;
        for (const auto& e : std::filesystem::directory_iterator(path)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
};

inline void write_bytes(const std::string& path, const std::vector<char>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(out.good());
}

inline void write_text(const std::string& path, const std::string& text) {
    write_bytes(path, std::vector<char>(text.begin(), text.end()));
}

inline std::vector<char> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The message of the exception `f` throws, or "" (and a failed check) if it does not.
template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    FAIL_CHECK("expected an exception, none was thrown");
    return "";
}

// Checks that `message` contains every fragment, printing it when one is missing.
inline void check_mentions(const std::string& message, std::initializer_list<std::string> fragments) {
    INFO("message: " << message);
    for (const auto& f : fragments) {
        INFO("missing fragment: " << f);
        CHECK(message.find(f) != std::string::npos);
    }
}

}  // namespace vecnn::test
