#include "tools/lessons/lesson.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iomanip>
#include <sstream>

#include "tools/cli/allocation_counter.hpp"
#include "vecnn/tensor/limits.hpp"

namespace vecnn::lessons {

std::string format_seconds(double s) {
    char buf[32];
    if (!std::isfinite(s)) return "-";
    if (s >= 1) {
        std::snprintf(buf, sizeof buf, "%.3g s", s);
    } else if (s >= 1e-3) {
        std::snprintf(buf, sizeof buf, "%.3g ms", s * 1e3);
    } else if (s >= 1e-6) {
        std::snprintf(buf, sizeof buf, "%.3g us", s * 1e6);
    } else {
        std::snprintf(buf, sizeof buf, "%.3g ns", s * 1e9);
    }
    return buf;
}

std::string format_size(std::uint64_t bytes) { return bytes == 0 ? "0" : format_bytes(bytes); }

std::string format_number(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", x);
    return buf;
}

Lesson::Lesson(std::string name, const Settings& settings, std::ostream& out, std::ostream* json)
    : name_(std::move(name)), settings_(settings), out_(out), json_(json) {}

Lesson::~Lesson() { flush(); }

void Lesson::table(const std::string& title) {
    flush();
    title_ = title;
}

void Lesson::say(const std::string& text) { facts_.push_back(text); }

Measurement& Lesson::measure(const std::string& version, const std::function<void()>& f) {
    using clock = std::chrono::steady_clock;
    Measurement m;
    m.version = version;
    std::vector<double> times;
    const auto start = clock::now();
    for (;;) {
        const std::uint64_t held = cli::heap_bytes_in_use();
        cli::reset_heap_peak();
        const auto t0 = clock::now();
        f();
        const double t = std::chrono::duration<double>(clock::now() - t0).count();
        const std::uint64_t peak = cli::heap_peak_bytes();
        m.peak_extra_bytes = std::max(m.peak_extra_bytes, peak > held ? peak - held : 0);
        times.push_back(t);
        const double spent = std::chrono::duration<double>(clock::now() - start).count();
        if (settings_.check || (times.size() == 1 && t > 1.0)) break;
        if (times.size() >= 3 && spent >= settings_.seconds) break;
        if (times.size() >= 101) break;
    }
    std::sort(times.begin(), times.end());
    m.runs = static_cast<int>(times.size());
    m.median_s = times.size() % 2 ? times[times.size() / 2]
                                  : 0.5 * (times[times.size() / 2 - 1] + times[times.size() / 2]);
    rows_.push_back(std::move(m));
    return rows_.back();
}

Measurement& Lesson::skip(const std::string& version, const std::string& why) {
    Measurement m;
    m.version = version;
    m.note = "skipped: " + why;
    rows_.push_back(std::move(m));
    return rows_.back();
}

template <class T>
void Lesson::compare_values(Measurement& m, const T* got, const T* reference, std::size_t n, double rtol,
                            const std::string& why, double atol) {
    double max_diff = 0, max_ref = 0, max_rel = 0;
    bool nan = false;
    for (std::size_t i = 0; i < n; ++i) {
        const double a = static_cast<double>(got[i]), b = static_cast<double>(reference[i]);
        const double d = std::abs(a - b);
        if (std::isnan(d)) nan = true;
        max_diff = std::max(max_diff, d);
        max_ref = std::max(max_ref, std::abs(b));
        if (b != 0) max_rel = std::max(max_rel, d / std::abs(b));
    }
    m.compared = true;
    m.max_abs_diff = max_diff;
    m.max_rel_diff = max_rel;
    m.max_reference = max_ref;
    m.agrees = !nan && max_diff <= rtol * max_ref + atol;
    std::ostringstream s;
    s << "'" << m.version << "' agrees with the reference to max|diff| <= " << rtol << " x max|ref|";
    if (atol > 0) s << " + " << atol;
    s << ": " << why;
    if (std::find(facts_.begin(), facts_.end(), s.str()) == facts_.end()) facts_.push_back(s.str());
    if (!m.agrees) {
        passed_ = false;
        facts_.push_back("DISAGREES: '" + m.version + "' differs by " + format_number(max_diff) + " (max |ref| " +
                         format_number(max_ref) + ")");
    }
}

void Lesson::compare(Measurement& m, const double* got, const double* reference, std::size_t n, double rtol,
                     const std::string& why, double atol) {
    compare_values(m, got, reference, n, rtol, why, atol);
}

void Lesson::compare(Measurement& m, const float* got, const float* reference, std::size_t n, double rtol,
                     const std::string& why, double atol) {
    compare_values(m, got, reference, n, rtol, why, atol);
}

void Lesson::require(bool ok, const std::string& what) {
    facts_.push_back(std::string(ok ? "check passed: " : "CHECK FAILED: ") + what);
    if (!ok) passed_ = false;
}

void Lesson::flush() {
    if (title_.empty() && rows_.empty() && facts_.empty()) return;
    out_ << "\n  " << title_ << "\n";
    if (!rows_.empty()) {
        // The first row is the baseline of the ratio: the loop version, where there is one.
        const double base = rows_.front().median_s;
        out_ << "    " << std::left << std::setw(54) << "version" << std::right << std::setw(11) << "median"
             << std::setw(10) << "vs 1st" << std::setw(13) << "peak heap" << std::setw(12) << "max |diff|"
             << "  agrees\n";
        for (const auto& m : rows_) {
            char ratio[32] = "-";
            if (std::isfinite(m.median_s) && std::isfinite(base) && m.median_s > 0) {
                std::snprintf(ratio, sizeof ratio, "%.2fx", base / m.median_s);
            }
            char diff[32] = "-";
            if (m.compared) std::snprintf(diff, sizeof diff, "%.2e", m.max_abs_diff);
            out_ << "    " << std::left << std::setw(54) << m.version.substr(0, 53) << std::right << std::setw(11)
                 << format_seconds(m.median_s) << std::setw(10) << ratio << std::setw(13)
                 << (m.note.empty() ? format_size(m.peak_extra_bytes) : "-") << std::setw(12) << diff << "  "
                 << (m.compared ? (m.agrees ? "yes" : "NO") : "") << (m.note.empty() ? "" : "  " + m.note) << "\n";
            if (json_) {
                nlohmann::ordered_json j;
                j["lesson"] = name_;
                j["table"] = title_;
                j["version"] = m.version;
                j["size"] = full() ? "full" : "small";  // --check runs the small sizes
                j["median_s"] = m.median_s;
                j["runs"] = m.runs;
                j["ratio_vs_loop"] = std::isfinite(base) && m.median_s > 0 ? base / m.median_s : NAN;
                j["peak_heap_bytes"] = m.peak_extra_bytes;
                if (m.compared) {
                    j["max_abs_diff"] = m.max_abs_diff;
                    j["max_rel_diff"] = m.max_rel_diff;
                    j["agrees"] = m.agrees;
                }
                if (!m.note.empty()) j["note"] = m.note;
                for (auto it = m.extra.begin(); it != m.extra.end(); ++it) j[it.key()] = it.value();
                *json_ << j.dump() << "\n";
            }
        }
    }
    for (const auto& f : facts_) out_ << "    - " << f << "\n";
    out_.flush();
    rows_.clear();
    facts_.clear();
    title_.clear();
}

}  // namespace vecnn::lessons
