// Fixtures written by the tools/torch_*fixtures.py scripts, read without
// Python: "# comment" lines, "<key> <value>" options, and "array <name> <n>"
// followed by n numbers, one per line, written with enough digits to read
// back exactly.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "vecnn/tensor/matrix.hpp"

namespace vecnn::test {

struct Fixture {
    std::string path;
    std::map<std::string, std::string> options;
    std::map<std::string, std::vector<std::string>> arrays;  // numbers as written: parsed per dtype

    const std::string& option(const std::string& key) const {
        auto it = options.find(key);
        if (it == options.end()) throw std::runtime_error(path + ": no option " + key);
        return it->second;
    }
    double number(const std::string& key) const { return std::stod(option(key)); }
    bool has(const std::string& array) const { return arrays.count(array) != 0; }

    // Exact: strtod/strtof round correctly, and the file holds enough digits.
    template <class T>
    std::vector<T> values(const std::string& name) const {
        auto it = arrays.find(name);
        if (it == arrays.end()) throw std::runtime_error(path + ": no array " + name);
        std::vector<T> out;
        for (const std::string& text : it->second) {
            char* end = nullptr;
            const T v = std::is_same<T, double>::value ? static_cast<T>(std::strtod(text.c_str(), &end))
                                                       : static_cast<T>(std::strtof(text.c_str(), &end));
            if (end != text.c_str() + text.size()) throw std::runtime_error(path + ": bad number " + text);
            out.push_back(v);
        }
        return out;
    }
};

inline Fixture load_fixture(const std::string& folder, const std::string& name) {
    Fixture f;
    f.path = std::string(VECNN_TEST_DATA_DIR) + "/" + folder + "/" + name;
    std::ifstream in(f.path);
    if (!in) throw std::runtime_error("cannot open " + f.path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream words(line);
        std::string key, value;
        words >> key >> value;
        if (key != "array") {
            f.options[key] = value;
            continue;
        }
        std::size_t count = 0;
        words >> count;
        std::vector<std::string>& numbers = f.arrays[value];
        for (std::size_t i = 0; i < count; ++i) {
            if (!std::getline(in, line)) throw std::runtime_error(f.path + ": array " + value + " is truncated");
            numbers.push_back(line);
        }
    }
    return f;
}

// The fixture files' dtype suffix: "f64" or "f32".
template <class T>
const char* suffix() {
    return std::is_same<T, double>::value ? "f64" : "f32";
}

// A fixture array as a (rows, cols) matrix.
template <class T>
Matrix<T> matrix_of(const std::vector<T>& values, std::size_t rows, std::size_t cols) {
    if (values.size() != rows * cols) {
        throw std::runtime_error("fixture: " + std::to_string(values.size()) + " values for a (" +
                                 std::to_string(rows) + ", " + std::to_string(cols) + ") matrix");
    }
    Matrix<T> m = Matrix<T>::from_shape({rows, cols});
    std::copy(values.begin(), values.end(), m.data());
    return m;
}

}  // namespace vecnn::test
