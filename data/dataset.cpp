#include "vecnn/data/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "vecnn/data/csv.hpp"
#include "vecnn/data/idx.hpp"
#include "vecnn/data/file_io.hpp"
#include "vecnn/data/input_file.hpp"
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

// A NUL byte in the first bytes: binary data (an image, /dev/zero,
// /dev/urandom), which no CSV text holds.
void require_text(const std::vector<char>& head, const std::string& path) {
    const void* nul = std::memchr(head.data(), 0, head.size());
    if (nul != nullptr) {
        const auto offset = static_cast<const char*>(nul) - head.data();
        throw std::runtime_error(path + ": binary data (a NUL byte at offset " + std::to_string(offset) +
                                 "), not CSV text; vecnn reads .npy, CSV and MNIST IDX (plain or gzip)");
    }
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

DataFile::DataFile(const std::string& path) : path_(path), in_(std::make_unique<InputFile>(path)) {
    // The format follows the content first, so a .npy saved under another
    // name still loads, and a file named .npy that is not one says so.
    if (is_idx_file(*in_)) {  // MNIST IDX, gzipped or not
        format_ = Format::idx;
        IdxHeader h;
        if (peek_idx_header(*in_, h)) {
            rows_ = h.count;
            cols_ = h.images ? h.rows * h.cols : 1;
        }
        return;
    }
    const std::vector<char>& head = in_->peek(1 << 16);
    const bool magic = head.size() >= 6 && std::memcmp(head.data(), "\x93NUMPY", 6) == 0;
    if (magic || ends_with(path, ".npy")) {
        format_ = Format::npy;
        const std::size_t header_size = npy_header_size(head.data(), head.size(), path);
        const NpyHeader h = parse_npy_header(in_->peek(header_size).data(), in_->peek(header_size).size(), path);
        if (h.shape.size() != 1 && h.shape.size() != 2) {
            throw std::runtime_error(path + ": expected a 1-d or 2-d array, found shape " + shape_string(h.shape));
        }
        if (h.shape[0] == 0 || (h.shape.size() == 2 && h.shape[1] == 0)) {
            throw std::runtime_error(path + ": the array is empty (shape " + shape_string(h.shape) + ")");
        }
        rows_ = h.shape[0];
        cols_ = h.shape.size() == 2 ? h.shape[1] : 1;
        npy_total_ = h.data_offset + h.data_bytes;
        // A regular file's size tells at once whether the data is all there.
        if (in_->has_size() && in_->size() != npy_total_) {
            const std::uint64_t found = in_->size() - std::min<std::uint64_t>(in_->size(), h.data_offset);
            const std::string what = found < h.data_bytes ? "truncated data" : "data size does not match the shape";
            throw std::runtime_error(path + ": " + what + ": shape " + shape_string(h.shape) + " of " +
                                     dtype_name(h.dtype) + " needs " + std::to_string(h.data_bytes) + " bytes, file has " +
                                     std::to_string(found));
        }
        return;
    }
    if (ends_with(path, ".npz")) {
        throw std::runtime_error(path + ": a .npz archive is not a data file; save features and targets as separate .npy files");
    }
    require_text(head, path);
}

DataFile::~DataFile() = default;
DataFile::DataFile(DataFile&&) noexcept = default;
DataFile& DataFile::operator=(DataFile&&) noexcept = default;

std::vector<char> DataFile::take_bytes() {
    if (read_) throw std::logic_error(path_ + ": the data file was already read");
    read_ = true;
    return in_->read_rest();
}

template <class T>
Matrix<T> DataFile::features() {
    if (format_ == Format::idx) {
        if (read_) throw std::logic_error(path_ + ": the data file was already read");
        read_ = true;
        return load_idx_images<T>(*in_);
    }
    if (format_ == Format::npy) {
        in_->require_within_limit(static_cast<std::uint64_t>(rows_) * cols_ * sizeof(T), "the matrix its header declares");
        const NpyArray a = parse_npy(take_bytes(), path_);
        return finite_matrix<T>(a, path_);
    }
    const std::vector<char> bytes = take_bytes();
    return csv_matrix<T>(parse_csv(bytes.data(), bytes.size(), path_), path_);
}

template <class T>
TargetData<T> DataFile::targets() {
    TargetData<T> t;
    if (format_ == Format::idx) {  // MNIST IDX labels
        if (read_) throw std::logic_error(path_ + ": the data file was already read");
        read_ = true;
        t.is_labels = true;
        t.labels = load_idx_labels(*in_);
        return t;
    }
    if (format_ == Format::npy) {
        in_->require_within_limit(static_cast<std::uint64_t>(rows_) * cols_ * std::max(sizeof(T), sizeof(std::int64_t)),
                                  "the targets its header declares");
        const NpyArray a = parse_npy(take_bytes(), path_);
        const bool one_column = a.ndim() == 1 || a.shape[1] == 1;
        if (is_integer_dtype(a.dtype) && one_column) {
            t.is_labels = true;
            t.labels = to_labels(a);
            require_non_negative(t.labels, path_, a);
        } else {
            t.rows = finite_matrix<T>(a, path_);
        }
        return t;
    }

    const std::vector<char> bytes = take_bytes();
    const CsvTable c = parse_csv(bytes.data(), bytes.size(), path_);
    if (c.cols == 1 && c.integers) {
        t.is_labels = true;
        t.labels.resize(c.rows);
        for (std::size_t i = 0; i < c.rows; ++i) {
            const double v = c.values[i];
            // Integers beyond 2^53 were rounded when parsed; no class count comes near.
            if (std::fabs(v) >= 0x1p53) {
                throw std::runtime_error(path_ + ": line " + std::to_string(c.lines[i]) + ": label " + number(v) +
                                         " is too large");
            }
            if (v < 0) {
                throw std::runtime_error(path_ + ": line " + std::to_string(c.lines[i]) + ": label " +
                                         std::to_string(static_cast<std::int64_t>(v)) +
                                         " is negative (class indices start at 0)");
            }
            t.labels[i] = static_cast<std::int64_t>(v);
        }
        return t;
    }
    t.rows = csv_matrix<T>(c, path_);
    return t;
}

template <class T>
Matrix<T> load_features(const std::string& path) {
    return DataFile(path).features<T>();
}

template <class T>
TargetData<T> load_targets(const std::string& path) {
    return DataFile(path).targets<T>();
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

template Matrix<float> DataFile::features<float>();
template Matrix<double> DataFile::features<double>();
template TargetData<float> DataFile::targets<float>();
template TargetData<double> DataFile::targets<double>();
template Matrix<float> load_features<float>(const std::string&);
template Matrix<double> load_features<double>(const std::string&);
template TargetData<float> load_targets<float>(const std::string&);
template TargetData<double> load_targets<double>(const std::string&);

}  // namespace vecnn
