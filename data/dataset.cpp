#include "vecnn/data/dataset.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "vecnn/data/csv.hpp"
#include "vecnn/data/idx.hpp"
#include "vecnn/data/file_io.hpp"
#include "vecnn/data/npy.hpp"
#include "vecnn/data/npy_matrix.hpp"

namespace vecnn {
namespace {

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

bool ends_with(const std::string& s, const char* suffix) {
    const std::size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

struct Loaded {
    bool is_npy = false;
    NpyArray npy;
    CsvTable csv;
};

// Chooses the format from the content first, so a .npy saved under another
// name still loads, and a file named .npy that is not one says so.
Loaded load_any(const std::string& path) {
    std::vector<char> bytes = read_file(path);
    Loaded l;
    const bool magic = bytes.size() >= 6 && std::memcmp(bytes.data(), "\x93NUMPY", 6) == 0;
    if (magic || ends_with(path, ".npy")) {
        l.is_npy = true;
        l.npy = parse_npy(std::move(bytes), path);
        if (l.npy.ndim() != 1 && l.npy.ndim() != 2) {
            throw std::runtime_error(path + ": expected a 1-d or 2-d array, found shape " + shape_string(l.npy.shape));
        }
        if (l.npy.shape[0] == 0 || (l.npy.ndim() == 2 && l.npy.shape[1] == 0)) {
            throw std::runtime_error(path + ": the array is empty (shape " + shape_string(l.npy.shape) + ")");
        }
        return l;
    }
    if (ends_with(path, ".npz")) {
        throw std::runtime_error(path + ": a .npz archive is not a data file; save features and targets as separate .npy files");
    }
    l.csv = parse_csv(bytes.data(), bytes.size(), path);
    return l;
}

std::string npy_index(const NpyArray& a, std::size_t flat) {
    if (a.ndim() == 1) return "[" + std::to_string(flat) + "]";
    return "[" + std::to_string(flat / a.shape[1]) + ", " + std::to_string(flat % a.shape[1]) + "]";
}

// The array as a matrix of T, every value finite.
template <class T>
Matrix<T> finite_matrix(const NpyArray& a, const std::string& path) {
    Matrix<T> m = to_matrix<T>(a);  // converts; a float64 beyond float32's range throws naming the element
    for (std::size_t i = 0; i < m.size(); ++i) {
        const T v = m.data()[i];
        if (std::isnan(v)) throw std::runtime_error(path + ": element " + npy_index(a, i) + " is NaN");
        if (std::isinf(v)) throw std::runtime_error(path + ": element " + npy_index(a, i) + " is infinite");
    }
    return m;
}

template <class T>
Matrix<T> csv_matrix(const CsvTable& t, const std::string& path) {
    Matrix<T> m = Matrix<T>::from_shape({t.rows, t.cols});
    for (std::size_t i = 0; i < t.values.size(); ++i) {
        const double v = t.values[i];
        // parse_csv already rejected NaN/Inf; only float's smaller range remains.
        if (std::fabs(v) > static_cast<double>(std::numeric_limits<T>::max())) {
            throw std::runtime_error(path + ": line " + std::to_string(t.lines[i / t.cols]) + ", column " +
                                     std::to_string(i % t.cols + 1) + ": value " + number(v) +
                                     " is out of the range of float32");
        }
        m.data()[i] = static_cast<T>(v);
    }
    return m;
}

void require_non_negative(const std::vector<std::int64_t>& labels, const std::string& path, const NpyArray& a) {
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] < 0) {
            throw std::runtime_error(path + ": label " + std::to_string(labels[i]) + " at element " + npy_index(a, i) +
                                     " is negative (class indices start at 0)");
        }
    }
}

}  // namespace

template <class T>
Matrix<T> load_features(const std::string& path) {
    if (is_idx_file(path)) return load_idx_images<T>(path);  // MNIST IDX, by content, gzipped or not
    const Loaded l = load_any(path);
    if (l.is_npy) return finite_matrix<T>(l.npy, path);
    return csv_matrix<T>(l.csv, path);
}

template <class T>
TargetData<T> load_targets(const std::string& path) {
    TargetData<T> t;
    if (is_idx_file(path)) {  // MNIST IDX labels, by content, gzipped or not
        t.is_labels = true;
        t.labels = load_idx_labels(path);
        return t;
    }
    const Loaded l = load_any(path);
    if (l.is_npy) {
        const NpyArray& a = l.npy;
        const bool one_column = a.ndim() == 1 || a.shape[1] == 1;
        if (is_integer_dtype(a.dtype) && one_column) {
            t.is_labels = true;
            t.labels = to_labels(a);
            require_non_negative(t.labels, path, a);
        } else {
            t.rows = finite_matrix<T>(a, path);
        }
        return t;
    }

    const CsvTable& c = l.csv;
    if (c.cols == 1 && c.integers) {
        t.is_labels = true;
        t.labels.resize(c.rows);
        for (std::size_t i = 0; i < c.rows; ++i) {
            const double v = c.values[i];
            // Integers beyond 2^53 were rounded when parsed; no class count comes near.
            if (std::fabs(v) >= 0x1p53) {
                throw std::runtime_error(path + ": line " + std::to_string(c.lines[i]) + ": label " + number(v) +
                                         " is too large");
            }
            if (v < 0) {
                throw std::runtime_error(path + ": line " + std::to_string(c.lines[i]) + ": label " +
                                         std::to_string(static_cast<std::int64_t>(v)) +
                                         " is negative (class indices start at 0)");
            }
            t.labels[i] = static_cast<std::int64_t>(v);
        }
        return t;
    }
    t.rows = csv_matrix<T>(c, path);
    return t;
}

void check_label_range(const std::vector<std::int64_t>& labels, std::size_t classes, const std::string& source) {
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] < 0 || static_cast<std::uint64_t>(labels[i]) >= classes) {
            throw std::runtime_error(source + ": label " + std::to_string(labels[i]) + " of sample " + std::to_string(i) +
                                     " is out of range for " + std::to_string(classes) + " classes (valid: 0.." +
                                     std::to_string(classes == 0 ? 0 : classes - 1) + ")");
        }
    }
}

template Matrix<float> load_features<float>(const std::string&);
template Matrix<double> load_features<double>(const std::string&);
template TargetData<float> load_targets<float>(const std::string&);
template TargetData<double> load_targets<double>(const std::string&);

}  // namespace vecnn
