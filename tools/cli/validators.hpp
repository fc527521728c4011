// Checks of option values, before CLI11 converts them: a number out of range
// is an error that says so, never a wrap-around ("-1" as 2^64 - 1) or a
// saturated value ("18446744073709551616" as 2^64 - 1).
#pragma once

#include <CLI/CLI.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

namespace vecnn::cli {

// A whole number written in decimal digits, from `min` to `max`.
inline CLI::Validator whole_number(std::uint64_t min, std::uint64_t max) {
    return CLI::Validator(
        [min, max](std::string& text) -> std::string {
            const std::string range = "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
            std::uint64_t v = 0;
            const char* end = text.data() + text.size();
            const auto r = std::from_chars(text.data(), end, v);
            if (text.empty() || text[0] == '-' || text[0] == '+' || r.ptr != end) {
                return "'" + text + "' is not " + range;
            }
            if (r.ec == std::errc::result_out_of_range || v < min || v > max) {
                return text + " is out of range: expected " + range;
            }
            return "";
        },
        "INT in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
}

// A finite number within [min, max].
inline CLI::Validator finite_number(double min, double max) {
    return CLI::Validator(
        [min, max](std::string& text) -> std::string {
            double v = 0;
            const char* end = text.data() + text.size();
            const auto r = std::from_chars(text.data(), end, v);
            if (text.empty() || r.ptr != end || r.ec != std::errc() || !std::isfinite(v)) {
                return "'" + text + "' is not a finite number";
            }
            if (v < min || v > max) return text + " is out of range: expected a number from " + CLI::detail::to_string(min) + " to " + CLI::detail::to_string(max);
            return "";
        },
        "NUMBER");
}

// A path (a file or folder to read or write) must not be empty.
inline CLI::Validator non_empty_path() {
    return CLI::Validator([](std::string& text) -> std::string { return text.empty() ? "the path is empty" : ""; },
                          "PATH");
}

}  // namespace vecnn::cli
