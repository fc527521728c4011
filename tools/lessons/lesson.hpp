// The vectorization lessons (`vecnn lessons`): each lesson computes the same
// thing a loop way and one or more vectorized ways (xtensor expressions,
// views, BLAS), checks that they agree (to a stated tolerance, for a stated
// reason), and reports per version the median time, the ratio to the loop,
// and the peak extra heap memory (tools/cli/allocation_counter.hpp). A lesson
// is a function of a Lesson, which prints its tables on the terminal and
// writes one JSON line per version.
#pragma once

#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vecnn::lessons {

enum class Size { small, full };

struct Settings {
    Size size = Size::full;
    bool check = false;                              // small sizes, agreement checks only (the test suite)
    std::uint64_t budget_bytes = std::uint64_t{1} << 30;        // the design challenge's smaller budget (lesson 11)
    std::uint64_t chunk_budget_bytes = std::uint64_t{64} << 20;  // the chunked distance matrix's (lesson 5)
    double seconds = 0.3;                            // timing budget per version (at least 3 runs)
};

// One version of a computation, timed.
struct Measurement {
    std::string version;
    double median_s = std::numeric_limits<double>::quiet_NaN();
    int runs = 0;
    std::uint64_t peak_extra_bytes = 0;  // heap held on top of what was held before, at most
    bool compared = false;
    double max_abs_diff = 0, max_rel_diff = 0;  // relative: element by element
    double max_reference = 0;                   // max |reference|: max_abs_diff / this is the norm-wise error
    bool agrees = true;
    std::string note;  // e.g. "skipped: needs 9.3 GiB"
    nlohmann::ordered_json extra = nlohmann::ordered_json::object();  // lesson-specific figures
};

class Lesson {
public:
    Lesson(std::string name, const Settings& settings, std::ostream& out, std::ostream* json);
    ~Lesson();

    const Settings& settings() const { return settings_; }
    bool full() const { return settings_.size == Size::full && !settings_.check; }
    const std::string& name() const { return name_; }

    // Starts a table: the measurements after it are rows of it.
    void table(const std::string& title);
    // A fact printed under the current table (and kept in the JSON of its rows).
    void say(const std::string& text);
    // Runs f until the timing budget is spent (at least 3 runs, 1 under --check
    // or when one run takes more than a second); the median time and the peak
    // extra heap of any run.
    Measurement& measure(const std::string& version, const std::function<void()>& f);
    // A version that was not run, and why (shown in its row).
    Measurement& skip(const std::string& version, const std::string& why);
    // Norm-wise agreement of `got` with `reference` (the loop version):
    // max|got - ref| <= rtol * max|ref| (+ atol). `why` says why that tolerance.
    void compare(Measurement& m, const double* got, const double* reference, std::size_t n, double rtol,
                 const std::string& why, double atol = 0);
    void compare(Measurement& m, const float* got, const float* reference, std::size_t n, double rtol,
                 const std::string& why, double atol = 0);
    // A pass/fail check of the lesson itself (e.g. "the naive softmax overflows").
    void require(bool ok, const std::string& what);

    bool passed() const { return passed_; }

private:
    void flush();
    template <class T>
    void compare_values(Measurement& m, const T* got, const T* reference, std::size_t n, double rtol,
                        const std::string& why, double atol);

    std::string name_;
    Settings settings_;
    std::ostream& out_;
    std::ostream* json_;
    std::string title_;
    std::vector<std::string> facts_;
    std::deque<Measurement> rows_;  // a deque: measure() hands out references that must stay valid
    bool passed_ = true;
};

using LessonFunction = void (*)(Lesson&);

struct LessonEntry {
    const char* name;
    const char* title;
    LessonFunction run;
};

// The lessons, in order (lessons.cpp).
const std::vector<LessonEntry>& all_lessons();

// "1.23 ms", "456 us"; "3.4 GiB"
std::string format_seconds(double s);
std::string format_size(std::uint64_t bytes);
std::string format_number(double x);  // 3 significant digits: 6.1e-08, 0.125, 42

// Each lesson (one file each).
void lesson_strides(Lesson&);
void lesson_dtypes(Lesson&);
void lesson_broadcasting(Lesson&);
void lesson_conditional(Lesson&);
void lesson_distance(Lesson&);
void lesson_temporaries(Lesson&);
void lesson_cache(Lesson&);
void lesson_matrix_chain(Lesson&);
void lesson_blas_threads(Lesson&);
void lesson_stability(Lesson&);
void lesson_chunking(Lesson&);

}  // namespace vecnn::lessons
