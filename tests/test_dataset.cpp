// Data files: features and targets from .npy and CSV, and every bad input
// named with its file and position (element for .npy, line/column for CSV).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "vecnn/data/csv.hpp"
#include "vecnn/data/dataset.hpp"
#include "io_test_util.hpp"
#include "vecnn/data/npy.hpp"

using namespace vecnn;
using vecnn::test::check_mentions;
using vecnn::test::error_of;
using vecnn::test::TempDir;
using vecnn::test::write_text;

namespace {

const std::string kFixtures = std::string(VECNN_TEST_DATA_DIR) + "/numpy/";

template <class T>
void save(const std::string& path, std::vector<T> values, std::vector<std::size_t> shape) {
    write_npy(path, make_npy(values.data(), std::move(shape)));
}

template <class T>
std::vector<T> flat(const Matrix<T>& m) {
    return std::vector<T>(m.data(), m.data() + m.size());
}

}  // namespace

TEST_CASE("features from CSV: header, CRLF, blank lines, spaces, quotes, signs, exponents") {
    TempDir dir;
    write_text(dir / "x.csv", "\"x0\", x1 ,x2\r\n1,2.5,-3\r\n\r\n +4 ,5e-1, \"6\"\r\n-0.25,1E2,7\n\n");
    const Matrix<double> x = load_features<double>(dir / "x.csv");
    REQUIRE(x.shape()[0] == 3);
    REQUIRE(x.shape()[1] == 3);
    CHECK(flat(x) == std::vector<double>{1, 2.5, -3, 4, 0.5, 6, -0.25, 100, 7});

    write_text(dir / "plain.txt", "1,2\n3,4");  // no header, no final newline, any extension
    CHECK(flat(load_features<float>(dir / "plain.txt")) == std::vector<float>{1, 2, 3, 4});
    write_text(dir / "bom.csv", "\xEF\xBB\xBF" "1,2\n3,4\n");  // a byte-order mark is not a header
    CHECK(flat(load_features<float>(dir / "bom.csv")) == std::vector<float>{1, 2, 3, 4});

    const CsvTable t = read_csv(dir / "x.csv");
    CHECK(t.header == std::vector<std::string>{"x0", "x1", "x2"});
    CHECK(t.lines == std::vector<std::size_t>{2, 4, 5});
    CHECK_FALSE(t.integers);
}

TEST_CASE("CSV errors name the file, the line and the column") {
    TempDir dir;
    auto error_for = [&](const std::string& name, const std::string& text) {
        write_text(dir / name, text);
        return error_of([&] { load_features<double>(dir / name); });
    };
    check_mentions(error_for("a.csv", "a,b,c\n1,2,3\n4,abc,6\n"), {"a.csv", "line 3, column 2", "'abc' is not a number"});
    check_mentions(error_for("w.csv", "1,2,3\n4,5,6\n7,8\n"), {"w.csv", "line 3 has 2 columns, expected 3 (as line 1)"});
    check_mentions(error_for("h.csv", "a,b\n1,2,3\n"), {"h.csv", "line 2 has 3 columns, expected 2 (as line 1)"});
    check_mentions(error_for("e.csv", "1,2,3\n4,,6\n"), {"e.csv", "line 2, column 2", "empty field"});
    check_mentions(error_for("t.csv", "1,2,\n"), {"t.csv", "line 1, column 3", "empty field"});
    check_mentions(error_for("n.csv", "1,2\n3,nan\n"), {"n.csv", "line 2, column 2", "NaN"});
    check_mentions(error_for("i.csv", "1,2\n-inf,3\n"), {"i.csv", "line 2, column 1", "infinity"});
    check_mentions(error_for("r.csv", "1,2\n3,1e999\n"), {"r.csv", "line 2, column 2", "out of the range"});
    check_mentions(error_for("o.csv", "x,y\n"), {"o.csv", "no data rows after the header line"});
    check_mentions(error_for("z.csv", ""), {"z.csv", "no data rows"});
    check_mentions(error_for("s.csv", "a;b\n1;2\n"), {"s.csv", "line 2, column 1", "'1;2' is not a number", "commas"});
    check_mentions(error_of([&] { load_features<double>(dir / "missing.csv"); }), {"missing.csv", "No such file"});

    // float32 has a smaller range than the parsed float64
    write_text(dir / "f.csv", "1,2\n3,1e39\n");
    CHECK(load_features<double>(dir / "f.csv")(1, 1) == 1e39);
    check_mentions(error_of([&] { load_features<float>(dir / "f.csv"); }), {"f.csv", "line 2, column 2", "range of float32"});
}

TEST_CASE("features from .npy: float32, float64, integers, 1-d as a column") {
    TempDir dir;
    save<float>(dir / "f4.npy", {1, 2, 3, 4, 5, 6}, {2, 3});
    save<double>(dir / "f8.npy", {0.5, 1.5}, {2});
    save<std::int32_t>(dir / "i4.npy", {7, -8, 9, 10}, {2, 2});
    const Matrix<double> a = load_features<double>(dir / "f4.npy");
    CHECK(a.shape()[0] == 2);
    CHECK(a.shape()[1] == 3);
    CHECK(flat(a) == std::vector<double>{1, 2, 3, 4, 5, 6});
    const Matrix<float> b = load_features<float>(dir / "f8.npy");
    CHECK(b.shape()[0] == 2);
    CHECK(b.shape()[1] == 1);
    CHECK(flat(load_features<float>(dir / "i4.npy")) == std::vector<float>{7, -8, 9, 10});
    CHECK(flat(load_features<double>(kFixtures + "f4_2x3.npy")) ==
          std::vector<double>{-0.625, -0.375, -0.125, 0.125, 0.375, 0.625});

    save<double>(dir / "saved_as.dat", {1, 2}, {1, 2});  // the magic decides, not the name
    CHECK(flat(load_features<double>(dir / "saved_as.dat")) == std::vector<double>{1, 2});
}

TEST_CASE(".npy feature errors name the file and the element") {
    TempDir dir;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    save<double>(dir / "nan.npy", {1, 2, 3, 4, 5, nan}, {2, 3});
    check_mentions(error_of([&] { load_features<double>(dir / "nan.npy"); }), {"nan.npy", "element [1, 2] is NaN"});
    save<float>(dir / "inf.npy", {1, static_cast<float>(-inf)}, {2});
    check_mentions(error_of([&] { load_features<float>(dir / "inf.npy"); }), {"inf.npy", "element [1] is infinite"});
    save<double>(dir / "big.npy", {1, 1e300}, {1, 2});
    check_mentions(error_of([&] { load_features<float>(dir / "big.npy"); }), {"big.npy", "element [0, 1]", "float32"});
    save<double>(dir / "3d.npy", {1, 2}, {1, 1, 2});
    check_mentions(error_of([&] { load_features<double>(dir / "3d.npy"); }), {"3d.npy", "1-d or 2-d", "(1, 1, 2)"});
    save<double>(dir / "0d.npy", {1}, {});
    check_mentions(error_of([&] { load_features<double>(dir / "0d.npy"); }), {"0d.npy", "1-d or 2-d", "()"});
    save<double>(dir / "empty.npy", {}, {0, 4});
    check_mentions(error_of([&] { load_features<double>(dir / "empty.npy"); }), {"empty.npy", "empty", "(0, 4)"});
    write_text(dir / "text.npy", "1,2,3\n");
    check_mentions(error_of([&] { load_features<double>(dir / "text.npy"); }), {"text.npy", "bad magic"});
    write_text(dir / "a.npz", "PK");
    check_mentions(error_of([&] { load_features<double>(dir / "a.npz"); }), {"a.npz", "separate .npy"});
    check_mentions(error_of([&] { load_features<double>(kFixtures + "f8_bigendian.npy"); }), {"f8_bigendian.npy", "big-endian"});
}

TEST_CASE("targets: class labels from integer .npy and integer CSV") {
    TempDir dir;
    save<std::int64_t>(dir / "y.npy", {0, 2, 1, 2}, {4});
    TargetData<double> t = load_targets<double>(dir / "y.npy");
    CHECK(t.is_labels);
    CHECK(t.size() == 4);
    CHECK(t.labels == std::vector<std::int64_t>{0, 2, 1, 2});

    save<std::int32_t>(dir / "col.npy", {3, 1}, {2, 1});  // a column vector of labels
    CHECK(load_targets<float>(dir / "col.npy").labels == std::vector<std::int64_t>{3, 1});
    save<std::uint8_t>(dir / "u1.npy", {9, 0, 255}, {3});
    CHECK(load_targets<float>(dir / "u1.npy").labels == std::vector<std::int64_t>{9, 0, 255});
    CHECK(load_targets<float>(kFixtures + "i8_labels.npy").labels == std::vector<std::int64_t>{0, 2, 1, 9});

    write_text(dir / "y.csv", "label\n1\n0\n 3\n");
    const TargetData<float> c = load_targets<float>(dir / "y.csv");
    CHECK(c.is_labels);
    CHECK(c.labels == std::vector<std::int64_t>{1, 0, 3});
}

TEST_CASE("targets: rows from float .npy, one-hot integers, and CSV") {
    TempDir dir;
    save<double>(dir / "r.npy", {0.5, 1, 1.5, 2}, {2, 2});
    TargetData<double> r = load_targets<double>(dir / "r.npy");
    CHECK_FALSE(r.is_labels);
    CHECK(r.size() == 2);
    CHECK(flat(r.rows) == std::vector<double>{0.5, 1, 1.5, 2});

    save<float>(dir / "r1.npy", {0, 1, 2}, {3});  // float 1-d: a regression target per sample, not labels
    const TargetData<float> r1 = load_targets<float>(dir / "r1.npy");
    CHECK_FALSE(r1.is_labels);
    CHECK(r1.rows.shape()[0] == 3);
    CHECK(r1.rows.shape()[1] == 1);

    save<std::int64_t>(dir / "onehot.npy", {0, 1, 1, 0}, {2, 2});
    CHECK(flat(load_targets<double>(dir / "onehot.npy").rows) == std::vector<double>{0, 1, 1, 0});

    write_text(dir / "y.csv", "y\n1.0\n2.5\n");  // one column, not all integers: rows
    const TargetData<double> c = load_targets<double>(dir / "y.csv");
    CHECK_FALSE(c.is_labels);
    CHECK(flat(c.rows) == std::vector<double>{1.0, 2.5});
    write_text(dir / "y2.csv", "1,2\n3,4\n");  // several integer columns: rows
    CHECK(flat(load_targets<double>(dir / "y2.csv").rows) == std::vector<double>{1, 2, 3, 4});
}

TEST_CASE("target errors name the file and the position") {
    TempDir dir;
    save<std::int64_t>(dir / "neg.npy", {0, 1, -1}, {3});
    check_mentions(error_of([&] { load_targets<double>(dir / "neg.npy"); }), {"neg.npy", "label -1", "element [2]", "negative"});
    write_text(dir / "neg.csv", "0\n1\n-2\n");
    check_mentions(error_of([&] { load_targets<double>(dir / "neg.csv"); }), {"neg.csv", "line 3", "label -2", "negative"});
    const double nan = std::numeric_limits<double>::quiet_NaN();
    save<double>(dir / "nan.npy", {1, nan}, {2, 1});
    check_mentions(error_of([&] { load_targets<double>(dir / "nan.npy"); }), {"nan.npy", "element [1, 0] is NaN"});
    write_text(dir / "inf.csv", "1,2\n3,inf\n");
    check_mentions(error_of([&] { load_targets<double>(dir / "inf.csv"); }), {"inf.csv", "line 2, column 2", "infinity"});
    save<std::uint64_t>(dir / "huge.npy", {1, 18446744073709551615ull}, {2});
    check_mentions(error_of([&] { load_targets<double>(dir / "huge.npy"); }), {"huge.npy", "element [1]", "out of range"});
}

TEST_CASE("check_label_range names the sample and the class count") {
    check_label_range({0, 1, 9}, 10, "y.npy");
    check_mentions(error_of([] { check_label_range({0, 10, 2}, 10, "y.npy"); }),
                   {"y.npy", "label 10 of sample 1", "out of range for 10 classes", "0..9"});
    check_mentions(error_of([] { check_label_range({-3}, 2, "y.csv"); }), {"y.csv", "label -3"});
}
