// The `vecnn` command line end to end: train, predict, gradcheck and resume
// work; every user mistake gets one clear message on stderr and a non-zero
// exit status, never a crash or a stack trace.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vecnn/data/idx.hpp"
#include "vecnn/nn/checkpoint.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/data/npy.hpp"
#include "vecnn/tensor/random.hpp"
#include "tests/cli_runner.hpp"

using namespace vecnn;
using vecnn::test::run_vecnn;
using vecnn::test::TempDir;

namespace {

const std::string kSpec = "'linear(4,16),relu,linear(16,3)'";

// Three separable classes in 4 features; written as .npy into `dir`.
void write_data(const TempDir& dir, std::size_t n = 120) {
    Rng rng(3);
    std::vector<float> x(n * 4);
    std::vector<std::int64_t> y(n);
    for (std::size_t i = 0; i < n; ++i) {
        y[i] = static_cast<std::int64_t>(i % 3);
        for (std::size_t j = 0; j < 4; ++j) {
            x[i * 4 + j] = static_cast<float>(rng.uniform(-0.3, 0.3) + (j == static_cast<std::size_t>(y[i]) ? 1.0 : 0.0));
        }
    }
    write_npy(dir / "x.npy", make_npy(x.data(), {n, 4}));
    write_npy(dir / "y.npy", make_npy(y.data(), {n}));
}

std::string train_args(const TempDir& dir) {
    return "train --quiet --model " + kSpec + " --x '" + (dir / "x.npy") + "' --y '" + (dir / "y.npy") + "'";
}

// The failure contract: non-zero exit (not a signal), one message that
// contains every fragment, nothing that looks like a crash.
void check_fails(const test::CommandResult& r, std::initializer_list<std::string> fragments) {
    INFO("stderr: " << r.err);
    CHECK(r.status > 0);
    for (const auto& f : fragments) CHECK(r.err.find(f) != std::string::npos);
    CHECK(r.err.find("terminate called") == std::string::npos);
    CHECK(r.err.find("Aborted") == std::string::npos);
}

}  // namespace

TEST_CASE("train, save, predict: the saved model predicts its training data") {
    TempDir dir("cli");
    write_data(dir);
    const auto r = run_vecnn(train_args(dir) + " --epochs 20 --lr 0.1 --momentum 0.9 --batch-size 16 --val-x '" +
                             (dir / "x.npy") + "' --val-y '" + (dir / "y.npy") + "' --save '" + (dir / "p.npz") +
                             "' --log-json '" + (dir / "log.jsonl") + "'");
    INFO(r.err);
    REQUIRE(r.status == 0);
    // the JSON log: one object per epoch with the promised fields
    std::ifstream log(dir / "log.jsonl");
    std::string line, last;
    int lines = 0;
    while (std::getline(log, line)) {
        ++lines;
        last = line;
    }
    CHECK(lines == 20);
    for (const char* field : {"\"epoch\":20", "\"step\":", "\"loss\":", "\"accuracy\":", "\"val_loss\":",
                              "\"val_accuracy\":", "\"samples_per_s\":", "\"lr\":0.1"}) {
        CHECK(last.find(field) != std::string::npos);
    }
    const auto p = run_vecnn("predict --model " + kSpec + " --params '" + (dir / "p.npz") + "' --x '" +
                             (dir / "x.npy") + "' --out '" + (dir / "out.npy") + "'");
    INFO(p.err);
    REQUIRE(p.status == 0);
    const NpyArray out = read_npy(dir / "out.npy");
    REQUIRE(out.shape == std::vector<std::size_t>{120, 3});
    const auto values = to_vector<float>(out);
    int correct = 0;
    for (std::size_t i = 0; i < 120; ++i) {
        std::size_t best = 0;
        for (std::size_t j = 1; j < 3; ++j) best = values[i * 3 + j] > values[i * 3 + best] ? j : best;
        correct += best == i % 3;
    }
    CHECK(correct >= 114);  // >= 95%: the classes are separable
}

TEST_CASE("--precision bf16: trains as well on separable data, says how its GEMMs run; float64 refuses it") {
    TempDir dir("bf16");
    write_data(dir);
    const auto r = run_vecnn("train --model " + kSpec + " --x '" + (dir / "x.npy") + "' --y '" + (dir / "y.npy") +
                             "' --epochs 20 --lr 0.1 --momentum 0.9 --batch-size 16 --precision bf16 --save '" +
                             (dir / "p.npz") + "'");
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("GEMM operands in bf16: ") != std::string::npos);
    const auto p = run_vecnn("predict --params '" + (dir / "p.npz") + "' --x '" + (dir / "x.npy") + "' --out '" +
                             (dir / "out.npy") + "' --output indices");
    INFO(p.err);
    REQUIRE(p.status == 0);
    const auto predicted = to_vector<std::int64_t>(read_npy(dir / "out.npy"));
    REQUIRE(predicted.size() == 120);
    int correct = 0;
    for (std::size_t i = 0; i < 120; ++i) correct += predicted[i] == static_cast<std::int64_t>(i % 3);
    CHECK(correct >= 114);
    check_fails(run_vecnn(train_args(dir) + " --dtype float64 --precision bf16"), {"--precision bf16", "float64"});
    check_fails(run_vecnn(train_args(dir) + " --precision fp16"), {"--precision", "fp16"});
    check_fails(run_vecnn("bench --model 16-32-4 --precision half"), {"--precision", "half"});
    // A wrong GEMM library in the environment is refused by bf16 runs too, not ignored.
    ::setenv("VECNN_GEMM_LIBRARY", "mkl", 1);
    const auto wrong_library = run_vecnn(train_args(dir) + " --epochs 1 --precision bf16");
    ::unsetenv("VECNN_GEMM_LIBRARY");
    check_fails(wrong_library, {"VECNN_GEMM_LIBRARY", "mkl", "expected openblas or libxsmm"});
}

TEST_CASE("CSV features and targets train like .npy") {
    TempDir dir("cli");
    {
        std::ofstream x(dir / "x.csv"), y(dir / "y.csv");
        x << "a,b,c,d\n";
        for (int i = 0; i < 30; ++i) {
            x << (i % 3 == 0) << "," << (i % 3 == 1) << "," << (i % 3 == 2) << ",0.5\n";
            y << i % 3 << "\n";
        }
    }
    const auto r = run_vecnn("train --quiet --model " + kSpec + " --x '" + (dir / "x.csv") + "' --y '" +
                             (dir / "y.csv") + "' --epochs 2");
    INFO(r.err);
    CHECK(r.status == 0);
}

TEST_CASE("MNIST IDX files train through the command line, recognised by content, gzip or not") {
    TempDir dir("cli");
    // A synthetic MNIST-like set: 4x4 images whose bright row is the class (0..3).
    const std::size_t n = 80;
    IdxImages images{n, 4, 4, std::vector<std::uint8_t>(n * 16, 0)};
    std::vector<std::uint8_t> labels(n);
    for (std::size_t i = 0; i < n; ++i) {
        labels[i] = static_cast<std::uint8_t>(i % 4);
        for (std::size_t c = 0; c < 4; ++c) images.pixels[i * 16 + labels[i] * 4 + c] = 255;
    }
    write_idx_images(dir / "images.bin", images);  // no IDX name: recognised by its magic
    write_idx_labels(dir / "labels.bin", labels);
    const auto r = run_vecnn("train --quiet --model 'linear(16,8),relu,linear(8,4)' --x '" + (dir / "images.bin") +
                             "' --y '" + (dir / "labels.bin") + "' --epochs 30 --lr 0.1 --momentum 0.9 --batch-size 8" +
                             " --val-x '" + (dir / "images.bin") + "' --val-y '" + (dir / "labels.bin") +
                             "' --log-json '" + (dir / "log.jsonl") + "'");
    INFO(r.err);
    REQUIRE(r.status == 0);
    const std::string log = test::slurp(dir / "log.jsonl");
    CHECK(log.find("\"epoch\":30") != std::string::npos);
    CHECK(log.find("\"val_accuracy\":1") != std::string::npos);  // a separable toy set is learned exactly
    // images with a label file of another count: a named error
    write_idx_labels(dir / "few.bin", std::vector<std::uint8_t>{0, 1, 2});
    check_fails(run_vecnn("train --model 'linear(16,4)' --x '" + (dir / "images.bin") + "' --y '" + (dir / "few.bin") + "'"),
                {"few.bin", "declares 3 rows", "images.bin", "declares 80"});
}

TEST_CASE("--lr-schedule: each epoch's lr in the log; a resumed run keeps the schedule; bad options named") {
    TempDir dir("cli");
    write_data(dir);
    const std::string common = train_args(dir) + " --lr 0.1 --lr-schedule step --step-size 2 --gamma 0.5";
    const auto r = run_vecnn(common + " --epochs 5 --log-json '" + (dir / "log.jsonl") + "' --save '" +
                             (dir / "straight.npz") + "'");
    INFO(r.err);
    REQUIRE(r.status == 0);
    const std::string log = test::slurp(dir / "log.jsonl");
    std::vector<std::string> lrs;
    for (std::size_t at = log.find("\"lr\":"); at != std::string::npos; at = log.find("\"lr\":", at + 1)) {
        lrs.push_back(log.substr(at + 5, log.find_first_of(",}", at) - at - 5));
    }
    CHECK(lrs == std::vector<std::string>{"0.1", "0.1", "0.05", "0.05", "0.025"});
    REQUIRE(run_vecnn(common + " --epochs 3 --resume '" + (dir / "run") + "'").status == 0);
    const auto resumed = run_vecnn(common + " --epochs 5 --resume '" + (dir / "run") + "' --save '" +
                                   (dir / "resumed.npz") + "'");
    INFO(resumed.err);
    REQUIRE(resumed.status == 0);
    CHECK(test::slurp(dir / "straight.npz") == test::slurp(dir / "resumed.npz"));
    check_fails(run_vecnn(train_args(dir) + " --lr-schedule multistep"), {"multistep", "milestones"});
    check_fails(run_vecnn(train_args(dir) + " --lr-schedule cosine --eta-min -1"), {"eta_min -1"});
    check_fails(run_vecnn(train_args(dir) + " --lr-schedule warmup"), {"--lr-schedule", "warmup"});
}

TEST_CASE("--patience: stops early on a validation set that gets worse; a resumed run stops at the same place") {
    TempDir dir("cli");
    write_data(dir);
    // Validation labels shifted by one class: the better the model fits, the worse the validation loss.
    std::vector<std::int64_t> shifted(120);
    for (std::size_t i = 0; i < shifted.size(); ++i) shifted[i] = static_cast<std::int64_t>((i + 1) % 3);
    write_npy(dir / "yshift.npy", make_npy(shifted.data(), {shifted.size()}));
    const std::string common = train_args(dir) + " --lr 0.1 --momentum 0.9 --batch-size 16 --seed 2 --val-x '" +
                               (dir / "x.npy") + "' --val-y '" + (dir / "yshift.npy") + "' --patience 2";
    const auto straight = run_vecnn(common + " --epochs 40 --log-json '" + (dir / "log.jsonl") + "' --save '" +
                                    (dir / "straight.npz") + "'");
    INFO(straight.err);
    REQUIRE(straight.status == 0);
    const std::string log = test::slurp(dir / "log.jsonl");
    const std::size_t epochs = static_cast<std::size_t>(std::count(log.begin(), log.end(), '\n'));
    CHECK(epochs >= 3);
    CHECK(epochs < 40);
    REQUIRE(run_vecnn(common + " --epochs 2 --resume '" + (dir / "run") + "'").status == 0);
    const auto resumed = run_vecnn(common + " --epochs 40 --resume '" + (dir / "run") + "' --save '" +
                                   (dir / "resumed.npz") + "'");
    INFO(resumed.err);
    REQUIRE(resumed.status == 0);
    CHECK(test::slurp(dir / "straight.npz") == test::slurp(dir / "resumed.npz"));
    check_fails(run_vecnn(train_args(dir) + " --patience 3"), {"early stopping", "validation"});
    check_fails(run_vecnn(train_args(dir) + " --patience 3 --monitor loss"), {"--monitor", "loss"});
}

TEST_CASE("--resume: 1 epoch, stop, resume to 2 epochs == 2 epochs straight, bit for bit") {
    TempDir dir("cli");
    write_data(dir);
    const std::string common = train_args(dir) + " --optimizer adam --lr 0.01 --batch-size 16 --seed 4";
    REQUIRE(run_vecnn(common + " --epochs 2 --save '" + (dir / "straight.npz") + "'").status == 0);
    REQUIRE(run_vecnn(common + " --epochs 1 --resume '" + (dir / "run") + "'").status == 0);
    const auto resumed = run_vecnn(common + " --epochs 2 --resume '" + (dir / "run") + "' --save '" +
                                   (dir / "resumed.npz") + "'");
    INFO(resumed.err);
    REQUIRE(resumed.status == 0);
    const auto a = load_arrays(dir / "straight.npz");
    const auto b = load_arrays(dir / "resumed.npz");
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        CHECK(a[i].first == b[i].first);
        CHECK(a[i].second.bytes == b[i].second.bytes);
    }
    // a different run refuses the checkpoint
    const auto other = run_vecnn(train_args(dir) + " --optimizer sgd --epochs 2 --resume '" + (dir / "run") + "'");
    check_fails(other, {"checkpoint.npz", "different run"});
}

TEST_CASE("gradcheck prints a table and passes; exit status tells the verdict") {
    const auto r = run_vecnn("gradcheck --model 'linear(3,5),sigmoid,linear(5,2)' --loss cross-entropy --engine loop");
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out.find("0.weight") != std::string::npos);
    CHECK(r.out.find("PASSED") != std::string::npos);
    // An impossible tolerance makes the same check fail with a report and status 1.
    const auto strict = run_vecnn("gradcheck --model 'linear(3,5),sigmoid,linear(5,2)' --atol 0 --rtol 0");
    CHECK(strict.status == 1);
    CHECK(strict.out.find("FAILED") != std::string::npos);
}

TEST_CASE("gradcheck --layer checks layers on both engines; a wrong token is a clear error") {
    const auto r = run_vecnn("gradcheck --layer 'linear(3,4),tanh'");
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out.find("gradcheck float64, loop engine") != std::string::npos);
    CHECK(r.out.find("loop = vectorized, float32") != std::string::npos);
    CHECK(r.out.find("PASSED") != std::string::npos);
    check_fails(run_vecnn("gradcheck --layer 'relu(2)'"), {"relu(2)", "1 argument given, 0 used"});
    check_fails(run_vecnn("gradcheck"), {"--model or --layer"});
    check_fails(run_vecnn("gradcheck --model relu --layer relu"), {"excludes"});
}

TEST_CASE("one model-spec grammar: train and bench take the short form, as build_model does") {
    TempDir dir("cli");
    write_data(dir);
    const std::string data = " --x '" + (dir / "x.npy") + "' --y '" + (dir / "y.npy") + "'";
    const auto short_form = run_vecnn("train --model 4-16-3 --epochs 3 --save '" + (dir / "short.npz") + "'" + data);
    const auto long_form = run_vecnn("train --model " + kSpec + " --epochs 3 --save '" + (dir / "long.npz") + "'" + data);
    INFO(short_form.err);
    REQUIRE(short_form.status == 0);
    REQUIRE(long_form.status == 0);
    CHECK(short_form.out.find("training linear(4,16),relu,linear(16,3)") != std::string::npos);
    CHECK(test::slurp(dir / "short.npz") == test::slurp(dir / "long.npz"));  // the same model, trained alike
    check_fails(run_vecnn("train --model 4--3" + data), {"4--3", "empty size"});
}

TEST_CASE("every user mistake: one clear message, non-zero exit") {
    TempDir dir("cli");
    write_data(dir);
    const std::string base = train_args(dir);

    SUBCASE("unknown flag") { check_fails(run_vecnn(base + " --bogus 3"), {"--bogus"}); }
    SUBCASE("no subcommand") { CHECK(run_vecnn("").status > 0); }
    SUBCASE("bad model spec") {
        check_fails(run_vecnn("train --model 'linear(4,16),relu,linaer(16,3)' --x '" + (dir / "x.npy") + "' --y '" +
                              (dir / "y.npy") + "'"),
                    {"linaer(16,3)", "unknown layer"});
    }
    SUBCASE("missing file") { check_fails(run_vecnn(base + " --val-x nowhere.npy --val-y nowhere.npy"), {"nowhere.npy"}); }
    SUBCASE("malformed .npy") {
        std::ofstream(dir / "bad.npy") << "this is not numpy";
        check_fails(run_vecnn("train --model " + kSpec + " --x '" + (dir / "bad.npy") + "' --y '" + (dir / "y.npy") + "'"),
                    {"bad.npy"});
    }
    SUBCASE("features that do not fit the model") {
        check_fails(run_vecnn("train --model 'linear(5,3)' --x '" + (dir / "x.npy") + "' --y '" + (dir / "y.npy") + "'"),
                    {"x.npy", "(120, 4)", "5 features"});
    }
    SUBCASE("label out of range") {
        check_fails(run_vecnn("train --model 'linear(4,2)' --x '" + (dir / "x.npy") + "' --y '" + (dir / "y.npy") + "'"),
                    {"y.npy", "2"});
    }
    SUBCASE("targets and features differ in rows") {
        std::vector<std::int64_t> few{0, 1, 2};
        write_npy(dir / "few.npy", make_npy(few.data(), {3}));
        check_fails(run_vecnn("train --model " + kSpec + " --x '" + (dir / "x.npy") + "' --y '" + (dir / "few.npy") + "'"),
                    {"few.npy", "declares 3 rows", "x.npy", "declares 120"});
    }
    SUBCASE("NaN in the features") {
        std::vector<float> x(8, 1.0f);
        x[5] = std::numeric_limits<float>::quiet_NaN();
        write_npy(dir / "nan.npy", make_npy(x.data(), {2, 4}));
        std::vector<std::int64_t> y{0, 1};
        write_npy(dir / "y2.npy", make_npy(y.data(), {2}));
        check_fails(run_vecnn("train --model " + kSpec + " --x '" + (dir / "nan.npy") + "' --y '" + (dir / "y2.npy") + "'"),
                    {"nan.npy"});
    }
    SUBCASE("mse with class indices") { check_fails(run_vecnn(base + " --loss mse"), {"y.npy", "mse"}); }
    SUBCASE("the row losses with class indices") {
        for (const char* loss : {"huber", "smooth-l1", "bce-with-logits"}) {
            check_fails(run_vecnn(base + " --loss " + loss), {"y.npy", loss, "target rows"});
        }
    }
    SUBCASE("nll with target rows") {
        std::vector<float> rows(120 * 3, 0.5f);
        write_npy(dir / "rows.npy", make_npy(rows.data(), {120, 3}));
        check_fails(run_vecnn("train --model " + kSpec + " --x '" + (dir / "x.npy") + "' --y '" + (dir / "rows.npy") +
                              "' --loss nll"),
                    {"rows.npy", "nll", "class indices"});
    }
    SUBCASE("init schemes: unknown names, and with --init") {
        check_fails(run_vecnn(base + " --init-scheme he"), {"--init-scheme", "he"});
        check_fails(run_vecnn(base + " --init-scheme xavier-uniform --init '" + (dir / "x.npy") + "'"),
                    {"--init-scheme", "--init"});
    }
    SUBCASE("loss options that do not fit") {
        check_fails(run_vecnn(base + " --loss hinge"), {"--loss", "hinge"});
        check_fails(run_vecnn(base + " --reduction none"), {"--reduction", "none"});
        check_fails(run_vecnn(base + " --pos-weight 2"), {"pos_weight", "bce-with-logits", "cross-entropy"});
        check_fails(run_vecnn(base + " --loss huber --huber-delta 0"), {"huber", "delta 0"});
        check_fails(run_vecnn(base + " --loss smooth-l1 --smooth-l1-beta nan"), {"smooth-l1", "beta"});
    }
    SUBCASE("an option the optimizer does not have") {
        check_fails(run_vecnn(base + " --optimizer adam --momentum 0.9"), {"momentum"});
        check_fails(run_vecnn(base + " --optimizer sgd --alpha 0.9"), {"sgd", "alpha"});
        check_fails(run_vecnn(base + " --optimizer adagrad --centered"), {"adagrad", "centered"});
        check_fails(run_vecnn(base + " --optimizer rmsprop --lr-decay 0.1"), {"rmsprop", "lr_decay"});
        check_fails(run_vecnn(base + " --optimizer lion"), {"--optimizer", "lion"});
        check_fails(run_vecnn(base + " --optimizer rmsprop --alpha -1"), {"RMSprop", "alpha -1"});
    }
    SUBCASE("--epochs and --steps together") { check_fails(run_vecnn(base + " --epochs 2 --steps 3"), {"--steps"}); }
    SUBCASE("--val-x without --val-y") { check_fails(run_vecnn(base + " --val-x '" + (dir / "x.npy") + "'"), {"--val-y"}); }
    SUBCASE("accumulate larger than the batch") {
        check_fails(run_vecnn(base + " --batch-size 4 --accumulate 5"), {"accumulate"});
    }
    SUBCASE("--init with the wrong parameters names the key") {
        REQUIRE(run_vecnn("train --quiet --model 'linear(4,8),relu,linear(8,3)' --x '" + (dir / "x.npy") + "' --y '" +
                          (dir / "y.npy") + "' --save '" + (dir / "other.npz") + "'")
                    .status == 0);
        check_fails(run_vecnn(base + " --init '" + (dir / "other.npz") + "'"), {"0.weight", "(16, 4)", "(8, 4)"});
    }
    SUBCASE("predict with parameters of another model") {
        REQUIRE(run_vecnn(base + " --save '" + (dir / "p.npz") + "'").status == 0);
        check_fails(run_vecnn("predict --model 'linear(4,16),relu,linear(16,2)' --params '" + (dir / "p.npz") +
                              "' --x '" + (dir / "x.npy") + "' --out '" + (dir / "o.npy") + "'"),
                    {"--model linear(4,16),relu,linear(16,2)", "p.npz", "linear(4,16),relu,linear(16,3)"});
    }
    SUBCASE("diverging training names epoch and step, writes no --save, keeps the last checkpoint") {
        const std::string run = base + " --loss cross-entropy --lr 1e30 --batch-size 8 --no-shuffle --resume '" +
                                (dir / "ck") + "' --save '" + (dir / "never.npz") + "'";
        const auto r = run_vecnn(run + " --epochs 3");
        check_fails(r, {"diverged", "epoch 1, step"});
        CHECK_FALSE(std::filesystem::exists(dir / "never.npz"));
    }
}

TEST_CASE("bench --json: one record per engine with the fields the issue names, measured") {
    TempDir dir("bench");
    const auto r = run_vecnn("bench --model 16-32-4 --batch 8 --engine both --threads 2 --seconds 0.1 --repeats 2 "
                             "--momentum 0 --json '" + (dir / "b.jsonl") + "'");
    INFO("stderr: " << r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("momentum 0)") != std::string::npos);
    // One column per number: %bound (samples/s over the GEMM-only bound) is also the GEMM share of the step.
    CHECK(r.out.find("%bound") != std::string::npos);
    CHECK(r.out.find("gemm%") == std::string::npos);
    CHECK(r.out.find("OpenBLAS kernels ") != std::string::npos);
    // Every line parses as a JSON object (nlohmann-json, a parser the writer does not share).
    std::istringstream lines(vecnn::test::slurp(dir / "b.jsonl"));
    std::vector<nlohmann::json> records;
    for (std::string line; std::getline(lines, line);) records.push_back(nlohmann::json::parse(line));
    REQUIRE(records.size() == 2);
    for (const auto& rec : records) {
        CAPTURE(rec.dump());
        CHECK(rec.at("model") == "linear(16,32),relu,linear(32,4)");
        // The OpenBLAS kernel set in use, as OpenBLAS names it (never empty).
        CHECK_FALSE(rec.at("blas_core").get<std::string>().empty());
        CHECK(rec.at("batch") == 8);
        CHECK(rec.at("threads") == 2);
        CHECK(rec.at("momentum") == 0);
        CHECK(rec.at("samples_per_s").get<double>() > 0);
        CHECK(rec.at("step_us").get<double>() > 0);
        CHECK(rec.at("gemm_bound_samples_per_s").get<double>() > 0);
        CHECK(rec.at("allocs_per_step") == 0);
        // samples/s and us/step describe the same median step.
        CHECK(rec.at("samples_per_s").get<double>() * rec.at("step_us").get<double>() ==
              doctest::Approx(8e6).epsilon(1e-3));
        // The JSON keeps both names of that one number (older readers use either).
        CHECK(rec.at("gemm_fraction").get<double>() ==
              doctest::Approx(rec.at("samples_per_s").get<double>() / rec.at("gemm_bound_samples_per_s").get<double>()));
        // The step's GEMM FLOPs by hand: 2 m n k for forward and weight gradient of both layers, and the
        // second layer's input gradient: 2 x 8 x (32 x 16 x 2 + 4 x 32 x 3).
        CHECK(rec.at("step_flops") == 2.0 * 8 * (32 * 16 * 2 + 4 * 32 * 3));
        CHECK(rec.at("gflops").get<double>() ==
              doctest::Approx(rec.at("step_flops").get<double>() * rec.at("samples_per_s").get<double>() / 8 / 1e9));
        // The machine's FMA peak, measured in the same run, on a CPU with AVX2 and FMA3.
        __builtin_cpu_init();
        if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) {
            CHECK_FALSE(rec.contains("fma_peak_gflops"));
            continue;
        }
        REQUIRE(rec.contains("fma_peak_gflops"));
        CHECK(rec.at("fma_peak_gflops").get<double>() > 1);
        CHECK((rec.at("fma_peak_isa") == "avx2" || rec.at("fma_peak_isa") == "avx512"));
        CHECK(rec.at("fma_peak_dtype") == "float32");  // float32 rows: the float32 FMA peak
        CHECK(rec.at("percent_of_fma_peak").get<double>() ==
              doctest::Approx(100 * rec.at("gflops").get<double>() / rec.at("fma_peak_gflops").get<double>()));
        CHECK(rec.at("percent_of_fma_peak").get<double>() < 100);
    }
    CHECK(r.out.find("FMA peak, 2 thread(s), from registers:") != std::string::npos);
    CHECK(r.out.find("%peak") != std::string::npos);
    CHECK(records[0].at("engine") == "vectorized");
    CHECK(records[0].contains("speedup_vs_loop"));
    CHECK(records[1].at("engine") == "loop");
    CHECK_FALSE(records[1].contains("speedup_vs_loop"));

    // A model spec far longer than any fixed buffer still makes valid JSON, the spec intact.
    std::string spec = "linear(3,3)";
    for (int i = 0; i < 120; ++i) spec += ",tanh,linear(3,3)";
    const auto long_run = run_vecnn("bench --model '" + spec + "' --batch 2 --engine vectorized --seconds 0.05 "
                                    "--repeats 1 --json '" + (dir / "long.jsonl") + "'");
    INFO("stderr: " << long_run.err);
    REQUIRE(long_run.status == 0);
    const auto long_record = nlohmann::json::parse(vecnn::test::slurp(dir / "long.jsonl"));
    CHECK(long_record.at("model") == spec);

    check_fails(run_vecnn("bench --model 16-32-4 --momentum 2"), {"--momentum"});
    check_fails(run_vecnn("bench --model 16-32-4 --json '" + (dir / "no/such/dir/b.jsonl") + "'"), {"b.jsonl"});
}

namespace {

// What `help` says of `option`: its line and, when the text goes on the next
// line, that one too, joined by a space ("" when no line documents it).
std::string help_line(const std::string& help, const std::string& option) {
    std::istringstream lines(help);
    for (std::string line; std::getline(lines, line);) {
        const std::size_t at = line.find(option + " ");
        if (at == std::string::npos || line.find_first_not_of(' ') != at) continue;
        std::string next;
        if (std::getline(lines, next) && next.find_first_not_of(' ') > 2) line += " " + next.substr(next.find_first_not_of(' '));
        return line + " ";
    }
    return "";
}

// `vecnn <command> --help` documents each option with its default.
void check_defaults(const std::string& command, std::initializer_list<std::pair<std::string, std::string>> defaults) {
    const auto r = run_vecnn(command + " --help");
    REQUIRE(r.status == 0);
    for (const auto& [option, shown] : defaults) {
        const std::string line = help_line(r.out, option);
        CAPTURE(command);
        CAPTURE(line);
        CHECK(line.find(shown) != std::string::npos);
    }
}

}  // namespace

TEST_CASE("--help of every subcommand shows each option's default") {
    check_defaults("train", {{"--epochs", "=1 "},
                             {"--batch-size", "=64 "},
                             {"--momentum", "=0 "},
                             {"--optimizer", "=sgd "},
                             {"--loss", "=cross-entropy "},
                             {"--dtype", "=float32 "},
                             {"--engine", "=vectorized "},
                             {"--alpha", "=0.99 "},
                             {"--max-loss-growth", "=1e+06 "},
                             {"--lr", "default: sgd 0.01, adam and adamw 0.001"},
                             {"--threads", "default: the number of cores"},
                             {"--steps", "(default: none, --epochs decides)"},
                             {"--patience", "default: no early stopping"}});
    // A default that depends on another option is said in words, not shown as the variable's 0.
    CHECK(help_line(run_vecnn("train --help").out, "--lr").find("=0") == std::string::npos);
    check_defaults("predict", {{"--batch", "=1024 "}, {"--output", "=logits "}, {"--dtype", "=float32 "}});
    check_defaults("bench", {{"--batch", "=64 "}, {"--engine", "=both "}, {"--threads", "=2 "}, {"--seconds", "=2 "},
                             {"--repeats", "=5 "}, {"--momentum", "=0.9 "}});
    check_defaults("gradcheck", {{"--batch", "=4 "}, {"--loss", "=cross-entropy "}, {"--eps", "=1e-06 "},
                                 {"--atol", "=1e-05 "}, {"--rtol", "=0.001 "}});
    check_defaults("summary", {{"--dtype", "=float32 "}, {"--input-shape", "default: the first layer's width"}});
    check_defaults("lessons", {{"--size", "=full "}, {"--budget", "=1G "}, {"--chunk-budget", "=64M "}, {"--threads", "=2 "}});
}

TEST_CASE("float labels for cross-entropy and nll: whole numbers in range are class indices, others refused") {
    TempDir dir("cli");
    write_data(dir);
    std::vector<float> labels(120);
    for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<float>(i % 3);
    write_npy(dir / "yf.npy", make_npy(labels.data(), {labels.size()}));
    const std::string x = " --x '" + (dir / "x.npy") + "'";
    for (const char* loss : {"cross-entropy", "nll"}) {
        CAPTURE(loss);
        const std::string model = std::string(loss) == "nll" ? "'linear(4,3),log_softmax'" : kSpec;
        const std::string train = "train --quiet --epochs 2 --loss " + std::string(loss) + " --model " + model + x;
        REQUIRE(run_vecnn(train + " --y '" + (dir / "y.npy") + "' --save '" + (dir / "int.npz") + "'").status == 0);
        const auto r = run_vecnn(train + " --y '" + (dir / "yf.npy") + "' --save '" + (dir / "float.npz") + "'");
        INFO(r.err);
        REQUIRE(r.status == 0);
        CHECK(test::slurp(dir / "int.npz") == test::slurp(dir / "float.npz"));  // the same labels, the same training
    }
    labels[7] = 1.5f;
    write_npy(dir / "half.npy", make_npy(labels.data(), {labels.size()}));
    check_fails(run_vecnn("train --model " + kSpec + x + " --y '" + (dir / "half.npy") + "'"),
                {"half.npy", "labels must be integer class indices", "sample 7", "1.5"});
    labels[7] = 3.0f;  // whole, but the model has 3 classes
    write_npy(dir / "three.npy", make_npy(labels.data(), {labels.size()}));
    check_fails(run_vecnn("train --model " + kSpec + x + " --y '" + (dir / "three.npy") + "' --loss nll"),
                {"three.npy", "labels must be integer class indices", "0..2"});
    // CSV labels written as floats ("2.0") are the same.
    {
        std::ofstream csv(dir / "y.csv");
        for (std::size_t i = 0; i < 120; ++i) csv << i % 3 << ".0\n";
    }
    const auto csv = run_vecnn("train --quiet --model " + kSpec + x + " --y '" + (dir / "y.csv") + "'");
    INFO(csv.err);
    CHECK(csv.status == 0);
}

TEST_CASE("--quiet keeps the final metrics line; a loss that explodes is an error, not a NaN") {
    TempDir dir("cli");
    write_data(dir);
    const auto r = run_vecnn(train_args(dir) + " --epochs 3 --lr 0.1 --val-x '" + (dir / "x.npy") + "' --val-y '" +
                             (dir / "y.npy") + "'");
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out.rfind("final: epoch 3, step 6  loss ", 0) == 0);  // the only line
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
    for (const char* field : {"  accuracy ", "%  val_loss ", "  val_accuracy "}) CHECK(r.out.find(field) != std::string::npos);

    // Regression with a far too large lr: the loss grows geometrically, stays finite for many steps.
    std::vector<float> rows(120);
    for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<float>(i % 3);
    write_npy(dir / "rows.npy", make_npy(rows.data(), {rows.size(), 1}));
    const std::string diverging = "train --quiet --model 'linear(4,1)' --loss mse --x '" + (dir / "x.npy") +
                                  "' --y '" + (dir / "rows.npy") + "' --lr 5 --batch-size 8 --no-shuffle --epochs 3";
    const auto exploded = run_vecnn(diverging + " --save '" + (dir / "never.npz") + "'");
    check_fails(exploded, {"training diverged", "epoch 1, step", "more than 1e+06 times the first step's loss",
                           "parameters were not updated"});
    CHECK(exploded.out.empty());  // no final line for a failed run
    CHECK_FALSE(std::filesystem::exists(dir / "never.npz"));
    // Without the check the same run ends in a non-finite loss (the old, later error).
    const auto unchecked = run_vecnn(diverging + " --max-loss-growth 0");
    check_fails(unchecked, {"training diverged"});
    CHECK(unchecked.err.find("times the first") == std::string::npos);
    check_fails(run_vecnn(diverging + " --max-loss-growth -1"), {"--max-loss-growth"});
}

namespace {

std::vector<double> npy_values(const std::string& path) { return to_vector<double>(read_npy(path)); }

}  // namespace

TEST_CASE("the model travels with its weights: predict needs no --model; --output indices|probabilities|logits; --y") {
    TempDir dir("cli");
    write_data(dir);
    REQUIRE(run_vecnn(train_args(dir) + " --epochs 20 --lr 0.1 --momentum 0.9 --batch-size 16 --save '" +
                      (dir / "p.npz") + "'")
                .status == 0);
    const NamedArrays saved = load_arrays(dir / "p.npz");
    REQUIRE(find_array(saved, "vecnn.model") != nullptr);
    CHECK(array_text(*find_array(saved, "vecnn.model"), "vecnn.model") == "linear(4,16),relu,linear(16,3)");
    CHECK(find_array(saved, "vecnn.input_shape") == nullptr);  // none given
    CHECK(find_array(saved, "vecnn.standardize.mean") == nullptr);

    const std::string predict = "predict --params '" + (dir / "p.npz") + "' --x '" + (dir / "x.npy") + "'";
    const auto logits = run_vecnn(predict + " --out '" + (dir / "logits.npy") + "'");  // the default, as before
    INFO(logits.err);
    REQUIRE(logits.status == 0);
    CHECK(logits.out.find("wrote 120 x 3 outputs to ") == 0);  // the line older scripts read
    REQUIRE(run_vecnn(predict + " --model 4-16-3 --output logits --out '" + (dir / "explicit.npy") + "'").status == 0);
    CHECK(test::slurp(dir / "logits.npy") == test::slurp(dir / "explicit.npy"));
    const auto probabilities = run_vecnn(predict + " --output probabilities --out '" + (dir / "p.npy") + "' --y '" +
                                         (dir / "y.npy") + "'");
    INFO(probabilities.err);
    REQUIRE(probabilities.status == 0);
    CHECK(probabilities.out.find("accuracy ") != std::string::npos);
    CHECK(probabilities.out.find(" of 120 rows)") != std::string::npos);
    CHECK(run_vecnn(predict + " --output indices --out '" + (dir / "i.npy") + "'").out.find("wrote 120 class indices") == 0);
    const NpyArray indices = read_npy(dir / "i.npy");
    CHECK(indices.dtype == "<i8");
    REQUIRE(indices.shape == std::vector<std::size_t>{120});
    const auto z = npy_values(dir / "logits.npy"), p = npy_values(dir / "p.npy"), k = npy_values(dir / "i.npy");
    for (std::size_t i = 0; i < 120; ++i) {
        CAPTURE(i);
        double max = z[i * 3], sum = 0;
        std::size_t best = 0;
        for (std::size_t j = 1; j < 3; ++j) {
            if (z[i * 3 + j] > max) max = z[i * 3 + j], best = j;
        }
        for (std::size_t j = 0; j < 3; ++j) sum += std::exp(z[i * 3 + j] - max);
        for (std::size_t j = 0; j < 3; ++j) CHECK(p[i * 3 + j] == doctest::Approx(std::exp(z[i * 3 + j] - max) / sum));
        CHECK(k[i] == static_cast<double>(best));
    }

    // A --model that disagrees with the saved one names both; a file of an older vecnn needs --model.
    check_fails(run_vecnn(predict + " --model 4-8-3 --out '" + (dir / "o.npy") + "'"),
                {"--model linear(4,8),relu,linear(8,3)", "linear(4,16),relu,linear(16,3)", "p.npz"});
    NamedArrays old;
    for (const auto& [key, array] : saved) {
        if (!is_metadata_key(key)) old.emplace_back(key, array);
    }
    save_arrays(dir / "old.npz", old);
    const std::string old_predict = "predict --params '" + (dir / "old.npz") + "' --x '" + (dir / "x.npy") + "'";
    check_fails(run_vecnn(old_predict + " --out '" + (dir / "o.npy") + "'"), {"old.npz", "no model spec", "--model"});
    REQUIRE(run_vecnn(old_predict + " --model " + kSpec + " --out '" + (dir / "old_out.npy") + "'").status == 0);
    CHECK(test::slurp(dir / "old_out.npy") == test::slurp(dir / "logits.npy"));
    // A file with metadata starts a new run as --init (the vecnn.* keys are not parameters).
    const auto init = run_vecnn(train_args(dir) + " --init '" + (dir / "p.npz") + "'");
    INFO(init.err);
    CHECK(init.status == 0);
    check_fails(run_vecnn(predict + " --output classes --out '" + (dir / "o.npy") + "'"), {"--output", "classes"});
}

TEST_CASE("predict --output probabilities of models that end in softmax or log_softmax: not applied twice") {
    TempDir dir("cli");
    write_data(dir);
    for (const char* spec : {"linear(4,3),softmax", "linear(4,3),log_softmax"}) {
        CAPTURE(spec);
        const auto model = build_model<float>(spec, 5);
        ModelMetadata metadata;
        metadata.spec = model->describe();
        save_model(*model, metadata, dir / "m.npz");
        const std::string predict = "predict --params '" + (dir / "m.npz") + "' --x '" + (dir / "x.npy") + "'";
        REQUIRE(run_vecnn(predict + " --out '" + (dir / "raw.npy") + "'").status == 0);
        REQUIRE(run_vecnn(predict + " --output probabilities --out '" + (dir / "p.npy") + "'").status == 0);
        const auto raw = npy_values(dir / "raw.npy"), p = npy_values(dir / "p.npy");
        const bool logs = std::string(spec).find("log_softmax") != std::string::npos;
        for (std::size_t i = 0; i < 120; ++i) {
            double sum = 0;
            for (std::size_t j = 0; j < 3; ++j) {
                const double want = logs ? std::exp(raw[i * 3 + j]) : raw[i * 3 + j];
                CHECK(p[i * 3 + j] == doctest::Approx(want).epsilon(1e-6));
                sum += p[i * 3 + j];
            }
            CHECK(sum == doctest::Approx(1).epsilon(1e-5));
        }
    }
    const auto one_output = build_model<float>("linear(4,1)");
    save_model(*one_output, ModelMetadata{one_output->describe(), {}, {}, {}}, dir / "one.npz");
    check_fails(run_vecnn("predict --params '" + (dir / "one.npz") + "' --x '" + (dir / "x.npy") + "' --output indices "
                          "--out '" + (dir / "o.npy") + "'"),
                {"--output indices", "2 or more outputs", "linear(4,1)"});
}

TEST_CASE("--standardize: training statistics, saved with the model and the checkpoint, applied by predict") {
    TempDir dir("cli");
    write_data(dir);
    // Features far from zero mean and unit scale, one of them constant.
    std::vector<float> x = to_vector<float>(read_npy(dir / "x.npy"));
    for (std::size_t i = 0; i < 120; ++i) {
        x[i * 4 + 0] = 100 + 50 * x[i * 4 + 0];
        x[i * 4 + 3] = 7;
    }
    write_npy(dir / "xs.npy", make_npy(x.data(), {120, 4}));
    const auto r = run_vecnn("train --quiet --model " + kSpec + " --x '" + (dir / "xs.npy") + "' --y '" +
                             (dir / "y.npy") + "' --val-x '" + (dir / "xs.npy") + "' --val-y '" + (dir / "y.npy") +
                             "' --standardize --epochs 30 --lr 0.1 --momentum 0.9 --batch-size 16 --resume '" +
                             (dir / "run") + "' --save '" + (dir / "s.npz") + "'");
    INFO(r.err);
    REQUIRE(r.status == 0);
    const ModelMetadata meta = read_metadata(load_arrays(dir / "s.npz"), "s.npz");
    REQUIRE(meta.mean.size() == 4);
    REQUIRE(meta.std.size() == 4);
    for (std::size_t j = 0; j < 4; ++j) {
        double mean = 0, var = 0;
        for (std::size_t i = 0; i < 120; ++i) mean += x[i * 4 + j] / 120.0;
        for (std::size_t i = 0; i < 120; ++i) var += (x[i * 4 + j] - mean) * (x[i * 4 + j] - mean) / 120.0;  // population
        CHECK(meta.mean[j] == doctest::Approx(mean));
        CHECK(meta.std[j] == doctest::Approx(j == 3 ? 1.0 : std::sqrt(var)));  // a constant feature keeps std 1
    }
    const ModelMetadata checkpointed = read_metadata(load_arrays(dir / "run/checkpoint.npz"), "checkpoint.npz");
    CHECK(checkpointed.mean == meta.mean);
    CHECK(checkpointed.std == meta.std);
    // predict standardizes --x with the saved statistics: the same outputs as the
    // parameters alone on features standardized here.
    const auto predicted = run_vecnn("predict --params '" + (dir / "s.npz") + "' --x '" + (dir / "xs.npy") +
                                     "' --y '" + (dir / "y.npy") + "' --out '" + (dir / "out.npy") + "'");
    INFO(predicted.err);
    REQUIRE(predicted.status == 0);
    CHECK(predicted.out.find("accuracy 100.00%") != std::string::npos);
    std::vector<float> standardized(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        standardized[i] = static_cast<float>((x[i] - meta.mean[i % 4]) / meta.std[i % 4]);
    }
    write_npy(dir / "xz.npy", make_npy(standardized.data(), {120, 4}));
    NamedArrays parameters;
    for (const auto& [key, array] : load_arrays(dir / "s.npz")) {
        if (!is_metadata_key(key)) parameters.emplace_back(key, array);
    }
    save_arrays(dir / "bare.npz", parameters);
    REQUIRE(run_vecnn("predict --model " + kSpec + " --params '" + (dir / "bare.npz") + "' --x '" + (dir / "xz.npy") +
                      "' --out '" + (dir / "bare_out.npy") + "'")
                .status == 0);
    const auto a = npy_values(dir / "out.npy"), b = npy_values(dir / "bare_out.npy");
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(1e-5));
    // Statistics of another width than the model's input are named.
    ModelMetadata narrow = meta;
    narrow.spec = "linear(4,16),relu,linear(16,3)";
    narrow.mean.pop_back();
    narrow.std.pop_back();
    NamedArrays bad = parameters;
    for (auto& array : metadata_arrays(narrow)) bad.push_back(std::move(array));
    save_arrays(dir / "narrow.npz", bad);
    check_fails(run_vecnn("predict --params '" + (dir / "narrow.npz") + "' --x '" + (dir / "xs.npy") + "' --out '" +
                          (dir / "o.npy") + "'"),
                {"--x", "xs.npy", "narrow.npz", "4 features per row", "statistics hold 3"});
    // Resuming is the same run only with the same choice.
    check_fails(run_vecnn("train --quiet --model " + kSpec + " --x '" + (dir / "xs.npy") + "' --y '" + (dir / "y.npy") +
                          "' --val-x '" + (dir / "xs.npy") + "' --val-y '" + (dir / "y.npy") +
                          "' --epochs 31 --lr 0.1 --momentum 0.9 --batch-size 16 --resume '" + (dir / "run") + "'"),
                {"standardize: checkpoint true, this run (not set)"});
}

TEST_CASE("a CNN with dropout through the command line: --input-shape, saved with the model, predict needs neither") {
    TempDir dir("cli");
    // Two classes of (1, 6, 6) images: bright top half or bright bottom half, with noise.
    const std::size_t n = 80;
    Rng rng(5);
    std::vector<float> x(n * 36);
    std::vector<std::int64_t> y(n);
    for (std::size_t i = 0; i < n; ++i) {
        y[i] = static_cast<std::int64_t>(i % 2);
        for (std::size_t p = 0; p < 36; ++p) {
            const bool top = p < 18;
            x[i * 36 + p] = static_cast<float>(rng.uniform(0, 0.5) + ((top == (y[i] == 0)) ? 0.8 : 0.0));
        }
    }
    write_npy(dir / "img.npy", make_npy(x.data(), {n, 36}));
    write_npy(dir / "lab.npy", make_npy(y.data(), {n}));
    const std::string spec = "'conv2d(1,3,3,padding=1),relu,maxpool2d(2),dropout(0.2),flatten,linear(27,2)'";
    const std::string data = " --x '" + (dir / "img.npy") + "' --y '" + (dir / "lab.npy") + "'";
    const auto trained = run_vecnn("train --model " + spec + " --input-shape 1,6,6" + data +
                                   " --epochs 15 --batch-size 8 --lr 0.05 --momentum 0.9 --save '" + (dir / "cnn.npz") +
                                   "'");
    INFO(trained.err);
    REQUIRE(trained.status == 0);
    CHECK(trained.out.find("3x6x6") != std::string::npos);  // the summary's shapes
    const NamedArrays saved = load_arrays(dir / "cnn.npz");
    REQUIRE(find_array(saved, "vecnn.input_shape") != nullptr);
    CHECK(find_array(saved, "0.weight")->shape == std::vector<std::size_t>{3, 1, 3, 3});
    CHECK(find_array(saved, "5.weight")->shape == std::vector<std::size_t>{2, 27});  // torch.nn.Sequential's keys
    const std::string predict = "predict --params '" + (dir / "cnn.npz") + "' --x '" + (dir / "img.npy") + "'";
    const auto predicted = run_vecnn(predict + " --y '" + (dir / "lab.npy") + "' --out '" + (dir / "o.npy") + "'");
    INFO(predicted.err);
    REQUIRE(predicted.status == 0);
    CHECK(predicted.out.find("accuracy 100.00%") != std::string::npos);
    // Evaluation mode: predicting twice gives the same bits (no dropout mask).
    REQUIRE(run_vecnn(predict + " --out '" + (dir / "o2.npy") + "'").status == 0);
    CHECK(test::slurp(dir / "o.npy") == test::slurp(dir / "o2.npy"));
    check_fails(run_vecnn(predict + " --input-shape 1,4,9 --out '" + (dir / "o3.npy") + "'"),
                {"--input-shape (1, 4, 9)", "(1, 6, 6)"});
    check_fails(run_vecnn("train --model " + spec + data), {"conv2d", "--input-shape"});
    check_fails(run_vecnn("train --model " + spec + " --input-shape 1,6" + data), {"(channels, height, width)"});
    check_fails(run_vecnn("train --model " + spec + " --input-shape 1,7,7" + data), {"49", "36"});
    check_fails(run_vecnn("train --model 'conv2d(1,3,9)' --input-shape 1,6,6" + data),
                {"kernel 9 is larger than the padded input 6x6"});
    check_fails(run_vecnn("train --model 'linear(36,2),dropout(2)'" + data), {"dropout", "probability"});
}
