// MNIST IDX files: loading plain and gzip files, every kind of corruption
// named with its file and the failed check, recognising IDX by content,
// finding the files in a folder under both spellings, and writing them.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include <zlib.h>

#include "vecnn/data/dataset.hpp"
#include "vecnn/data/idx.hpp"
#include "io_test_util.hpp"
#include "vecnn/data/npy.hpp"

using namespace vecnn;
using vecnn::test::check_mentions;
using vecnn::test::error_of;
using vecnn::test::read_bytes;
using vecnn::test::TempDir;
using vecnn::test::write_bytes;
using vecnn::test::write_text;

namespace {

// 3 images of 2 rows x 4 cols (not square, so rows and cols cannot be swapped unnoticed).
IdxImages small_images() {
    IdxImages im;
    im.count = 3;
    im.rows = 2;
    im.cols = 4;
    for (unsigned i = 0; i < 24; ++i) im.pixels.push_back(static_cast<std::uint8_t>(i * 11 % 256));
    im.pixels[5] = 255;
    im.pixels[6] = 0;
    return im;
}

const std::vector<std::uint8_t> kLabels = {0, 9, 5};

std::vector<char> image_bytes() {
    const IdxImages im = small_images();
    return encode_idx_images(im.pixels.data(), im.count, im.rows, im.cols);
}

std::vector<char> label_bytes(const std::vector<std::uint8_t>& labels = kLabels) {
    return encode_idx_labels(labels.data(), labels.size());
}

// gzip through zlib's own writer, as the distributed .gz files are made; "ab" appends a second member.
void write_gzip(const std::string& path, const std::vector<char>& bytes, const char* mode = "wb") {
    gzFile f = gzopen(path.c_str(), mode);
    REQUIRE(f != nullptr);
    REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
    REQUIRE(gzclose(f) == Z_OK);
}

template <class T>
void check_images(const Matrix<T>& m) {
    const IdxImages im = small_images();
    REQUIRE(m.shape()[0] == 3);
    REQUIRE(m.shape()[1] == 8);
    for (std::size_t i = 0; i < im.pixels.size(); ++i) {
        CHECK(m.data()[i] == static_cast<T>(im.pixels[i]) / static_cast<T>(255));
    }
    CHECK(m(0, 5) == T(1));
    CHECK(m(0, 6) == T(0));
}

std::string images_error(const std::string& path) {
    return error_of([&] { read_idx_images(path); });
}

std::string labels_error(const std::string& path) {
    return error_of([&] { load_idx_labels(path); });
}

}  // namespace

TEST_CASE("a valid plain IDX pair loads as [0,1] rows and int64 labels, in float and double") {
    TempDir dir;
    write_idx_images(dir / "images", small_images());
    write_idx_labels(dir / "labels", kLabels);
    CHECK(dir.entries() == std::vector<std::string>{"images", "labels"});  // no temporary left behind

    // The header is big-endian: magic 0x00000803, then 3, 2, 4.
    const std::vector<char> bytes = read_bytes(dir / "images");
    REQUIRE(bytes.size() == 16 + 24);
    CHECK(std::vector<char>(bytes.begin(), bytes.begin() + 16) ==
          std::vector<char>{0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 4});
    CHECK(read_bytes(dir / "labels") == std::vector<char>{0, 0, 8, 1, 0, 0, 0, 3, 0, 9, 5});

    const IdxImages raw = read_idx_images(dir / "images");
    CHECK(raw.count == 3);
    CHECK(raw.rows == 2);
    CHECK(raw.cols == 4);
    CHECK(raw.pixels == small_images().pixels);

    check_images(load_idx_images<float>(dir / "images"));
    check_images(load_idx_images<double>(dir / "images"));
    CHECK(load_idx_labels(dir / "labels") == std::vector<std::int64_t>{0, 9, 5});
    CHECK(read_idx_label_bytes(dir / "labels") == kLabels);

    const IdxDataset<double> d = load_idx_dataset<double>(dir / "images", dir / "labels");
    check_images(d.images);
    CHECK(d.labels == std::vector<std::int64_t>{0, 9, 5});
    CHECK(d.rows == 2);
    CHECK(d.cols == 4);
}

TEST_CASE("gzip-compressed IDX files load by content, whatever their name, also with several gzip members") {
    TempDir dir;
    write_gzip(dir / "images.gz", image_bytes());
    write_gzip(dir / "labels-no-suffix", label_bytes());
    check_images(load_idx_images<float>(dir / "images.gz"));
    CHECK(load_idx_labels(dir / "labels-no-suffix") == std::vector<std::int64_t>{0, 9, 5});
    CHECK(read_bytes(dir / "images.gz")[0] == '\x1f');  // it really is compressed

    // Two members, as `cat a.gz b.gz` makes: they decompress to the concatenation.
    const std::vector<char> whole = image_bytes();
    write_gzip(dir / "two.gz", std::vector<char>(whole.begin(), whole.begin() + 21));
    write_gzip(dir / "two.gz", std::vector<char>(whole.begin() + 21, whole.end()), "ab");
    CHECK(read_idx_images(dir / "two.gz").pixels == small_images().pixels);
}

TEST_CASE("gzip files larger than zlib's working chunk load whole, and a long tail is counted exactly") {
    TempDir dir;
    IdxImages big;  // 300 x 28 x 28 = 235,200 bytes, several 64 KiB output chunks
    big.count = 300;
    big.rows = 28;
    big.cols = 28;
    std::uint32_t x = 12345;
    for (std::size_t i = 0; i < 300 * 784; ++i) {
        x = x * 1664525u + 1013904223u;  // incompressible enough to make the compressed side span chunks too
        big.pixels.push_back(static_cast<std::uint8_t>(x >> 24));
    }
    std::vector<char> bytes = encode_idx_images(big.pixels.data(), big.count, big.rows, big.cols);
    write_gzip(dir / "big.gz", bytes);
    const IdxImages back = read_idx_images(dir / "big.gz");
    CHECK(back.count == 300);
    CHECK(back.pixels == big.pixels);
    const Matrix<float> m = load_idx_images<float>(dir / "big.gz");
    CHECK(m(299, 783) == static_cast<float>(big.pixels.back()) / 255.0f);

    bytes.insert(bytes.end(), 3000000, '\0');  // compresses to almost nothing: decompressed, only counted
    write_gzip(dir / "tail.gz", bytes);
    check_mentions(images_error(dir / "tail.gz"),
                   {dir / "tail.gz", "trailing bytes: header promises 300x28x28 = 235200 bytes, file has 3235200",
                    "(3000000 too many)"});
}

TEST_CASE("each corruption throws naming the file and the failed check") {
    TempDir dir;
    auto images_with = [&](const std::string& name, std::vector<char> bytes) {
        write_bytes(dir / name, bytes);
        return images_error(dir / name);
    };
    const std::vector<char> good = image_bytes();

    SUBCASE("wrong magic") {
        auto b = good;
        b[0] = 0x12;
        b[1] = 0x34;
        check_mentions(images_with("magic", b), {dir / "magic", "wrong magic 0x12340803", "expected 0x00000803 (2051"});
        // A label file where images are expected: the magic says so.
        write_bytes(dir / "labels", label_bytes());
        check_mentions(images_error(dir / "labels"),
                       {dir / "labels", "wrong number of dimensions 1 in magic 0x00000801", "IDX label file"});
        write_bytes(dir / "images", good);
        check_mentions(labels_error(dir / "images"),
                       {dir / "images", "wrong number of dimensions 3 in magic 0x00000803", "expected 0x00000801 (2049"});
    }
    SUBCASE("wrong data type byte") {
        auto b = good;
        b[2] = 0x0D;  // float
        check_mentions(images_with("type", b), {dir / "type", "wrong data type 0x0D", "expected 0x08 (unsigned byte)"});
    }
    SUBCASE("wrong number of dimensions") {
        auto b = good;
        b[3] = 2;
        check_mentions(images_with("ndim", b), {dir / "ndim", "wrong number of dimensions 2", "expected 0x00000803"});
    }
    SUBCASE("truncated header") {
        check_mentions(images_with("tiny", {0, 0}), {dir / "tiny", "truncated header", "the file has 2 byte(s)"});
        check_mentions(images_with("empty", {}), {dir / "empty", "truncated header", "the file has 0 byte(s)"});
        check_mentions(images_with("short", std::vector<char>(good.begin(), good.begin() + 10)),
                       {dir / "short", "truncated header: 3 dimension(s) need 16 bytes, the file has 10"});
        write_bytes(dir / "labels", {0, 0, 8, 1, 0, 0});
        check_mentions(labels_error(dir / "labels"),
                       {dir / "labels", "truncated header: 1 dimension(s) need 8 bytes, the file has 6"});
    }
    SUBCASE("truncated payload") {
        check_mentions(images_with("cut", std::vector<char>(good.begin(), good.end() - 1)),
                       {dir / "cut", "truncated payload: header promises 3x2x4 = 24 bytes, file has 23 after the 16-byte header"});
        auto l = label_bytes();
        l.pop_back();
        write_bytes(dir / "labels", l);
        check_mentions(labels_error(dir / "labels"),
                       {dir / "labels", "truncated payload: header promises 3 labels = 3 bytes, file has 2"});
        // A header promising 2^96 bytes is reported, not allocated.
        check_mentions(images_with("huge", {0, 0, 8, 3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 7}),
                       {dir / "huge", "truncated payload: header promises 4294967295x4294967295x4294967295",
                        "file has 1 after"});
    }
    SUBCASE("trailing bytes") {
        auto b = good;
        b.push_back(1);
        b.push_back(2);
        check_mentions(images_with("long", b),
                       {dir / "long", "trailing bytes: header promises 3x2x4 = 24 bytes, file has 26", "(2 too many)"});
        auto l = label_bytes();
        l.push_back(3);
        write_bytes(dir / "labels", l);
        check_mentions(labels_error(dir / "labels"), {dir / "labels", "trailing bytes", "(1 too many)"});
    }
    SUBCASE("an empty header count") {
        check_mentions(images_with("none", {0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28}),
                       {dir / "none", "empty: the header's count is 0"});
        check_mentions(images_with("flat", {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 28}),
                       {dir / "flat", "empty images: the header's image size is 0x28"});
    }
    SUBCASE("count mismatch between images and labels") {
        write_bytes(dir / "images", good);
        write_bytes(dir / "labels", label_bytes({1, 2}));
        const std::string e = error_of([&] { load_idx_dataset<float>(dir / "images", dir / "labels"); });
        // Found from the two headers, before either payload is read.
        check_mentions(e, {dir / "images", "count mismatch: its header declares 3 images", dir / "labels",
                           "declares 2 labels"});
    }
    SUBCASE("label out of range 0..9") {
        write_bytes(dir / "train-labels-idx1-ubyte", label_bytes({0, 1, 2, 3, 4, 12, 9}));
        check_mentions(labels_error(dir / "train-labels-idx1-ubyte"),
                       {dir / "train-labels-idx1-ubyte", ": label 12 at index 5 is out of range 0..9"});
        write_bytes(dir / "images", good);
        write_bytes(dir / "labels", label_bytes({0, 255, 1}));
        check_mentions(error_of([&] { load_idx_dataset<float>(dir / "images", dir / "labels"); }),
                       {dir / "labels", "label 255 at index 1 is out of range 0..9"});
    }
    SUBCASE("gzip: truncated stream, corrupt data, and a bad IDX inside") {
        write_gzip(dir / "ok.gz", good);
        const std::vector<char> gz = read_bytes(dir / "ok.gz");
        check_mentions(images_with("cut.gz", std::vector<char>(gz.begin(), gz.end() - 6)),
                       {dir / "cut.gz", "truncated gzip stream"});
        auto bad = gz;
        bad[3] = static_cast<char>(0xE0);  // reserved flag bits must be zero
        check_mentions(images_with("flags.gz", bad), {dir / "flags.gz", "corrupt gzip data"});
        auto crc = gz;
        crc[crc.size() - 6] ^= 0x55;  // the CRC-32 in the trailer no longer matches
        check_mentions(images_with("crc.gz", crc), {dir / "crc.gz", "corrupt gzip data"});
        auto tail = gz;
        tail.push_back('x');
        tail.push_back('y');
        check_mentions(images_with("tail.gz", tail), {dir / "tail.gz", "corrupt gzip data", "2 bytes after the end"});

        write_gzip(dir / "short.gz", std::vector<char>(good.begin(), good.end() - 4));
        check_mentions(images_error(dir / "short.gz"),
                       {dir / "short.gz", "truncated payload", "file has 20 after the 16-byte header (decompressed)"});
        auto more = good;
        more.insert(more.end(), 1000, '\0');
        write_gzip(dir / "long.gz", more);
        check_mentions(images_error(dir / "long.gz"), {dir / "long.gz", "trailing bytes", "(1000 too many)"});
    }
    SUBCASE("a missing file") {
        check_mentions(images_error(dir / "nowhere"), {dir / "nowhere", "No such file"});
    }
}

TEST_CASE("is_idx_file recognises IDX by content, and any gzip data as (maybe broken) IDX, not by name") {
    TempDir dir;
    write_bytes(dir / "data.bin", image_bytes());
    write_bytes(dir / "labels.csv", label_bytes());
    write_gzip(dir / "x", image_bytes());
    CHECK(is_idx_file(dir / "data.bin"));
    CHECK(is_idx_file(dir / "labels.csv"));
    CHECK(is_idx_file(dir / "x"));
    // Other IDX data types are IDX too (the loaders then reject them by type).
    write_bytes(dir / "doubles", {0, 0, 0x0E, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0});
    CHECK(is_idx_file(dir / "doubles"));

    write_text(dir / "train-images-idx3-ubyte", "1,2,3\n4,5,6\n");  // the name alone proves nothing
    CHECK_FALSE(is_idx_file(dir / "train-images-idx3-ubyte"));
    // vecnn reads gzip only as IDX: a gzip file is IDX to be, so that a broken one
    // is reported as a broken IDX file ("corrupt gzip", "wrong magic"), not as CSV.
    write_gzip(dir / "text.gz", {'a', 'b', 'c', 'd', 'e'});
    CHECK(is_idx_file(dir / "text.gz"));
    check_mentions(error_of([&] { load_idx_labels(dir / "text.gz"); }), {dir / "text.gz", "wrong magic"});
    float v[2] = {1, 2};
    write_npy(dir / "a.npy", make_npy(v, {2}));
    CHECK_FALSE(is_idx_file(dir / "a.npy"));
    write_bytes(dir / "magic-only", {0, 0, 8, 3, 0, 0, 0, 1});  // header cut short
    CHECK_FALSE(is_idx_file(dir / "magic-only"));
    write_bytes(dir / "bad-type", {0, 0, 0x07, 1, 0, 0, 0, 1, 5});
    CHECK_FALSE(is_idx_file(dir / "bad-type"));
    write_bytes(dir / "no-dims", {0, 0, 8, 0, 1, 2, 3, 4});
    CHECK_FALSE(is_idx_file(dir / "no-dims"));
    write_bytes(dir / "gzip-magic-only", {'\x1f', '\x8b', 1, 2, 3});
    CHECK(is_idx_file(dir / "gzip-magic-only"));
    check_mentions(error_of([&] { load_idx_labels(dir / "gzip-magic-only"); }), {dir / "gzip-magic-only", "gzip"});
    CHECK_FALSE(is_idx_file(dir / "missing"));
    CHECK_FALSE(is_idx_file(dir.path));
}

TEST_CASE("the MNIST files are found under both spellings, plain or .gz, and load as a whole") {
    TempDir dir;
    write_bytes(dir / "train-images.idx3-ubyte", image_bytes());
    write_gzip(dir / "train-labels-idx1-ubyte.gz", label_bytes());
    write_bytes(dir / "t10k-images-idx3-ubyte", image_bytes());
    write_gzip(dir / "t10k-labels.idx1-ubyte.gz", label_bytes({7, 7, 7}));

    const MnistFiles f = find_mnist_files(dir.path);
    CHECK(f.train_images == dir / "train-images.idx3-ubyte");
    CHECK(f.train_labels == dir / "train-labels-idx1-ubyte.gz");
    CHECK(f.test_images == dir / "t10k-images-idx3-ubyte");
    CHECK(f.test_labels == dir / "t10k-labels.idx1-ubyte.gz");
    CHECK(find_mnist_file(dir.path + "/", "t10k-images") == dir / "t10k-images-idx3-ubyte");

    // The plain file wins over a gzipped copy next to it.
    write_gzip(dir / "t10k-images-idx3-ubyte.gz", image_bytes());
    CHECK(find_mnist_file(dir.path, "t10k-images") == dir / "t10k-images-idx3-ubyte");

    const MnistData<float> m = load_mnist<float>(dir.path);
    check_images(m.train.images);
    check_images(m.test.images);
    CHECK(m.train.labels == std::vector<std::int64_t>{0, 9, 5});
    CHECK(m.test.labels == std::vector<std::int64_t>{7, 7, 7});
    CHECK(m.test.rows == 2);
    CHECK(m.test.cols == 4);

    CHECK_THROWS_AS(find_mnist_file(dir.path, "valid-images"), std::invalid_argument);
}

TEST_CASE("a folder without the MNIST files names what is missing and the names tried") {
    TempDir dir;
    write_bytes(dir / "train-images-idx3-ubyte", image_bytes());
    write_bytes(dir / "train-labels-idx1-ubyte", label_bytes());
    const std::string e = error_of([&] { find_mnist_files(dir.path); });
    check_mentions(e, {dir.path, "no t10k-images file (tried t10k-images-idx3-ubyte, t10k-images.idx3-ubyte, "
                                 "t10k-images-idx3-ubyte.gz, t10k-images.idx3-ubyte.gz)",
                       "no t10k-labels file", "data/fetch_mnist.sh"});
    CHECK(e.find("no train-images") == std::string::npos);
    check_mentions(error_of([&] { load_mnist<double>(dir / "absent"); }), {dir / "absent", "no such folder"});
}

TEST_CASE("the IDX writer replaces a file atomically and refuses inconsistent shapes") {
    TempDir dir;
    write_text(dir / "images", "old content");
    write_idx_images(dir / "images", small_images());
    CHECK(read_idx_images(dir / "images").pixels == small_images().pixels);
    CHECK(dir.entries() == std::vector<std::string>{"images"});

    IdxImages bad = small_images();
    bad.pixels.pop_back();
    CHECK_THROWS_AS(write_idx_images(dir / "bad", bad), std::invalid_argument);
    CHECK_THROWS_AS(write_idx_labels(dir / "bad", {}), std::invalid_argument);
    CHECK(dir.entries() == std::vector<std::string>{"images"});
    check_mentions(error_of([&] { write_idx_labels(dir / "no/such/folder/labels", kLabels); }),
                   {"no/such/folder/labels", "cannot create a temporary file"});
}

TEST_CASE("the dataset loaders (data/dataset.hpp) read IDX files by content, gzipped or not") {
    TempDir dir;
    write_gzip(dir / "images.dat", image_bytes());
    write_bytes(dir / "labels.csv", label_bytes());  // the name says CSV, the content says IDX
    check_images(load_features<float>(dir / "images.dat"));
    const TargetData<double> t = load_targets<double>(dir / "labels.csv");
    CHECK(t.is_labels);
    CHECK(t.labels == std::vector<std::int64_t>{0, 9, 5});
    // A label file given as features is an error naming the file and the magic.
    check_mentions(error_of([&] { load_features<float>(dir / "labels.csv"); }),
                   {dir / "labels.csv", "wrong number of dimensions 1", "IDX label file"});
    write_bytes(dir / "bad-labels", label_bytes({3, 10}));
    check_mentions(error_of([&] { load_targets<float>(dir / "bad-labels"); }),
                   {dir / "bad-labels", "label 10 at index 1 is out of range 0..9"});
}
