// .npy reading and writing: round trips of every dtype, the exact header
// numpy writes, numpy-written fixtures (tools/make_numpy_fixtures.py), and one
// error per kind of malformed input, each naming the file and the problem.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "io_test_util.hpp"
#include "vecnn/data/npy.hpp"
#include "vecnn/data/npy_matrix.hpp"

using namespace vecnn;
using vecnn::test::check_mentions;
using vecnn::test::error_of;
using vecnn::test::TempDir;

namespace {

const std::string kFixtures = std::string(VECNN_TEST_DATA_DIR) + "/numpy/";

// A .npy file by hand: magic, version, header text padded to 64 bytes, payload.
std::vector<char> npy_file(const std::string& dict, const std::vector<char>& payload, int major = 1) {
    std::string header = dict;
    const std::size_t preamble = major == 1 ? 10 : 12;
    while ((preamble + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::vector<char> out = {'\x93', 'N', 'U', 'M', 'P', 'Y', static_cast<char>(major), 0};
    const std::size_t n = header.size();
    out.push_back(static_cast<char>(n & 0xff));
    out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (major != 1) {
        out.push_back(0);
        out.push_back(0);
    }
    out.insert(out.end(), header.begin(), header.end());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

std::vector<char> doubles(std::initializer_list<double> v) {
    std::vector<char> bytes(v.size() * sizeof(double));
    std::memcpy(bytes.data(), v.begin(), bytes.size());  // the test machine is little-endian, as numpy's files
    return bytes;
}

template <class T>
void check_round_trip(const TempDir& dir, std::vector<T> values, std::vector<std::size_t> shape) {
    static int counter = 0;
    const std::string path = dir / ("rt" + std::to_string(counter++) + "_" + dtype_name(dtype_of<T>()) + ".npy");
    write_npy(path, make_npy(values.data(), shape));
    const NpyArray a = read_npy(path);
    CHECK(a.dtype == dtype_of<T>());
    CHECK(a.shape == shape);
    CHECK(a.source == path);
    CHECK(to_vector<T>(a) == values);
}

}  // namespace

TEST_CASE("npy round trip of every dtype, 0-d, 1-d and 2-d") {
    TempDir dir;
    check_round_trip<float>(dir, {1.5f, -2.25f, 0.0f, 3e38f, -1e-38f, 7.0f}, {2, 3});
    check_round_trip<double>(dir, {0.1, -1e300, 5e-324, 2.0}, {4});
    check_round_trip<double>(dir, {42.5}, {});
    check_round_trip<std::int64_t>(dir, {0, -1, std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()},
                                   {2, 2});
    check_round_trip<std::int32_t>(dir, {7, -8, 2147483647}, {3});
    check_round_trip<std::int16_t>(dir, {-32768, 32767}, {1, 2});
    check_round_trip<std::int8_t>(dir, {-128, 127, 0}, {3});
    check_round_trip<std::uint8_t>(dir, {0, 255, 17, 3}, {2, 2});
    check_round_trip<std::uint16_t>(dir, {65535, 1}, {2});
    check_round_trip<std::uint32_t>(dir, {4294967295u, 0}, {2});
    check_round_trip<std::uint64_t>(dir, {18446744073709551615ull, 5}, {2});
    check_round_trip<float>(dir, {}, {0, 3});  // empty arrays are arrays too
    CHECK(dir.entries().size() == 12);        // and no temporary files beside them
}

TEST_CASE("npy writes the header numpy writes") {
    const float v[6] = {1, 2, 3, 4, 5, 6};
    const std::vector<char> file = encode_npy(make_npy(v, {2, 3}));
    REQUIRE(file.size() == 128 + 24);
    CHECK(std::string(file.data(), 6) == "\x93NUMPY");
    CHECK(file[6] == 1);
    CHECK(file[7] == 0);
    const std::size_t header_len = static_cast<unsigned char>(file[8]) | (static_cast<unsigned char>(file[9]) << 8);
    CHECK(header_len == 128 - 10);
    const std::string header(file.data() + 10, header_len);
    CHECK(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 0) == 0);
    CHECK(header.back() == '\n');
    CHECK(std::memcmp(file.data() + 128, v, sizeof v) == 0);

    const double s = 2.5;
    const std::vector<char> one_d = encode_npy(make_npy(&s, {1}));
    CHECK(std::string(one_d.data() + 10, 60).find("'shape': (1,)") != std::string::npos);
    const std::vector<char> zero_d = encode_npy(make_npy(&s, {}));
    CHECK(std::string(zero_d.data() + 10, 60).find("'shape': ()") != std::string::npos);
}

TEST_CASE("npy files are byte-identical to numpy.save's") {
    for (const char* name : {"f4_2x3.npy", "f8_1d.npy", "i8_labels.npy", "i4_2x2.npy", "u1_1d.npy", "f8_0d.npy", "bool_1d.npy"}) {
        CAPTURE(name);
        const std::vector<char> numpy_bytes = vecnn::test::read_bytes(kFixtures + name);
        CHECK(encode_npy(read_npy(kFixtures + name)) == numpy_bytes);
    }
}

TEST_CASE("npy writes version 2.0 when the header outgrows 1.0") {
    TempDir dir;
    const std::vector<std::size_t> shape(22000, 1);  // "1, " * 22000 > 65535 header bytes
    const double v = 4.0;
    write_npy(dir / "v2.npy", make_npy(&v, shape));
    const std::vector<char> file = vecnn::test::read_bytes(dir / "v2.npy");
    CHECK(file[6] == 2);
    CHECK(file.size() % 64 == 8);  // header padded to 64, then one double
    const NpyArray a = read_npy(dir / "v2.npy");
    CHECK(a.shape == shape);
    CHECK(to_vector<double>(a) == std::vector<double>{4.0});
}

TEST_CASE("npy reads hand-made headers: versions 2.0 and 3.0, spacing, Python 2 longs, no trailing comma") {
    TempDir dir;
    const auto payload = doubles({1, 2, 3, 4, 5, 6});
    const std::string dicts[] = {
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
        "{\"descr\":\"<f8\",\"fortran_order\":False,\"shape\":(2,3)}",
        "{'shape': (2L, 3L), 'fortran_order': False, 'descr': '<f8'}",
    };
    int i = 0;
    for (const std::string& dict : dicts) {
        for (int major : {1, 2, 3}) {
            const std::string path = dir / ("h" + std::to_string(i++) + ".npy");
            vecnn::test::write_bytes(path, npy_file(dict, payload, major));
            const NpyArray a = read_npy(path);
            CHECK(a.shape == std::vector<std::size_t>{2, 3});
            CHECK(to_vector<double>(a) == std::vector<double>{1, 2, 3, 4, 5, 6});
        }
    }
    // numpy spells float64 as '<f8'; a descr without byte order means native (little-endian here).
    vecnn::test::write_bytes(dir / "native.npy", npy_file("{'descr': 'f8', 'fortran_order': False, 'shape': (1,), }", doubles({9})));
    CHECK(read_npy(dir / "native.npy").dtype == "<f8");
}

TEST_CASE("npy reads numpy-written files") {
    const NpyArray f4 = read_npy(kFixtures + "f4_2x3.npy");
    CHECK(f4.dtype == "<f4");
    CHECK(f4.shape == std::vector<std::size_t>{2, 3});
    const Matrix<double> m = to_matrix<double>(f4);
    CHECK(m(0, 0) == -0.625);
    CHECK(m(1, 2) == 0.625);

    CHECK(to_vector<double>(read_npy(kFixtures + "f8_1d.npy")) == std::vector<double>{0.5, -1.25, 3e10, 1e-300});
    CHECK(to_labels(read_npy(kFixtures + "i8_labels.npy")) == std::vector<std::int64_t>{0, 2, 1, 9});
    CHECK(to_vector<std::int64_t>(read_npy(kFixtures + "i4_2x2.npy")) ==
          std::vector<std::int64_t>{-7, 2147483647, 0, -2147483648LL});
    const NpyArray u1 = read_npy(kFixtures + "u1_1d.npy");
    CHECK(u1.dtype == "|u1");
    CHECK(to_labels(u1) == std::vector<std::int64_t>{0, 255, 7});
    const NpyArray s = read_npy(kFixtures + "f8_0d.npy");
    CHECK(s.ndim() == 0);
    CHECK(to_vector<double>(s) == std::vector<double>{3.5});
    const NpyArray b = read_npy(kFixtures + "bool_1d.npy");
    CHECK(b.dtype == "|b1");
    CHECK(to_labels(b) == std::vector<std::int64_t>{1, 0, 1});
    CHECK(to_vector<double>(read_npy(kFixtures + "f8_v2.npy")) == std::vector<double>{1.5, -2.0});
}

TEST_CASE("npy refuses numpy files it does not support, saying why") {
    check_mentions(error_of([] { read_npy(kFixtures + "f4_fortran.npy"); }), {"f4_fortran.npy", "fortran_order"});
    check_mentions(error_of([] { read_npy(kFixtures + "f8_bigendian.npy"); }), {"f8_bigendian.npy", "big-endian", "'>f8'"});
    check_mentions(error_of([] { read_npy(kFixtures + "f2_1d.npy"); }), {"f2_1d.npy", "unsupported dtype", "float16"});
}

TEST_CASE("every malformed .npy gives an error naming the file and the problem") {
    TempDir dir;
    const std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
    const std::vector<char> good = npy_file(dict, doubles({1, 2, 3, 4, 5, 6}));
    auto error_for = [&](const std::string& name, const std::vector<char>& bytes) {
        const std::string path = dir / name;
        vecnn::test::write_bytes(path, bytes);
        return error_of([&] { read_npy(path); });
    };

    SUBCASE("missing file") { check_mentions(error_of([&] { read_npy(dir / "nope.npy"); }), {"nope.npy", "No such file"}); }
    SUBCASE("empty file") { check_mentions(error_for("empty.npy", {}), {"empty.npy", "empty"}); }
    SUBCASE("bad magic") {
        std::vector<char> bad = good;
        bad[1] = 'X';
        check_mentions(error_for("magic.npy", bad), {"magic.npy", "bad magic"});
        const std::string text = "1,2,3\n";
        check_mentions(error_for("csv.npy", std::vector<char>(text.begin(), text.end())), {"csv.npy", "not a .npy file"});
    }
    SUBCASE("truncated preamble") {
        check_mentions(error_for("pre.npy", std::vector<char>(good.begin(), good.begin() + 9)), {"pre.npy", "truncated .npy header"});
    }
    SUBCASE("truncated header") {
        check_mentions(error_for("hdr.npy", std::vector<char>(good.begin(), good.begin() + 30)), {"hdr.npy", "truncated .npy header"});
    }
    SUBCASE("truncated payload") {
        check_mentions(error_for("short.npy", std::vector<char>(good.begin(), good.end() - 3)),
                       {"short.npy", "truncated data", "(2, 3)", "48 bytes", "45"});
    }
    SUBCASE("payload longer than the shape") {
        std::vector<char> longer = good;
        longer.push_back(0);
        check_mentions(error_for("long.npy", longer), {"long.npy", "does not match the shape", "49"});
    }
    SUBCASE("shape and payload disagree") {
        check_mentions(error_for("shape.npy", npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 3), }",
                                                       doubles({1, 2, 3, 4, 5, 6}))),
                       {"shape.npy", "(3, 3)", "72 bytes", "48"});
    }
    SUBCASE("unsupported dtypes") {
        check_mentions(error_for("c16.npy", npy_file("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", doubles({1, 2}))),
                       {"c16.npy", "unsupported dtype '<c16'"});
        check_mentions(error_for("obj.npy", npy_file("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", doubles({1}))),
                       {"obj.npy", "unsupported dtype '|O'"});
        check_mentions(error_for("rec.npy", npy_file("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }",
                                                     doubles({1}))),
                       {"rec.npy", "structured"});
    }
    SUBCASE("big-endian") {
        check_mentions(error_for("be.npy", npy_file("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", doubles({1}))),
                       {"be.npy", "big-endian dtype '>i4'"});
    }
    SUBCASE("fortran order") {
        check_mentions(error_for("f.npy", npy_file("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
                                                   doubles({1, 2, 3, 4, 5, 6}))),
                       {"f.npy", "fortran_order"});
    }
    SUBCASE("unsupported version") {
        std::vector<char> v4 = good;
        v4[6] = 4;
        check_mentions(error_for("v4.npy", v4), {"v4.npy", "version 4.0"});
    }
    SUBCASE("malformed header dictionaries") {
        check_mentions(error_for("noshape.npy", npy_file("{'descr': '<f8', 'fortran_order': False, }", doubles({1}))),
                       {"noshape.npy", "malformed .npy header", "no 'shape' key"});
        check_mentions(error_for("garbage.npy", npy_file("hello", doubles({1}))), {"garbage.npy", "malformed .npy header"});
        check_mentions(error_for("extra.npy", npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}",
                                                       doubles({1}))),
                       {"extra.npy", "unexpected key 'x'"});
        check_mentions(error_for("neg.npy", npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", doubles({1}))),
                       {"neg.npy", "non-negative integer"});
        check_mentions(error_for("huge.npy", npy_file("{'descr': '<f8', 'fortran_order': False, "
                                                      "'shape': (4294967296, 4294967296), }",
                                                      doubles({1}))),
                       {"huge.npy", "too large"});
    }
}

TEST_CASE("conversions check every value") {
    const double halves[3] = {1.0, 2.5, -3.0};
    NpyArray a = make_npy(halves, {3});
    a.source = "y.npy";
    check_mentions(error_of([&] { to_labels(a); }), {"y.npy", "element [1]", "2.5", "not an integer"});

    const double integral[3] = {1.0, 2.0, 0.0};
    CHECK(to_labels(make_npy(integral, {3})) == std::vector<std::int64_t>{1, 2, 0});

    const std::uint64_t big[2] = {1, 18446744073709551615ull};
    NpyArray u = make_npy(big, {1, 2});
    u.source = "u.npy";
    check_mentions(error_of([&] { to_labels(u); }), {"u.npy", "element [0, 1]", "out of range", "int64"});

    const double huge[2] = {1.0, 1e300};
    NpyArray h = make_npy(huge, {2});
    h.source = "h.npy";
    check_mentions(error_of([&] { to_vector<float>(h); }), {"h.npy", "element [1]", "out of range", "float32"});
    check_mentions(error_of([&] { make_npy(huge, {2}, "<f4"); }), {"element [1]", "float32"});
    CHECK(to_vector<float>(make_npy(halves, {3}, "<f4")) == std::vector<float>{1.0f, 2.5f, -3.0f});

    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK(std::isnan(to_vector<float>(make_npy(&nan, {1}))[0]));  // NaN is a float value; the data loaders reject it
    check_mentions(error_of([&] { make_npy(halves, {3}, "<i8"); }), {"element [1]", "2.5", "int64"});
    const std::int64_t neg = -1;
    check_mentions(error_of([&] { make_npy(&neg, {1}, "|u1"); }), {"element [0]", "-1", "uint8"});
}

TEST_CASE("to_matrix: 2-d as is, 1-d as a column, other ranks refused") {
    const std::int32_t v[6] = {1, 2, 3, 4, 5, 6};
    const Matrix<float> m = to_matrix<float>(make_npy(v, {2, 3}));
    CHECK(m.shape()[0] == 2);
    CHECK(m.shape()[1] == 3);
    CHECK(m(1, 0) == 4.0f);
    const Matrix<double> c = to_matrix<double>(make_npy(v, {6}));
    CHECK(c.shape()[0] == 6);
    CHECK(c.shape()[1] == 1);
    NpyArray three = make_npy(v, {1, 2, 3});
    three.source = "t.npy";
    check_mentions(error_of([&] { to_matrix<double>(three); }), {"t.npy", "1-d or 2-d", "(1, 2, 3)"});

    const NpyArray back = from_matrix(m, "<f8");
    CHECK(back.shape == std::vector<std::size_t>{2, 3});
    CHECK(to_vector<double>(back) == std::vector<double>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("encode_npy refuses an array whose bytes do not match its shape") {
    NpyArray a;
    a.dtype = "<f8";
    a.shape = {2, 2};
    a.bytes.resize(24);
    check_mentions(error_of([&] { encode_npy(a); }), {"(2, 2)", "32 bytes", "24"});
    TempDir dir;
    check_mentions(error_of([&] { write_npy(dir / "bad.npy", a); }), {"bad.npy", "32 bytes"});
    a.dtype = "<c8";
    a.bytes.resize(32);
    check_mentions(error_of([&] { encode_npy(a); }), {"unsupported dtype '<c8'"});
    CHECK(dir.entries().empty());
}

TEST_CASE("every truncation and every header byte flip is an error or a valid array, never a crash") {
    TempDir dir;
    const float v[6] = {1, 2, 3, 4, 5, 6};
    const std::vector<char> good = encode_npy(make_npy(v, {2, 3}));
    for (std::size_t n = 0; n < good.size(); ++n) {
        CAPTURE(n);
        CHECK_THROWS_AS(parse_npy(std::vector<char>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n)), "cut.npy"),
                        std::runtime_error);
    }
    for (std::size_t i = 0; i < 128; ++i) {
        for (unsigned char mask : {0x01, 0x20, 0x80, 0xff}) {
            std::vector<char> bad = good;
            bad[i] = static_cast<char>(bad[i] ^ mask);
            try {
                const NpyArray a = parse_npy(bad, "flip.npy");
                CHECK(a.bytes.size() == a.size() * dtype_itemsize(a.dtype));  // whatever it parsed is consistent
            } catch (const std::runtime_error& e) {
                CHECK(std::string(e.what()).rfind("flip.npy: ", 0) == 0);
            }
        }
    }
}
