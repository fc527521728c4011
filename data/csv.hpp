// Numeric CSV tables: comma-separated numbers, one sample per line, every row
// the same width. The first line is taken as a header when any of its fields
// is text (neither a number nor empty). Blank lines are skipped; CRLF line
// ends, spaces around fields, fields wrapped in double quotes and a leading
// UTF-8 byte-order mark are accepted.
//
// Errors throw std::runtime_error naming the file, line and column (both
// 1-based, as an editor shows them): a field that is not a number, an empty
// field, a row of another width, NaN or Inf, a file without data rows.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace vecnn {

struct CsvTable {
    std::vector<std::string> header;  // column names, empty without a header line
    std::vector<double> values;       // rows * cols, row-major
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::vector<std::size_t> lines;  // the file line of each row, for error messages
    bool integers = true;            // every field was written as an integer ("3", not "3.0")
};

CsvTable read_csv(const std::string& path);
// Parses CSV text; `source` names it in errors.
CsvTable parse_csv(const char* text, std::size_t size, const std::string& source);

}  // namespace vecnn
