#include "vecnn/data/idx.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <stdexcept>

#include <zlib.h>

#include "vecnn/data/file_io.hpp"

namespace vecnn {
namespace {

constexpr std::uint32_t kImagesMagic = 2051;  // 0x00000803
constexpr std::uint32_t kLabelsMagic = 2049;  // 0x00000801
constexpr unsigned kUnsignedByte = 0x08;
constexpr unsigned kMaxLabel = 9;

// The file's data after optional gzip decompression. Only the bytes the
// header asks for are kept (the header, then header + payload), the rest is
// only counted: a file with a wrong header or a huge tail costs no memory.
struct Content {
    std::vector<unsigned char> bytes;
    std::uint64_t size = 0;  // all of it, kept or not
    bool gzip = false;
};

std::uint32_t be32(const unsigned char* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(v));
    return buf;
}

std::string hex8(unsigned v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", v & 0xFFu);
    return buf;
}

// How many leading bytes validation looks at: the magic, then the header, then
// header + payload. Saturates at the maximum when the header promises more
// than 2^64 bytes (that is reported as truncated later).
std::uint64_t bytes_needed(const std::vector<unsigned char>& b) {
    if (b.size() < 4) return 4;
    const std::uint64_t header = 4 + 4 * std::uint64_t{b[3]};
    if (b[0] != 0 || b[1] != 0 || b[2] != kUnsignedByte) return header;
    if (b.size() < header) return header;
    std::uint64_t total = 1;
    for (unsigned d = 0; d < b[3]; ++d) {
        if (__builtin_mul_overflow(total, std::uint64_t{be32(&b[4 + 4 * d])}, &total)) {
            return std::numeric_limits<std::uint64_t>::max();
        }
    }
    if (__builtin_add_overflow(total, header, &total)) return std::numeric_limits<std::uint64_t>::max();
    return total;
}

void keep(Content& c, const unsigned char* p, std::size_t n) {
    c.size += n;
    std::uint64_t want = bytes_needed(c.bytes);
    while (n > 0 && c.bytes.size() < want) {
        const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(n, want - c.bytes.size()));
        c.bytes.insert(c.bytes.end(), p, p + take);
        p += take;
        n -= take;
        want = bytes_needed(c.bytes);
    }
}

// gzip (RFC 1952) through zlib's inflate. Several members one after the other
// (what `cat a.gz b.gz` makes) decompress to their concatenation, as gunzip does.
Content gunzip(const std::vector<char>& raw, const std::string& path) {
    Content c;
    c.gzip = true;
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {  // 16: expect the gzip wrapper, not zlib's
        throw std::runtime_error(path + ": cannot start gzip decompression (zlib: out of memory)");
    }
    struct End {
        z_stream* z;
        ~End() { inflateEnd(z); }
    } end{&zs};

    const auto* data = reinterpret_cast<const unsigned char*>(raw.data());
    std::size_t fed = 0;  // bytes of `raw` handed to zlib so far
    std::array<unsigned char, 1 << 16> chunk;
    for (;;) {
        if (zs.avail_in == 0 && fed < raw.size()) {
            const std::size_t take = std::min<std::size_t>(raw.size() - fed, 1u << 30);  // avail_in is 32-bit
            zs.next_in = const_cast<unsigned char*>(data + fed);                         // zlib's API is not const
            zs.avail_in = static_cast<uInt>(take);
            fed += take;
        }
        zs.next_out = chunk.data();
        zs.avail_out = static_cast<uInt>(chunk.size());
        const int rc = inflate(&zs, Z_NO_FLUSH);
        keep(c, chunk.data(), chunk.size() - zs.avail_out);

        if (rc == Z_STREAM_END) {
            const std::size_t consumed = fed - zs.avail_in;
            const std::size_t rest = raw.size() - consumed;
            if (rest == 0) break;
            if (rest >= 2 && data[consumed] == 0x1f && data[consumed + 1] == 0x8b) {
                inflateReset(&zs);
                continue;
            }
            throw std::runtime_error(path + ": corrupt gzip data: " + std::to_string(rest) +
                                     " bytes after the end of the gzip stream are not gzip data");
        }
        if (rc == Z_BUF_ERROR && zs.avail_in == 0 && fed == raw.size()) {
            throw std::runtime_error(path + ": truncated gzip stream: the compressed data ends before the gzip trailer (" +
                                     std::to_string(raw.size()) + " bytes compressed, " + std::to_string(c.size) +
                                     " decompressed so far)");
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            throw std::runtime_error(path + ": corrupt gzip data: " + (zs.msg ? zs.msg : "zlib error " + std::to_string(rc)));
        }
    }
    return c;
}

Content read_content(const std::string& path) {
    std::vector<char> raw = read_file(path);  // throws naming the path
    if (raw.size() >= 2 && static_cast<unsigned char>(raw[0]) == 0x1f && static_cast<unsigned char>(raw[1]) == 0x8b) {
        return gunzip(raw, path);
    }
    Content c;
    keep(c, reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
    return c;
}

struct Kind {
    std::uint32_t magic;
    unsigned ndim;
    const char* name;  // in messages
    const char* dims;  // what the dimensions are
};
constexpr Kind kImages{kImagesMagic, 3, "IDX images", "count, rows, cols"};
constexpr Kind kLabels{kLabelsMagic, 1, "IDX labels", "count"};

// Checks magic, header and size; returns the dimensions. The payload starts at
// byte 4 + 4 * ndim of c.bytes.
std::vector<std::uint32_t> check_idx(const Content& c, const std::string& path, const Kind& kind) {
    const std::string decompressed = c.gzip ? " (decompressed)" : "";
    const std::string expected = "expected " + hex32(kind.magic) + " (" + std::to_string(kind.magic) + ", " + kind.name + ")";
    const auto& b = c.bytes;
    if (c.size < 4) {
        throw std::runtime_error(path + ": truncated header: the file has " + std::to_string(c.size) + " byte(s)" +
                                 decompressed + ", an IDX file starts with a 4-byte magic number");
    }
    const std::uint32_t magic = be32(b.data());
    if (b[0] != 0 || b[1] != 0) {
        throw std::runtime_error(path + ": wrong magic " + hex32(magic) + ": " + expected +
                                 "; an IDX magic starts with two zero bytes, so this is not an IDX file");
    }
    if (b[2] != kUnsignedByte) {
        throw std::runtime_error(path + ": wrong data type " + hex8(b[2]) + " in magic " + hex32(magic) +
                                 ": expected 0x08 (unsigned byte), as in MNIST");
    }
    if (b[3] != kind.ndim) {
        std::string other;
        if (magic == kLabelsMagic) other = "; this is an IDX label file";
        if (magic == kImagesMagic) other = "; this is an IDX image file";
        throw std::runtime_error(path + ": wrong number of dimensions " + std::to_string(b[3]) + " in magic " +
                                 hex32(magic) + ": " + expected + ", " + std::to_string(kind.ndim) +
                                 " dimension(s): " + kind.dims + other);
    }
    const std::uint64_t header = 4 + 4 * std::uint64_t{kind.ndim};
    if (c.size < header) {
        throw std::runtime_error(path + ": truncated header: " + std::to_string(kind.ndim) + " dimension(s) need " +
                                 std::to_string(header) + " bytes, the file has " + std::to_string(c.size) + decompressed);
    }

    std::vector<std::uint32_t> dims(kind.ndim);
    std::string shape;
    std::uint64_t payload = 1;
    bool overflow = false;
    for (unsigned d = 0; d < kind.ndim; ++d) {
        dims[d] = be32(&b[4 + 4 * d]);
        shape += (d ? "x" : "") + std::to_string(dims[d]);
        overflow = overflow || __builtin_mul_overflow(payload, std::uint64_t{dims[d]}, &payload);
    }
    if (dims[0] == 0) {
        throw std::runtime_error(path + ": empty: the header's count is 0");
    }
    if (kind.ndim == 3 && (dims[1] == 0 || dims[2] == 0)) {
        throw std::runtime_error(path + ": empty images: the header's image size is " + std::to_string(dims[1]) + "x" +
                                 std::to_string(dims[2]));
    }
    const std::string promise = kind.ndim == 1 ? shape + " labels = " + (overflow ? "?" : std::to_string(payload)) + " bytes"
                                               : shape + " = " + (overflow ? "more than 2^64" : std::to_string(payload)) + " bytes";
    const std::uint64_t have = c.size - header;
    if (overflow || have < payload) {
        throw std::runtime_error(path + ": truncated payload: header promises " + promise + ", file has " +
                                 std::to_string(have) + " after the " + std::to_string(header) + "-byte header" + decompressed);
    }
    if (have > payload) {
        throw std::runtime_error(path + ": trailing bytes: header promises " + promise + ", file has " +
                                 std::to_string(have) + " after the " + std::to_string(header) + "-byte header" +
                                 decompressed + " (" + std::to_string(have - payload) + " too many)");
    }
    return dims;
}

template <class T>
Matrix<T> to_rows(const IdxImages& im) {
    std::array<T, 256> scale;  // byte/255, divided in T so float gets the correctly rounded quotient
    for (unsigned v = 0; v < 256; ++v) scale[v] = static_cast<T>(v) / static_cast<T>(255);
    Matrix<T> m = Matrix<T>::from_shape({im.count, im.rows * im.cols});
    std::transform(im.pixels.begin(), im.pixels.end(), m.data(), [&](std::uint8_t v) { return scale[v]; });
    return m;
}

std::string join(const std::string& dir, const std::string& name) {
    if (dir.empty()) return name;
    return dir.back() == '/' ? dir + name : dir + "/" + name;
}

std::vector<std::string> mnist_names(const std::string& name) {
    std::string idx;
    if (name == "train-images" || name == "t10k-images") {
        idx = "idx3-ubyte";
    } else if (name == "train-labels" || name == "t10k-labels") {
        idx = "idx1-ubyte";
    } else {
        throw std::invalid_argument("find_mnist_file: unknown MNIST file '" + name +
                                    "' (train-images, train-labels, t10k-images or t10k-labels)");
    }
    return {name + "-" + idx, name + "." + idx, name + "-" + idx + ".gz", name + "." + idx + ".gz"};
}

void put_be32(std::vector<char>& out, std::size_t v, const char* what) {
    if (v > std::numeric_limits<std::uint32_t>::max()) {
        throw std::invalid_argument(std::string("IDX: ") + what + " " + std::to_string(v) + " does not fit in 32 bits");
    }
    out.push_back(static_cast<char>((v >> 24) & 0xFF));
    out.push_back(static_cast<char>((v >> 16) & 0xFF));
    out.push_back(static_cast<char>((v >> 8) & 0xFF));
    out.push_back(static_cast<char>(v & 0xFF));
}

}  // namespace

IdxImages read_idx_images(const std::string& path) {
    const Content c = read_content(path);
    const auto dims = check_idx(c, path, kImages);
    IdxImages im;
    im.count = dims[0];
    im.rows = dims[1];
    im.cols = dims[2];
    im.pixels.assign(c.bytes.begin() + 16, c.bytes.end());
    return im;
}

std::vector<std::uint8_t> read_idx_label_bytes(const std::string& path) {
    const Content c = read_content(path);
    check_idx(c, path, kLabels);
    std::vector<std::uint8_t> labels(c.bytes.begin() + 8, c.bytes.end());
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] > kMaxLabel) {
            throw std::runtime_error(path + ": label " + std::to_string(labels[i]) + " at index " + std::to_string(i) +
                                     " is out of range 0.." + std::to_string(kMaxLabel));
        }
    }
    return labels;
}

template <class T>
Matrix<T> load_idx_images(const std::string& path) {
    return to_rows<T>(read_idx_images(path));
}

std::vector<std::int64_t> load_idx_labels(const std::string& path) {
    const std::vector<std::uint8_t> bytes = read_idx_label_bytes(path);
    return std::vector<std::int64_t>(bytes.begin(), bytes.end());
}

template <class T>
IdxDataset<T> load_idx_dataset(const std::string& images_path, const std::string& labels_path) {
    const IdxImages im = read_idx_images(images_path);
    IdxDataset<T> d;
    d.labels = load_idx_labels(labels_path);
    if (d.labels.size() != im.count) {
        throw std::runtime_error(images_path + ": count mismatch: it holds " + std::to_string(im.count) +
                                 " images, but " + labels_path + " holds " + std::to_string(d.labels.size()) + " labels");
    }
    d.images = to_rows<T>(im);
    d.rows = im.rows;
    d.cols = im.cols;
    return d;
}

bool is_idx_file(const std::string& path) {
    // gzread reads a gzip file decompressed and any other file as it is.
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) return false;
    std::array<unsigned char, 4 + 4 * 255> head;
    const int n = gzread(f, head.data(), static_cast<unsigned>(head.size()));
    gzclose(f);
    if (n < 4) return false;
    const unsigned type = head[2];
    const bool known_type = type == 0x08 || type == 0x09 || type == 0x0B || type == 0x0C || type == 0x0D || type == 0x0E;
    return head[0] == 0 && head[1] == 0 && known_type && head[3] >= 1 && n >= 4 + 4 * head[3];
}

std::string find_mnist_file(const std::string& dir, const std::string& name) {
    for (const std::string& candidate : mnist_names(name)) {
        const std::string path = join(dir, candidate);
        std::error_code ec;
        if (std::filesystem::is_regular_file(path, ec)) return path;  // follows symlinks
    }
    return "";
}

MnistFiles find_mnist_files(const std::string& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        throw std::runtime_error(dir + ": no such folder (looking for the MNIST IDX files)");
    }
    MnistFiles f;
    std::string missing;
    const std::pair<const char*, std::string*> wanted[] = {{"train-images", &f.train_images},
                                                           {"train-labels", &f.train_labels},
                                                           {"t10k-images", &f.test_images},
                                                           {"t10k-labels", &f.test_labels}};
    for (const auto& [name, out] : wanted) {
        *out = find_mnist_file(dir, name);
        if (out->empty()) {
            const auto names = mnist_names(name);
            missing += std::string(missing.empty() ? "" : "; ") + "no " + name + " file (tried " + names[0] + ", " +
                       names[1] + ", " + names[2] + ", " + names[3] + ")";
        }
    }
    if (!missing.empty()) {
        throw std::runtime_error(dir + ": " + missing + ". Run data/fetch_mnist.sh, or put the official MNIST files there");
    }
    return f;
}

template <class T>
MnistData<T> load_mnist(const std::string& dir) {
    const MnistFiles f = find_mnist_files(dir);
    MnistData<T> d;
    d.train = load_idx_dataset<T>(f.train_images, f.train_labels);
    d.test = load_idx_dataset<T>(f.test_images, f.test_labels);
    return d;
}

std::vector<char> encode_idx_images(const std::uint8_t* pixels, std::size_t count, std::size_t rows, std::size_t cols) {
    if (count == 0 || rows == 0 || cols == 0) {
        throw std::invalid_argument("IDX images: empty shape " + std::to_string(count) + "x" + std::to_string(rows) +
                                    "x" + std::to_string(cols));
    }
    std::vector<char> out;
    put_be32(out, kImagesMagic, "magic");
    put_be32(out, count, "image count");
    put_be32(out, rows, "image rows");
    put_be32(out, cols, "image cols");
    out.insert(out.end(), pixels, pixels + count * rows * cols);
    return out;
}

std::vector<char> encode_idx_labels(const std::uint8_t* labels, std::size_t count) {
    if (count == 0) throw std::invalid_argument("IDX labels: no labels to write");
    std::vector<char> out;
    put_be32(out, kLabelsMagic, "magic");
    put_be32(out, count, "label count");
    out.insert(out.end(), labels, labels + count);
    return out;
}

void write_idx_images(const std::string& path, const IdxImages& images) {
    if (images.pixels.size() != images.count * images.rows * images.cols) {
        throw std::invalid_argument(path + ": " + std::to_string(images.pixels.size()) + " pixels for " +
                                    std::to_string(images.count) + " images of " + std::to_string(images.rows) + "x" +
                                    std::to_string(images.cols));
    }
    const std::vector<char> bytes = encode_idx_images(images.pixels.data(), images.count, images.rows, images.cols);
    write_file_atomically(path, bytes.data(), bytes.size());
}

void write_idx_labels(const std::string& path, const std::vector<std::uint8_t>& labels) {
    const std::vector<char> bytes = encode_idx_labels(labels.data(), labels.size());
    write_file_atomically(path, bytes.data(), bytes.size());
}

template Matrix<float> load_idx_images<float>(const std::string&);
template Matrix<double> load_idx_images<double>(const std::string&);
template IdxDataset<float> load_idx_dataset<float>(const std::string&, const std::string&);
template IdxDataset<double> load_idx_dataset<double>(const std::string&, const std::string&);
template MnistData<float> load_mnist<float>(const std::string&);
template MnistData<double> load_mnist<double>(const std::string&);

}  // namespace vecnn
