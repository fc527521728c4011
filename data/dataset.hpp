// Data sets from files: features and targets from NumPy .npy or CSV.
//
// The format follows the content: a file starting with the .npy magic is
// read as .npy, a file named *.npy must be one, anything else is CSV
// (data/csv.hpp). Every problem throws std::runtime_error naming the file
// and what is wrong, with the row/element (.npy, 0-based numpy index) or the
// line and column (CSV, 1-based): wrong shape or dtype, NaN or Inf, a value
// beyond T's range, a negative or non-integral label, empty data.
// Before all that, an MNIST IDX file (data/idx.hpp; recognised by content,
// gzipped or not) is read as images (features) or labels (targets).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vecnn/tensor/matrix.hpp"

namespace vecnn {

class InputFile;  // data/input_file.hpp
template <class T>
struct TargetData;

// A data file opened once, its format known from its first bytes and, where
// the format has a header (.npy, IDX), its shape known before its data is
// read: so shapes can be checked against each other (features and targets,
// the model's width) before anything large is allocated, and a pipe or FIFO
// is read only once. The input limits of tensor/limits.hpp apply throughout.
// load_features and load_targets below are DataFile(path).features<T>() and
// .targets<T>().
class DataFile {
public:
    explicit DataFile(const std::string& path);
    ~DataFile();
    DataFile(DataFile&&) noexcept;
    DataFile& operator=(DataFile&&) noexcept;

    const std::string& path() const { return path_; }
    // Rows and columns the header declares (IDX images: count and rows*cols;
    // IDX labels: count and 1; .npy: shape[0] and shape[1] or 1), or 0 when
    // the format has no header (CSV: known once read).
    std::size_t declared_rows() const { return rows_; }
    std::size_t declared_cols() const { return cols_; }

    // The data, read now (once: a second call throws).
    template <class T>
    Matrix<T> features();
    template <class T>
    TargetData<T> targets();

private:
    enum class Format { idx, npy, csv };
    std::vector<char> take_bytes();

    std::string path_;
    std::unique_ptr<InputFile> in_;
    Format format_ = Format::csv;
    std::size_t rows_ = 0, cols_ = 0;
    std::size_t npy_total_ = 0;  // .npy: header + data bytes the header declares
    bool read_ = false;
};

// Features (samples, features):
//   .npy 2-d (m, n) of any numeric dtype (float32/float64, integers converted);
//        1-d (m,) is m samples of one feature, (m, 1);
//   CSV  m rows of n numbers (after an optional header line).
template <class T>
Matrix<T> load_features(const std::string& path);

// Targets: either one class index per sample, or rows of values.
template <class T>
struct TargetData {
    std::vector<std::int64_t> labels;  // is_labels: one class index >= 0 per sample
    Matrix<T> rows;                    // otherwise: (samples, outputs)
    bool is_labels = false;
    std::size_t size() const { return is_labels ? labels.size() : rows.shape()[0]; }
};

// Class labels from .npy of an integer dtype, 1-d (m,) or (m, 1), or from CSV
// with one column whose fields are all written as integers ("3", not "3.0").
// Rows from .npy of a float dtype (1-d (m,) becomes (m, 1)), from 2-d integer
// .npy with several columns (e.g. one-hot), or from CSV with several columns or
// with non-integer numbers. So a one-column regression target written as
// integers must be written "3.0" (or saved as a float .npy) to be read as rows.
template <class T>
TargetData<T> load_targets(const std::string& path);

// Throws naming `source`, the position and the label unless every label is
// below `classes` (the model's output count).
void check_label_range(const std::vector<std::int64_t>& labels, std::size_t classes, const std::string& source);

}  // namespace vecnn
