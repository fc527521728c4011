#include "vecnn/data/idx.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <stdexcept>

#include <zlib.h>

#include "vecnn/data/file_io.hpp"
#include "vecnn/data/input_file.hpp"

namespace vecnn {
namespace {

constexpr std::uint32_t kImagesMagic = 2051;  // 0x00000803
constexpr std::uint32_t kLabelsMagic = 2049;  // 0x00000801
constexpr unsigned kUnsignedByte = 0x08;
constexpr unsigned kMaxLabel = 9;

// How many bytes past what the header declares are still counted (to say how
// many are too many) before reading stops: a file with a huge tail, or a gzip
// stream that inflates to gigabytes, costs at most this much work.
constexpr std::uint64_t kTailCounted = std::uint64_t{16} << 20;

// The file's data after optional gzip decompression. Only the bytes the
// header asks for are kept (the header, then header + payload), the rest is
// only counted, up to kTailCounted: a file with a wrong header or a huge tail
// costs no memory and little time.
struct Content {
    std::vector<unsigned char> bytes;
    std::uint64_t size = 0;  // all of it that was seen, kept or not
    bool more = false;       // reading stopped: the content goes on past `size`
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

// Receives the content as it is read (or inflated): keeps what the header
// asks for, refuses a payload the input limit does not allow as soon as the
// header is complete, and says when enough was seen.
class Sink {
public:
    Sink(Content& c, const InputFile& in, std::uint64_t memory_per_byte)
        : c_(c), in_(in), memory_per_byte_(memory_per_byte) {}

    // False once everything needed, and kTailCounted more, has been seen.
    bool take(const unsigned char* p, std::size_t n) {
        c_.size += n;
        std::uint64_t want = bytes_needed(c_.bytes);
        while (n > 0 && c_.bytes.size() < want) {
            const std::size_t part = static_cast<std::size_t>(std::min<std::uint64_t>(n, want - c_.bytes.size()));
            c_.bytes.insert(c_.bytes.end(), p, p + part);
            p += part;
            n -= part;
            const std::uint64_t now = bytes_needed(c_.bytes);
            if (now != want && now > c_.bytes.size()) check_limit(now);
            want = now;
        }
        return c_.size <= want || c_.size - want <= kTailCounted;
    }

private:
    // The whole payload is about to be kept: the limit allows it, or nothing is.
    void check_limit(std::uint64_t needed) {
        const std::uint64_t header = 4 + 4 * std::uint64_t{c_.bytes[3]};
        const std::uint64_t payload = needed - header;
        std::uint64_t memory = 0;
        if (needed == std::numeric_limits<std::uint64_t>::max() ||
            __builtin_mul_overflow(payload, memory_per_byte_, &memory)) {
            return;  // reported as truncated
        }
        // A regular file can only hold what its size allows: a lie about the
        // size is reported as truncated without allocating anything.
        if (!c_.gzip && in_.has_size() && needed > in_.size()) return;
        in_.require_within_limit(memory, "the " + std::to_string(payload) + "-byte IDX payload its header declares");
        c_.bytes.reserve(static_cast<std::size_t>(needed));
    }

    Content& c_;
    const InputFile& in_;
    std::uint64_t memory_per_byte_;
};

// gzip (RFC 1952) through zlib's inflate, fed from `in` chunk by chunk.
// Several members one after the other (what `cat a.gz b.gz` makes)
// decompress to their concatenation, as gunzip does.
void gunzip(InputFile& in, Sink& sink, Content& c) {
    c.gzip = true;
    const std::string& path = in.path();
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {  // 16: expect the gzip wrapper, not zlib's
        throw std::runtime_error(path + ": cannot start gzip decompression (zlib: out of memory)");
    }
    struct End {
        z_stream* z;
        ~End() { inflateEnd(z); }
    } end{&zs};

    std::vector<char> input;
    std::uint64_t compressed = 0;
    std::array<unsigned char, 1 << 16> chunk;
    for (;;) {
        if (zs.avail_in == 0) {
            input = in.read(1 << 16);
            compressed += input.size();
            zs.next_in = reinterpret_cast<unsigned char*>(input.data());
            zs.avail_in = static_cast<uInt>(input.size());
        }
        zs.next_out = chunk.data();
        zs.avail_out = static_cast<uInt>(chunk.size());
        const int rc = inflate(&zs, Z_NO_FLUSH);
        if (!sink.take(chunk.data(), chunk.size() - zs.avail_out)) {
            c.more = true;
            return;
        }
        if (rc == Z_STREAM_END) {
            // What follows in this chunk and in the file: another member, or nothing.
            std::vector<char> rest(zs.next_in, zs.next_in + zs.avail_in);
            if (rest.size() < 2) {
                const std::vector<char> next = in.read(2 - rest.size());
                rest.insert(rest.end(), next.begin(), next.end());
            }
            if (rest.empty()) break;
            if (rest.size() >= 2 && static_cast<unsigned char>(rest[0]) == 0x1f &&
                static_cast<unsigned char>(rest[1]) == 0x8b) {
                input = std::move(rest);
                zs.next_in = reinterpret_cast<unsigned char*>(input.data());
                zs.avail_in = static_cast<uInt>(input.size());
                inflateReset(&zs);
                continue;
            }
            const std::uint64_t after = rest.size() + in.read_rest().size();
            throw std::runtime_error(path + ": corrupt gzip data: " + std::to_string(after) +
                                     " bytes after the end of the gzip stream are not gzip data");
        }
        if (rc == Z_BUF_ERROR && zs.avail_in == 0 && in.at_end()) {
            throw std::runtime_error(path + ": corrupt gzip data (truncated gzip stream): the compressed data ends before the gzip trailer (" +
                                     std::to_string(compressed) + " bytes compressed, " + std::to_string(c.size) +
                                     " decompressed so far)");
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            const std::string why = zs.msg ? zs.msg : "zlib error " + std::to_string(rc);
            throw std::runtime_error(path + ": corrupt gzip data: " + why +
                                     (why == "incorrect data check" ? " (the CRC does not match the data)" : ""));
        }
    }
}

bool starts_as_gzip(const std::vector<char>& head) {
    return head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f && static_cast<unsigned char>(head[1]) == 0x8b;
}

// `memory_per_byte`: what the caller will hold in memory per payload byte
// (the raw byte, and what it is turned into), for the input limit.
Content read_content(InputFile& in, std::uint64_t memory_per_byte) {
    Content c;
    Sink sink(c, in, memory_per_byte);
    if (starts_as_gzip(in.peek(2))) {
        gunzip(in, sink, c);
        return c;
    }
    for (;;) {
        const std::vector<char> chunk = in.read(1 << 16);
        if (chunk.empty()) break;
        if (!sink.take(reinterpret_cast<const unsigned char*>(chunk.data()), chunk.size())) {
            c.more = true;
            break;
        }
    }
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
        const std::string at_least = c.more ? "more than " : "";
        throw std::runtime_error(path + ": trailing bytes: header promises " + promise + ", file has " + at_least +
                                 std::to_string(have) + " after the " + std::to_string(header) + "-byte header" +
                                 decompressed + " (" + (c.more ? "at least " : "") + std::to_string(have - payload) +
                                 " too many)");
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

IdxImages read_idx_images(InputFile& in, std::uint64_t extra_memory_per_byte) {
    const Content c = read_content(in, 1 + extra_memory_per_byte);
    const auto dims = check_idx(c, in.path(), kImages);
    IdxImages im;
    im.count = dims[0];
    im.rows = dims[1];
    im.cols = dims[2];
    im.pixels.assign(c.bytes.begin() + 16, c.bytes.end());
    return im;
}

IdxImages read_idx_images(const std::string& path) {
    InputFile in(path);
    return read_idx_images(in);
}

std::vector<std::uint8_t> read_idx_label_bytes(InputFile& in, std::uint64_t extra_memory_per_byte) {
    const Content c = read_content(in, 1 + extra_memory_per_byte);
    check_idx(c, in.path(), kLabels);
    std::vector<std::uint8_t> labels(c.bytes.begin() + 8, c.bytes.end());
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] > kMaxLabel) {
            throw std::runtime_error(in.path() + ": label " + std::to_string(labels[i]) + " at index " +
                                     std::to_string(i) + " is out of range 0.." + std::to_string(kMaxLabel));
        }
    }
    return labels;
}

std::vector<std::uint8_t> read_idx_label_bytes(const std::string& path) {
    InputFile in(path);
    return read_idx_label_bytes(in);
}

template <class T>
Matrix<T> load_idx_images(InputFile& in) {
    return to_rows<T>(read_idx_images(in, sizeof(T)));
}

template <class T>
Matrix<T> load_idx_images(const std::string& path) {
    InputFile in(path);
    return load_idx_images<T>(in);
}

std::vector<std::int64_t> load_idx_labels(InputFile& in) {
    const std::vector<std::uint8_t> bytes = read_idx_label_bytes(in, sizeof(std::int64_t));
    return std::vector<std::int64_t>(bytes.begin(), bytes.end());
}

std::vector<std::int64_t> load_idx_labels(const std::string& path) {
    InputFile in(path);
    return load_idx_labels(in);
}

template <class T>
IdxDataset<T> load_idx_dataset(const std::string& images_path, const std::string& labels_path) {
    // Headers first: counts that differ are refused before either payload is read.
    InputFile images(images_path), labels(labels_path);
    IdxHeader ih, lh;
    if (peek_idx_header(images, ih) && peek_idx_header(labels, lh) && ih.count != lh.count) {
        throw std::runtime_error(images_path + ": count mismatch: its header declares " + std::to_string(ih.count) +
                                 " images, but " + labels_path + "'s declares " + std::to_string(lh.count) + " labels");
    }
    const IdxImages im = read_idx_images(images, sizeof(T));
    IdxDataset<T> d;
    d.labels = load_idx_labels(labels);
    if (d.labels.size() != im.count) {
        throw std::runtime_error(images_path + ": count mismatch: it holds " + std::to_string(im.count) +
                                 " images, but " + labels_path + " holds " + std::to_string(d.labels.size()) + " labels");
    }
    d.images = to_rows<T>(im);
    d.rows = im.rows;
    d.cols = im.cols;
    return d;
}

bool peek_idx_header(InputFile& in, IdxHeader& header) {
    try {
        std::vector<char> head = in.peek(1 << 16);
        std::vector<unsigned char> b;
        if (starts_as_gzip(head)) {
            // Inflate the start of the peeked bytes only: the file stays unread.
            z_stream zs{};
            if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return false;
            std::array<unsigned char, 16> out;
            zs.next_in = reinterpret_cast<unsigned char*>(head.data());
            zs.avail_in = static_cast<uInt>(head.size());
            zs.next_out = out.data();
            zs.avail_out = static_cast<uInt>(out.size());
            int rc = Z_OK;
            while (zs.avail_out > 0 && rc == Z_OK) rc = inflate(&zs, Z_NO_FLUSH);
            b.assign(out.data(), out.data() + (out.size() - zs.avail_out));
            inflateEnd(&zs);
        } else {
            b.assign(head.begin(), head.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(16, head.size())));
        }
        if (b.size() < 8 || b[0] != 0 || b[1] != 0 || b[2] != kUnsignedByte) return false;
        if (b[3] == 1) {
            header = {false, be32(&b[4]), 0, 0};
            return true;
        }
        if (b[3] == 3 && b.size() >= 16) {
            header = {true, be32(&b[4]), be32(&b[8]), be32(&b[12])};
            return true;
        }
        return false;
    } catch (const std::exception&) {
        return false;  // unreadable: the real read says why
    }
}

bool is_idx_file(InputFile& in) {
    const std::vector<char>& head = in.peek(4 + 4 * 255);
    if (starts_as_gzip(head)) return true;  // only IDX is read gzip-compressed: a broken one says so as IDX
    if (head.size() < 4) return false;
    const auto* b = reinterpret_cast<const unsigned char*>(head.data());
    const unsigned type = b[2];
    const bool known_type = type == 0x08 || type == 0x09 || type == 0x0B || type == 0x0C || type == 0x0D || type == 0x0E;
    return b[0] == 0 && b[1] == 0 && known_type && b[3] >= 1 && head.size() >= 4 + 4 * std::size_t{b[3]};
}

bool is_idx_file(const std::string& path) {
    try {
        InputFile in(path);
        return is_idx_file(in);
    } catch (const std::exception&) {
        return false;
    }
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
template Matrix<float> load_idx_images<float>(InputFile&);
template Matrix<double> load_idx_images<double>(InputFile&);
template IdxDataset<float> load_idx_dataset<float>(const std::string&, const std::string&);
template IdxDataset<double> load_idx_dataset<double>(const std::string&, const std::string&);
template MnistData<float> load_mnist<float>(const std::string&);
template MnistData<double> load_mnist<double>(const std::string&);

}  // namespace vecnn
