#include "vecnn/tensor/limits.hpp"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace vecnn {
namespace {

std::uint64_t default_parameter_bytes() {
    const long pages = ::sysconf(_SC_PHYS_PAGES);
    const long page = ::sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return std::uint64_t{8} << 30;
    return static_cast<std::uint64_t>(pages) / 4 * 3 * static_cast<std::uint64_t>(page);
}

std::atomic<std::uint64_t> input_bytes{std::uint64_t{4} << 30};
std::atomic<double> wait_seconds{30.0};
std::atomic<std::uint64_t> parameter_bytes{default_parameter_bytes()};

}  // namespace

std::uint64_t max_input_bytes() { return input_bytes.load(); }

void set_max_input_bytes(std::uint64_t bytes) {
    if (bytes == 0) throw std::invalid_argument("the input limit must be at least 1 byte");
    input_bytes = bytes;
}

double input_wait_seconds() { return wait_seconds.load(); }

void set_input_wait_seconds(double seconds) {
    if (!(seconds > 0) || !std::isfinite(seconds)) {
        throw std::invalid_argument("the input wait must be a positive number of seconds");
    }
    wait_seconds = seconds;
}

std::uint64_t max_parameter_bytes() { return parameter_bytes.load(); }

void set_max_parameter_bytes(std::uint64_t bytes) {
    if (bytes == 0) throw std::invalid_argument("the parameter memory limit must be at least 1 byte");
    parameter_bytes = bytes;
}

std::string format_bytes(std::uint64_t bytes) {
    char buffer[32];
    const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024 && u < 6) {
        v /= 1024;
        ++u;
    }
    if (u == 0) {
        std::snprintf(buffer, sizeof buffer, "%llu bytes", static_cast<unsigned long long>(bytes));
    } else {
        // %.3g alone would print 1000..1023 as "1e+03"
        if (v < 999.5) {
            std::snprintf(buffer, sizeof buffer, "%.3g %s", v, units[u]);
        } else {
            std::snprintf(buffer, sizeof buffer, "%.0f %s", v, units[u]);
        }
    }
    return std::string(buffer);
}

}  // namespace vecnn
