#include "vecnn/data/csv.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "vecnn/data/file_io.hpp"
#include "vecnn/tensor/limits.hpp"

namespace vecnn {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    return s;
}

std::vector<std::string_view> split(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = line.find(',', start);
        fields.push_back(trim(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return fields;
}

enum class Parsed { ok, not_a_number, out_of_range };

// Locale-independent (std::from_chars): "1.5" means the same under any LC_NUMERIC.
Parsed parse_number(std::string_view field, double& value, bool& integer) {
    const char* begin = field.data();
    const char* end = begin + field.size();
    if (begin != end && *begin == '+' && end - begin > 1 && begin[1] != '-' && begin[1] != '+') ++begin;
    if (begin == end) return Parsed::not_a_number;
    const auto [stop, ec] = std::from_chars(begin, end, value);
    if (stop != end) return Parsed::not_a_number;
    if (ec == std::errc::result_out_of_range) return Parsed::out_of_range;
    if (ec != std::errc()) return Parsed::not_a_number;
    const char* digits = begin + (*begin == '-' ? 1 : 0);
    integer = digits != end;
    for (const char* p = digits; p != end; ++p) integer = integer && *p >= '0' && *p <= '9';
    return Parsed::ok;
}

bool blank(std::string_view line) {
    for (char c : line) {
        if (c != ' ' && c != '\t' && c != '\r') return false;
    }
    return true;
}

}  // namespace

CsvTable read_csv(const std::string& path) {
    const std::vector<char> bytes = read_file(path);
    return parse_csv(bytes.data(), bytes.size(), path);
}

CsvTable parse_csv(const char* text, std::size_t size, const std::string& source) {
    CsvTable t;
    const std::string_view all(text, size);
    if (const void* nul = std::memchr(text, 0, size)) {
        const auto offset = static_cast<const char*>(nul) - text;
        throw std::runtime_error(source + ": binary data (a NUL byte at offset " + std::to_string(offset) +
                                 "), not CSV text");
    }
    // Parsed values take 8 bytes each (and 8 per row for the line numbers):
    // short fields ("0,") would take 4x their text; the input limit bounds that too.
    const std::uint64_t limit = max_input_bytes();
    // Spreadsheet exports often start with a UTF-8 byte-order mark; left in,
    // it would turn a first data row into a "header" and drop it silently.
    std::size_t pos = all.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
    std::size_t line_no = 0;
    std::size_t width_line = 0;  // the line that fixed the width, named when another differs
    bool first = true;
    auto where = [&](std::size_t column) {
        return source + ": line " + std::to_string(line_no) + ", column " + std::to_string(column) + ": ";
    };

    while (pos < all.size()) {
        std::size_t end = all.find('\n', pos);
        if (end == std::string_view::npos) end = all.size();
        const std::string_view line = all.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (blank(line)) continue;
        const std::vector<std::string_view> fields = split(line);

        if (first) {
            first = false;
            // A header has a field that is text; an empty field proves nothing
            // (pandas writes ",a,b" over an index column; "1,2," is a bad data row).
            bool text = false;
            for (std::string_view f : fields) {
                double v;
                bool integer;
                text = text || (!f.empty() && parse_number(f, v, integer) == Parsed::not_a_number);
            }
            if (text) {  // a header line: keep the names, fix the width
                for (std::string_view f : fields) t.header.emplace_back(f);
                t.cols = fields.size();
                width_line = line_no;
                continue;
            }
        }
        if (t.cols == 0) {
            t.cols = fields.size();
            width_line = line_no;
        } else if (fields.size() != t.cols) {
            throw std::runtime_error(source + ": line " + std::to_string(line_no) + " has " + std::to_string(fields.size()) +
                                     " columns, expected " + std::to_string(t.cols) + " (as line " +
                                     std::to_string(width_line) + ")");
        }
        for (std::size_t c = 0; c < fields.size(); ++c) {
            const std::string_view f = fields[c];
            if (f.empty()) throw std::runtime_error(where(c + 1) + "empty field");
            double v = 0;
            bool integer = false;
            switch (parse_number(f, v, integer)) {
                case Parsed::not_a_number: {
                    const bool other_separator = f.find_first_of(";\t") != std::string_view::npos;
                    throw std::runtime_error(where(c + 1) + "'" + std::string(f) + "' is not a number" +
                                             (other_separator ? " (fields must be separated by commas)" : ""));
                }
                case Parsed::out_of_range:
                    throw std::runtime_error(where(c + 1) + "'" + std::string(f) + "' is out of the range of float64");
                case Parsed::ok:
                    break;
            }
            if (std::isnan(v)) throw std::runtime_error(where(c + 1) + "NaN ('" + std::string(f) + "') is not allowed");
            if (std::isinf(v)) throw std::runtime_error(where(c + 1) + "infinity ('" + std::string(f) + "') is not allowed");
            t.integers = t.integers && integer;
            t.values.push_back(v);
        }
        t.lines.push_back(line_no);
        ++t.rows;
        if ((t.values.size() + t.lines.size()) * sizeof(double) > limit) {
            throw std::runtime_error(source + ": line " + std::to_string(line_no) + ": the values parsed so far take " +
                                     format_bytes((t.values.size() + t.lines.size()) * sizeof(double)) +
                                     ", more than the input limit of " + format_bytes(limit) +
                                     " (raise it with --max-input-bytes)");
        }
    }
    if (t.rows == 0) throw std::runtime_error(source + ": no data rows" + (t.header.empty() ? "" : " after the header line"));
    return t;
}

}  // namespace vecnn
