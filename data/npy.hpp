// NumPy .npy arrays: an in-memory array (dtype, shape, raw bytes) and the
// reader/writer of the .npy format (numpy.lib.format).
//
// Reading accepts format versions 1.0, 2.0 and 3.0, C order, little-endian
// (or single-byte) dtypes: float32/64, int8/16/32/64, uint8/16/32/64, bool,
// any number of dimensions (0-d is a scalar). Writing produces version 1.0,
// or 2.0 when the header outgrows 1.0's 65535 bytes, as numpy.save does.
//
// Every malformed input throws std::runtime_error whose message starts with
// the array's source (the file, or "archive.npz[member.npy]") and says what is
// wrong: bad magic, truncated header or payload, unsupported or big-endian
// dtype, fortran_order, payload size not matching the shape.
//
// This header stays free of xtensor (compile time); data/npy_matrix.hpp
// converts to and from Matrix<T>.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vecnn {

struct NpyArray {
    // numpy's dtype descr in its little-endian spelling: "<f4", "<f8", "<i8",
    // "<i4", "<i2", "|i1", "<u8", "<u4", "<u2", "|u1", "|b1".
    std::string dtype;
    std::vector<std::size_t> shape;  // C order; empty for a 0-d scalar
    std::vector<char> bytes;         // size() * itemsize bytes, little-endian
    std::string source;              // where it came from; named in every error message

    std::size_t size() const;  // element count (1 for a 0-d array)
    std::size_t ndim() const { return shape.size(); }
};

// ---- dtypes ----
// Item size in bytes; throws std::invalid_argument for an unsupported dtype.
std::size_t dtype_itemsize(const std::string& dtype);
bool is_float_dtype(const std::string& dtype);    // <f4 <f8
bool is_integer_dtype(const std::string& dtype);  // signed, unsigned and bool
// "float32" for "<f4" etc.; an unknown descr is returned as it is.
std::string dtype_name(const std::string& dtype);
// The dtype numpy uses for a C++ type: "<f4" for float, "<i8" for std::int64_t ...
// Defined for float, double, int8..int64 and uint8..uint64.
template <class T>
std::string dtype_of();

// numpy's spelling of a shape: "()", "(3,)", "(2, 3)".
std::string shape_string(const std::vector<std::size_t>& shape);

// ---- reading ----
NpyArray read_npy(const std::string& path);

// What a .npy file declares before its data, to check it before reading the
// data: dtype, shape, where the data starts and how many bytes it takes.
struct NpyHeader {
    std::string dtype;
    std::vector<std::size_t> shape;
    std::size_t data_offset = 0;
    std::size_t data_bytes = 0;
};
// How many leading bytes hold the preamble and header, from the first 12 (or
// fewer, at the end of a short file); throws on a bad magic, version or an
// implausible header length (over 1 MiB).
std::size_t npy_header_size(const char* data, std::size_t n, const std::string& source);
// The header of the file whose first n >= npy_header_size(...) bytes are at `data`.
NpyHeader parse_npy_header(const char* data, std::size_t n, const std::string& source);
// Parses the bytes of a whole .npy file; `source` names it in errors.
NpyArray parse_npy(std::vector<char> file, const std::string& source);

// ---- writing ----
// The bytes of a .npy file holding `array`. Throws std::invalid_argument
// (naming array.source) if the dtype is unsupported or bytes do not match the shape.
std::vector<char> encode_npy(const NpyArray& array);
// Writes `array` to `path` atomically (see data/file_io.hpp).
void write_npy(const std::string& path, const NpyArray& array);

// ---- conversions ----
// An array of `shape` from size-of-shape elements at `data`, stored as
// `dtype` (default: T's own). Values must be representable in `dtype`:
// integers in range, floats stored as integers must be integral; otherwise
// std::invalid_argument. float64 -> float32 rounds; a finite value beyond
// float32's range is an error, not an infinity.
template <class T>
NpyArray make_npy(const T* data, std::vector<std::size_t> shape, const std::string& dtype = dtype_of<T>());

// Copies all size() elements into `out`, converted to T. Floating T accepts
// every dtype (float64 -> float32 rounds; finite values beyond float32's range
// throw). Integer T accepts integers in T's range and floats that are integral
// and in range. Anything else throws naming array.source and the element.
template <class T>
void copy_elements(const NpyArray& array, T* out);

template <class T>
std::vector<T> to_vector(const NpyArray& array) {
    std::vector<T> v(array.size());
    copy_elements(array, v.data());
    return v;
}

// Class labels from any integer dtype, or from a float dtype whose values
// are all integral; any shape (flattened in C order).
inline std::vector<std::int64_t> to_labels(const NpyArray& array) { return to_vector<std::int64_t>(array); }

}  // namespace vecnn
