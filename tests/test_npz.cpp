// .npz archives: round trips stored and deflated, numpy's savez and
// savez_compressed fixtures, every corruption named, and the atomic write.
#include <doctest/doctest.h>

#include <csignal>
#include <cstring>

#include <sys/resource.h>
#include <zip.h>

#include "io_test_util.hpp"
#include "vecnn/data/npz.hpp"

using namespace vecnn;
using vecnn::test::check_mentions;
using vecnn::test::error_of;
using vecnn::test::TempDir;

namespace {

const std::string kFixtures = std::string(VECNN_TEST_DATA_DIR) + "/numpy/";

NamedArrays sample_arrays() {
    const double w[6] = {0.5, -1, 2, 3.25, 0, -7};
    const float b[2] = {1.5f, -0.25f};
    const std::int64_t labels[4] = {3, 0, 2, 1};
    std::vector<double> big(1000);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<double>(i % 10);
    // Keys deliberately not sorted: order must survive.
    return {{"z.weight", make_npy(w, {2, 3})},
            {"a.bias", make_npy(b, {2})},
            {"labels", make_npy(labels, {4})},
            {"big", make_npy(big.data(), {10, 100})}};
}

void check_same(const NamedArrays& got, const NamedArrays& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        CHECK(got[i].first == want[i].first);
        CHECK(got[i].second.dtype == want[i].second.dtype);
        CHECK(got[i].second.shape == want[i].second.shape);
        CHECK(got[i].second.bytes == want[i].second.bytes);
    }
}

// A zip with arbitrary members, made with libzip directly (encode_npz only writes .npy members).
void write_zip(const std::string& path, const std::vector<std::pair<std::string, std::string>>& members) {
    int err = 0;
    zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    REQUIRE(za != nullptr);
    for (const auto& [name, data] : members) {
        zip_source_t* s = zip_source_buffer(za, data.data(), data.size(), 0);
        REQUIRE(zip_file_add(za, name.c_str(), s, 0) >= 0);
    }
    REQUIRE(zip_close(za) == 0);
}

// Offset of the first occurrence of `needle` in `hay`.
std::size_t find(const std::vector<char>& hay, const std::string& needle) {
    auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end());
    REQUIRE(it != hay.end());
    return static_cast<std::size_t>(it - hay.begin());
}

}  // namespace

TEST_CASE("npz round trip, stored and deflated, keeps keys in order") {
    TempDir dir;
    const NamedArrays arrays = sample_arrays();
    write_npz(dir / "stored.npz", arrays);
    write_npz(dir / "deflated.npz", arrays, NpzCompression::deflated);
    check_same(read_npz(dir / "stored.npz"), arrays);
    check_same(read_npz(dir / "deflated.npz"), arrays);
    CHECK(vecnn::test::read_bytes(dir / "deflated.npz").size() <
          vecnn::test::read_bytes(dir / "stored.npz").size() / 2);
    CHECK(read_npz(dir / "stored.npz")[1].second.source == dir / "stored.npz" + " (member 'a.bias.npy')");
    CHECK(find_array(arrays, "labels") == &arrays[2].second);
    CHECK(find_array(arrays, "nope") == nullptr);
    CHECK(dir.entries() == std::vector<std::string>{"deflated.npz", "stored.npz"});
}

TEST_CASE("npz bytes depend only on the arrays: every member is stamped 1980-01-01 00:00") {
    const NamedArrays arrays = sample_arrays();
    for (NpzCompression c : {NpzCompression::stored, NpzCompression::deflated}) {
        const std::vector<char> bytes = encode_npz(arrays, c);
        // Each local file header: "PK\3\4", then version, flags, method, DOS time, DOS date (2 bytes each).
        const std::string local_header = {'P', 'K', 3, 4};
        std::size_t members = 0;
        for (auto it = std::search(bytes.begin(), bytes.end(), local_header.begin(), local_header.end());
             it != bytes.end(); it = std::search(it + 4, bytes.end(), local_header.begin(), local_header.end())) {
            const auto at = static_cast<std::size_t>(it - bytes.begin());
            REQUIRE(at + 14 <= bytes.size());
            auto u16 = [&](std::size_t o) {
                return static_cast<unsigned>(static_cast<unsigned char>(bytes[at + o])) |
                       static_cast<unsigned>(static_cast<unsigned char>(bytes[at + o + 1])) << 8;
            };
            CHECK(u16(10) == 0u);                            // 00:00:00
            CHECK(u16(12) == ((0u << 9) | (1u << 5) | 1u));  // 1980-01-01
            ++members;
        }
        CHECK(members == arrays.size());
        CHECK(encode_npz(arrays, c) == bytes);
    }
}

TEST_CASE("npz with no arrays is a valid empty archive") {
    TempDir dir;
    write_npz(dir / "empty.npz", {});
    CHECK(vecnn::test::read_bytes(dir / "empty.npz").size() == 22);
    CHECK(read_npz(dir / "empty.npz").empty());
}

TEST_CASE("npz reads numpy.savez and numpy.savez_compressed") {
    for (const char* name : {"savez.npz", "savez_compressed.npz"}) {
        CAPTURE(name);
        const NamedArrays a = read_npz(kFixtures + name);
        REQUIRE(a.size() == 4);
        CHECK(a[0].first == "w");
        CHECK(a[1].first == "b");
        CHECK(a[2].first == "labels");
        CHECK(a[3].first == "big");
        CHECK(a[0].second.dtype == "<f4");
        CHECK(a[0].second.shape == std::vector<std::size_t>{2, 3});
        CHECK(to_vector<double>(a[0].second) == std::vector<double>{0.25, -0.5, 1.0, 2.0, 0.0, -3.75});
        CHECK(to_vector<double>(a[1].second) == std::vector<double>{0.125, -8.0});
        CHECK(to_labels(a[2].second) == std::vector<std::int64_t>{3, 1, 4, 1, 5});
        const std::vector<double> big = to_vector<double>(a[3].second);
        REQUIRE(big.size() == 500);
        CHECK(big[0] == 0.0);
        CHECK(big[499] == 9.0);
    }
}

TEST_CASE("every malformed .npz gives an error naming the archive (and member) and the problem") {
    TempDir dir;
    write_npz(dir / "good.npz", sample_arrays());
    const std::vector<char> good = vecnn::test::read_bytes(dir / "good.npz");
    auto error_for = [&](const std::string& name, const std::vector<char>& bytes) {
        vecnn::test::write_bytes(dir / name, bytes);
        return error_of([&] { read_npz(dir / name); });
    };

    SUBCASE("missing file") {
        check_mentions(error_of([&] { read_npz(dir / "none.npz"); }), {"none.npz", "No such file"});
    }
    SUBCASE("empty file") {
        check_mentions(error_for("empty.npz", {}), {"empty.npz", "empty"});
    }
    SUBCASE("not a zip") {
        const std::string text = "just some text, certainly not a zip archive\n";
        check_mentions(error_for("text.npz", std::vector<char>(text.begin(), text.end())),
                       {"text.npz", "not a valid .npz"});
    }
    SUBCASE("truncated archive") {
        check_mentions(error_for("half.npz", std::vector<char>(good.begin(), good.begin() + good.size() / 2)),
                       {"half.npz", "not a valid .npz"});
        check_mentions(error_for("tail.npz", std::vector<char>(good.begin(), good.end() - 5)),
                       {"tail.npz", "not a valid .npz"});
    }
    SUBCASE("corrupted member data fails its CRC") {
        std::vector<char> bad = good;
        // Flip a byte inside the stored payload of 'labels.npy' (after its .npy header).
        const std::size_t header = find(bad, "{'descr': '<i8'");
        bad[header + 70] ^= 0x5a;
        check_mentions(error_for("crc.npz", bad), {"crc.npz", "member 'labels.npy'", "CRC"});
    }
    SUBCASE("corrupted deflated member") {
        write_npz(dir / "d.npz", sample_arrays(), NpzCompression::deflated);
        std::vector<char> bad = vecnn::test::read_bytes(dir / "d.npz");
        const std::size_t name = find(bad, "big.npy");  // local header name, compressed data follows it
        for (std::size_t i = name + 20; i < name + 40; ++i) bad[i] = static_cast<char>(~bad[i]);
        check_mentions(error_for("dbad.npz", bad), {"dbad.npz", "member 'big.npy'"});
    }
    SUBCASE("member that is not .npy") {
        const double v = 1;
        const std::vector<char> npy = encode_npy(make_npy(&v, {1}));
        write_zip(dir / "txt.npz", {{"a.npy", std::string(npy.begin(), npy.end())}, {"readme.txt", "hello"}});
        check_mentions(error_of([&] { read_npz(dir / "txt.npz"); }),
                       {"txt.npz", "member 'readme.txt'", "not a .npy member"});
    }
    SUBCASE("member with a broken .npy inside") {
        write_zip(dir / "inner.npz", {{"x.npy", "\x93NUMPY\x01\x00\x40\x00{'descr': '<f8'"}});
        check_mentions(error_of([&] { read_npz(dir / "inner.npz"); }),
                       {"inner.npz", "member 'x.npy'", "truncated .npy header"});
        write_zip(dir / "magic.npz", {{"y.npy", "hello"}});
        check_mentions(error_of([&] { read_npz(dir / "magic.npz"); }), {"magic.npz", "member 'y.npy'", "bad magic"});
    }
}

TEST_CASE("npz writing refuses bad keys and bad arrays before touching the file") {
    TempDir dir;
    write_npz(dir / "m.npz", sample_arrays());
    const std::vector<char> before = vecnn::test::read_bytes(dir / "m.npz");

    NamedArrays dup = sample_arrays();
    dup.push_back(dup[0]);
    check_mentions(error_of([&] { write_npz(dir / "m.npz", dup); }), {"m.npz", "duplicate key 'z.weight'"});
    NamedArrays empty_key = sample_arrays();
    empty_key[1].first = "";
    check_mentions(error_of([&] { write_npz(dir / "m.npz", empty_key); }), {"m.npz", "empty key"});
    NamedArrays broken = sample_arrays();
    broken[2].second.bytes.pop_back();
    check_mentions(error_of([&] { write_npz(dir / "m.npz", broken); }), {"m.npz", "key 'labels'", "32 bytes", "31"});

    CHECK(vecnn::test::read_bytes(dir / "m.npz") == before);
    CHECK(dir.entries() == std::vector<std::string>{"m.npz"});
}

TEST_CASE("npz writing is atomic: a failed write leaves the old file and no temporary") {
    TempDir dir;
    const NamedArrays arrays = sample_arrays();

    SUBCASE("folder does not exist") {
        check_mentions(error_of([&] { write_npz(dir / "missing/sub/m.npz", arrays); }),
                       {"missing/sub/m.npz", "temporary file", "No such file"});
        CHECK(dir.entries().empty());
    }
    SUBCASE("target is a folder") {
        std::filesystem::create_directory(dir / "taken.npz");
        check_mentions(error_of([&] { write_npz(dir / "taken.npz", arrays); }), {"taken.npz", "it is a directory"});
        CHECK(dir.entries() == std::vector<std::string>{"taken.npz"});
    }
    SUBCASE("the disk fills up mid-write") {
        const double old_value = 1.0;
        write_npz(dir / "m.npz", {{"old", make_npy(&old_value, {1})}});
        const std::vector<char> before = vecnn::test::read_bytes(dir / "m.npz");

        // A file-size limit makes write() fail with EFBIG part way through the
        // new archive (about 8 KB), as a full disk would.
        struct rlimit saved {};
        REQUIRE(getrlimit(RLIMIT_FSIZE, &saved) == 0);
        auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit small = saved;
        small.rlim_cur = 4096;
        REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
        const std::string message = error_of([&] { write_npz(dir / "m.npz", arrays); });
        REQUIRE(setrlimit(RLIMIT_FSIZE, &saved) == 0);
        std::signal(SIGXFSZ, old_handler);

        check_mentions(message, {"m.npz", "writing the temporary file"});
        CHECK(vecnn::test::read_bytes(dir / "m.npz") == before);
        CHECK(dir.entries() == std::vector<std::string>{"m.npz"});
        // and the next save goes through
        write_npz(dir / "m.npz", arrays);
        CHECK(read_npz(dir / "m.npz").size() == arrays.size());
        CHECK(dir.entries() == std::vector<std::string>{"m.npz"});
    }
}

TEST_CASE("every truncation of an archive is an error naming it, never a crash") {
    TempDir dir;
    const double w[3] = {1, 2, 3};
    const std::int64_t y[2] = {0, 1};
    for (NpzCompression c : {NpzCompression::stored, NpzCompression::deflated}) {
        write_npz(dir / "small.npz", {{"w", make_npy(w, {3})}, {"y", make_npy(y, {2})}}, c);
        const std::vector<char> good = vecnn::test::read_bytes(dir / "small.npz");
        for (std::size_t n = 0; n < good.size(); ++n) {
            CAPTURE(n);
            vecnn::test::write_bytes(dir / "cut.npz",
                                     std::vector<char>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n)));
            const std::string message = error_of([&] { read_npz(dir / "cut.npz"); });
            CHECK(message.find("cut.npz") != std::string::npos);
        }
    }
}
