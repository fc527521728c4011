// The machinery of `vecnn lessons` (tools/lessons/lesson.hpp): agreement
// checks that fail when versions disagree, the peak extra heap of a version,
// skipped versions, the JSON lines; and the command's options. The lessons
// themselves run in the `lessons_check` test.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli_runner.hpp"
#include "tools/lessons/lesson.hpp"

using vecnn::lessons::Lesson;
using vecnn::lessons::Settings;

namespace {

Settings check_settings() {
    Settings s;
    s.check = true;
    return s;
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
    std::vector<nlohmann::json> rows;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
    return rows;
}

}  // namespace

TEST_CASE("an agreeing version passes; one element off by more than the tolerance fails the lesson") {
    const std::vector<double> reference{1.0, -2.0, 4.0, 0.5};
    std::ostringstream out;
    {
        Lesson l("t", check_settings(), out, nullptr);
        l.table("agreeing");
        auto& m = l.measure("same", [] {});
        std::vector<double> got = reference;
        got[2] += 4.0 * 1e-13;  // within 1e-12 x max|ref| = 4e-12
        l.compare(m, got.data(), reference.data(), got.size(), 1e-12, "float64 reordering");
        CHECK(m.agrees);
        CHECK(l.passed());
    }
    CHECK(out.str().find("agrees with the reference to max|diff| <= 1e-12 x max|ref|: float64 reordering") !=
          std::string::npos);

    std::ostringstream out2;
    Lesson l("t", check_settings(), out2, nullptr);
    l.table("disagreeing");
    auto& m = l.measure("off", [] {});
    std::vector<double> got = reference;
    got[1] += 1e-9;  // 2.5e-10 of max|ref|: over 1e-12
    l.compare(m, got.data(), reference.data(), got.size(), 1e-12, "float64 reordering");
    CHECK_FALSE(m.agrees);
    CHECK_FALSE(l.passed());
}

TEST_CASE("a NaN where the reference has a number is a disagreement, whatever the tolerance") {
    const std::vector<float> reference{1.0f, 2.0f};
    const std::vector<float> got{1.0f, std::numeric_limits<float>::quiet_NaN()};
    std::ostringstream out;
    Lesson l("t", check_settings(), out, nullptr);
    l.table("nan");
    auto& m = l.measure("nan", [] {});
    l.compare(m, got.data(), reference.data(), got.size(), 1e6, "any");
    CHECK_FALSE(m.agrees);
    CHECK_FALSE(l.passed());
}

TEST_CASE("a failed require fails the lesson and says so") {
    std::ostringstream out;
    {
        Lesson l("t", check_settings(), out, nullptr);
        l.table("requirements");
        l.require(true, "this holds");
        CHECK(l.passed());
        l.require(false, "this does not");
        CHECK_FALSE(l.passed());
    }
    CHECK(out.str().find("check passed: this holds") != std::string::npos);
    CHECK(out.str().find("CHECK FAILED: this does not") != std::string::npos);
}

TEST_CASE("the peak extra heap of a version counts what it allocates, not what was held before") {
    std::ostringstream out;
    Lesson l("t", check_settings(), out, nullptr);
    l.table("heap");
    const std::vector<char> held(8 << 20, 1);  // held before: not counted
    auto& none = l.measure("nothing", [&] {
        volatile char c = held[12345];
        (void)c;
    });
    CHECK(none.peak_extra_bytes == 0);
    auto& some = l.measure("3 MiB then 1 MiB", [] {
        std::vector<char> a(3 << 20, 1);
        a.clear();
        a.shrink_to_fit();
        std::vector<char> b(1 << 20, 2);
        volatile char c = b[7];
        (void)c;
    });
    CHECK(some.peak_extra_bytes >= (std::uint64_t{3} << 20));
    CHECK(some.peak_extra_bytes < (std::uint64_t{4} << 20));  // the two were never held together
    CHECK(some.runs == 1);                                    // --check: one run
    CHECK(some.median_s >= 0);
}

TEST_CASE("one JSON line per version, with the lesson, the table, the ratio and a skipped version as null") {
    std::ostringstream out, json;
    {
        Lesson l("demo", check_settings(), out, &json);
        l.table("first table");
        auto& a = l.measure("loop", [] {});
        a.extra["n"] = 7;
        std::vector<double> r{1, 2}, g{1, 2};
        auto& b = l.measure("vectorized", [] {});
        l.compare(b, g.data(), r.data(), 2, 0, "exact");
        l.skip("too big", "its intermediate needs 9 GiB");
        l.table("second table");
        l.measure("alone", [] {});
    }
    const auto rows = json_lines(json.str());
    REQUIRE(rows.size() == 4);
    CHECK(rows[0]["lesson"] == "demo");
    CHECK(rows[0]["table"] == "first table");
    CHECK(rows[0]["version"] == "loop");
    CHECK(rows[0]["n"] == 7);
    CHECK(rows[0]["size"] == "small");
    CHECK_FALSE(rows[0].contains("agrees"));  // the reference is not compared with itself
    CHECK(rows[1]["agrees"] == true);
    CHECK(rows[1]["max_abs_diff"] == 0.0);
    CHECK(rows[2]["median_s"].is_null());
    CHECK(rows[2]["note"] == "skipped: its intermediate needs 9 GiB");
    CHECK(rows[3]["table"] == "second table");
    CHECK(out.str().find("skipped: its intermediate needs 9 GiB") != std::string::npos);
}

TEST_CASE("vecnn lessons: --list names all eleven; bad options are errors that say what was wrong") {
    using vecnn::test::run_vecnn;
    const auto list = run_vecnn("lessons --list");
    CHECK(list.status == 0);
    for (const char* name : {"strides", "dtypes", "broadcasting", "conditional", "distance", "temporaries", "cache",
                             "matrix_chain", "blas_threads", "stability", "chunking"}) {
        CHECK_MESSAGE(list.out.find(name) != std::string::npos, name);
    }
    const auto unknown = run_vecnn("lessons --only nosuch");
    CHECK(unknown.status != 0);
    CHECK(unknown.err.find("nosuch") != std::string::npos);
    for (const char* bad : {"--budget 0", "--budget lots", "--chunk-budget -5M", "--size huge", "--threads 0"}) {
        const auto r = run_vecnn(std::string("lessons --check ") + bad);
        CHECK_MESSAGE(r.status != 0, bad);
        CHECK_MESSAGE(!r.err.empty(), bad);
    }
    const auto nowhere = run_vecnn("lessons --check --only stability --json /nonexistent-folder/x.jsonl");
    CHECK(nowhere.status != 0);
    CHECK(nowhere.err.find("/nonexistent-folder/x.jsonl") != std::string::npos);
}

TEST_CASE("vecnn lessons --check --only: runs just those, exit 0, and writes their JSON") {
    vecnn::test::TempDir dir("lessons");
    const std::string path = dir / "l.jsonl";
    const auto r = vecnn::test::run_vecnn("lessons --check --only stability matrix_chain --json '" + path + "'");
    CHECK(r.status == 0);
    CHECK(r.out.find("every check passed") != std::string::npos);
    CHECK(r.out.find("strides") == std::string::npos);
    const auto rows = json_lines(vecnn::test::slurp(path));
    REQUIRE_FALSE(rows.empty());
    for (const auto& row : rows) {
        const std::string lesson = row["lesson"];
        CHECK((lesson == "stability" || lesson == "matrix_chain"));
    }
}
