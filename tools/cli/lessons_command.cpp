// vecnn lessons: the vectorization lessons (tools/lessons/), each a loop
// version against vectorized ones, checked equal, timed and weighed.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "tools/cli/commands.hpp"
#include "tools/cli/options.hpp"
#include "tools/lessons/lesson.hpp"
#include "vecnn/tensor/blas_core.hpp"
#include "vecnn/tensor/threads.hpp"

namespace vecnn::cli {
namespace {

struct LessonsArgs {
    bool list = false, check = false;
    std::vector<std::string> only;
    std::string size = "full", json;
    std::string budget = "1G", chunk_budget = "64M";
    int threads = 2;
};

// "1G", "512M", "300000": bytes.
std::uint64_t parse_bytes(const std::string& text, const char* option) {
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        throw CommandError(std::string(option) + ": '" + text + "' is not a size (e.g. 1G, 512M, 100000)");
    }
    const std::string unit = text.substr(used);
    double scale = 1;
    if (unit == "K" || unit == "KiB") scale = 1024.0;
    else if (unit == "M" || unit == "MiB") scale = 1024.0 * 1024;
    else if (unit == "G" || unit == "GiB") scale = 1024.0 * 1024 * 1024;
    else if (!unit.empty()) throw CommandError(std::string(option) + ": unknown unit '" + unit + "' (K, M or G)");
    if (!(v * scale >= 1) || v * scale > 1e15) {
        throw CommandError(std::string(option) + ": '" + text + "' is out of range: expected a size from 1 byte to 1e15 bytes");
    }
    return static_cast<std::uint64_t>(v * scale);
}

void run(const LessonsArgs& a) {
    const auto& lessons = lessons::all_lessons();
    if (a.list) {
        for (const auto& l : lessons) std::printf("%-14s %s\n", l.name, l.title);
        return;
    }
    for (const auto& name : a.only) {
        if (std::none_of(lessons.begin(), lessons.end(), [&](const auto& l) { return name == l.name; })) {
            throw CommandError("--only: no lesson '" + name + "' (see --list)");
        }
    }
    lessons::Settings settings;
    settings.size = a.size == "small" || a.check ? lessons::Size::small : lessons::Size::full;
    settings.check = a.check;
    settings.budget_bytes = parse_bytes(a.budget, "--budget");
    settings.chunk_budget_bytes = parse_bytes(a.chunk_budget, "--chunk-budget");
    set_compute_threads(a.threads);
    std::ofstream json;
    if (!a.json.empty()) {
        json.open(a.json, std::ios::out | std::ios::trunc);
        if (!json) throw CommandError("cannot open '" + a.json + "' for writing");
    }
    std::printf("vecnn lessons: %s size%s, %d compute thread(s), budgets %s (--chunk-budget: chunked distances) and %s "
                "(--budget: the design challenge's second, the distance broadcast's limit), OpenBLAS kernels %s\n",
                settings.size == lessons::Size::full ? "full" : "small", a.check ? " (--check)" : "", a.threads,
                lessons::format_size(settings.chunk_budget_bytes).c_str(),
                lessons::format_size(settings.budget_bytes).c_str(), blas_core_description().c_str());
    bool passed = true;
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < lessons.size(); ++i) {
        const auto& entry = lessons[i];
        if (!a.only.empty() && std::find(a.only.begin(), a.only.end(), entry.name) == a.only.end()) continue;
        std::printf("\n%zu. %s: %s\n", i + 1, entry.name, entry.title);
        std::fflush(stdout);
        const auto t0 = std::chrono::steady_clock::now();
        bool ok = false;
        {
            lessons::Lesson lesson(entry.name, settings, std::cout, json.is_open() ? &json : nullptr);
            entry.run(lesson);
            ok = lesson.passed();
        }
        std::cout.flush();
        std::printf("  (%s in %.1f s)\n", ok ? "every check passed" : "A CHECK FAILED",
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        passed = passed && ok;
    }
    std::printf("\nall lessons in %.1f s: %s\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                passed ? "every check passed" : "SOME CHECK FAILED");
    if (json.is_open()) {
        json.flush();
        if (!json) throw CommandError("writing '" + a.json + "' failed");
    }
    if (!passed) throw CommandVerdict{1};
}

}  // namespace

void add_lessons_command(CLI::App& app) {
    auto a = std::make_shared<LessonsArgs>();
    auto* cmd = app.add_subcommand("lessons", "the vectorization lessons: loop against vectorized, checked, timed, weighed");
    cmd->add_flag("--list", a->list, "list the lessons and exit");
    default_in_text(cmd->add_option("--only", a->only, "run only these lessons (names from --list; default all)"));
    cmd->add_option("--size", a->size, "small | full")->check(CLI::IsMember({"small", "full"}));
    cmd->add_flag("--check", a->check, "small sizes, agreement checks; exit 1 if any fails (the test suite runs this)");
    cmd->add_option("--json", a->json, "one JSON object per lesson and version to this file")->check(non_empty_path());
    cmd->add_option("--budget", a->budget,
                    "memory budget: the design challenge's second one (lesson chunking; the first is 8G), and the "
                    "limit over which lesson distance skips its evaluated broadcast; e.g. 1G, 512M");
    cmd->add_option("--chunk-budget", a->chunk_budget,
                    "memory budget of the chunked distance matrix (lesson distance), e.g. 64M");
    add_threads_option(*cmd, a->threads);
    cmd->callback([a] { run(*a); });
}

}  // namespace vecnn::cli
