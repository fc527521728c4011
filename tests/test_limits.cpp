// The limits and guarantees of issue "hostile files", at the library level
// (tests/test_hostile.sh covers the command line): bounded reads, headers
// checked before bodies, writes that respect what a path is, stale
// temporaries removed, finite in and finite out, resume settings compared.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "io_test_util.hpp"
#include "vecnn/vecnn.hpp"

using namespace vecnn;
using vecnn::test::check_mentions;
using vecnn::test::error_of;
using vecnn::test::TempDir;

namespace {

// Sets the input limit for one test, and puts the default back.
struct InputLimit {
    std::uint64_t saved = max_input_bytes();
    explicit InputLimit(std::uint64_t bytes) { set_max_input_bytes(bytes); }
    ~InputLimit() { set_max_input_bytes(saved); }
};

using vecnn::test::write_text;

std::string read_text(const std::string& path) {
    const std::vector<char> b = vecnn::test::read_bytes(path);
    return std::string(b.begin(), b.end());
}

}  // namespace

TEST_CASE("InputFile: a regular file over the limit is refused before it is read; peeked bytes are not lost") {
    TempDir dir;
    write_text(dir / "f", std::string(1000, 'a') + "b");
    {
        InputLimit limit(100);
        check_mentions(error_of([&] { InputFile in(dir / "f"); }), {dir / "f", "1001 bytes", "input limit of 100 bytes"});
    }
    InputFile in(dir / "f");
    CHECK(in.has_size());
    CHECK(in.size() == 1001);
    CHECK(in.peek(3).size() >= 3);
    const std::vector<char> first = in.read(10);
    CHECK(std::string(first.begin(), first.end()) == std::string(10, 'a'));
    const std::vector<char> rest = in.read_rest();
    CHECK(rest.size() == 991);
    CHECK(rest.back() == 'b');
    CHECK(in.at_end());
    check_mentions(error_of([&] { InputFile d(dir.path); }), {"it is a directory"});
}

TEST_CASE("InputFile: a stream is read up to the limit and refused past it; a silent FIFO times out") {
    {
        InputLimit limit(1 << 20);
        check_mentions(error_of([] { read_file("/dev/zero"); }), {"/dev/zero", "goes on past 1 MiB", "--max-input-bytes"});
    }
    TempDir dir;
    const std::string fifo = dir / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const double saved = input_wait_seconds();
    set_input_wait_seconds(0.3);
    check_mentions(error_of([&] { read_file(fifo); }), {"fifo", "no data arrived"});
    // A writer that comes late is waited for.
    std::thread writer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        std::ofstream(fifo) << "1,2\n3,4\n";
    });
    set_input_wait_seconds(5);
    const Matrix<double> x = load_features<double>(fifo);
    writer.join();
    set_input_wait_seconds(saved);
    CHECK(x.shape()[0] == 2);
    CHECK(x(1, 1) == 4);
}

TEST_CASE("headers before bodies: a .npy whose size does not fit its header is refused from the file size") {
    TempDir dir;
    const float v[6] = {1, 2, 3, 4, 5, 6};
    write_npy(dir / "a.npy", make_npy(v, {2, 3}));
    DataFile good(dir / "a.npy");
    CHECK(good.declared_rows() == 2);
    CHECK(good.declared_cols() == 3);
    // Cut the data: refused in the constructor, before reading it.
    const std::string bytes = read_text(dir / "a.npy");
    write_text(dir / "cut.npy", bytes.substr(0, bytes.size() - 4));
    check_mentions(error_of([&] { DataFile cut(dir / "cut.npy"); }), {"cut.npy", "truncated data", "needs 24 bytes"});
    // Bytes (1,000 in the file) that would become a matrix of doubles (8,000
    // bytes): the limit applies to what the header makes vecnn allocate.
    std::vector<std::uint8_t> small(1000, 7);
    write_npy(dir / "u1.npy", make_npy(small.data(), {100, 10}));
    InputLimit limit(9000);
    DataFile f(dir / "u1.npy");
    CHECK(f.features<double>().shape()[0] == 100);
    set_max_input_bytes(2000);
    DataFile g(dir / "u1.npy");
    check_mentions(error_of([&] { (void)g.features<double>(); }), {"u1.npy", "the matrix its header declares", "7.81 KiB"});
}

TEST_CASE("CSV: binary data is refused at once, and parsed values count against the limit") {
    TempDir dir;
    vecnn::test::write_bytes(dir / "bin.csv", {'1', ',', '2', '\n', '3', ',', '\0'});
    check_mentions(error_of([&] { load_features<float>(dir / "bin.csv"); }), {"bin.csv", "binary data", "NUL byte at offset 6"});
    std::string many;
    for (int i = 0; i < 2000; ++i) many += "1\n";
    write_text(dir / "many.csv", many);
    InputLimit limit(8000);  // 4000 bytes of text, 2000 values: 32000 bytes once parsed
    check_mentions(error_of([&] { load_targets<float>(dir / "many.csv"); }), {"many.csv", "the values parsed so far"});
}

TEST_CASE("writes: a FIFO without a reader is refused, never replaced; a link is followed; stale temporaries go") {
    TempDir dir;
    const std::string fifo = dir / "out.fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    check_mentions(error_of([&] { write_file_atomically(fifo, "x", 1); }), {"out.fifo", "nothing reads"});
    struct stat st {};
    REQUIRE(::stat(fifo.c_str(), &st) == 0);
    CHECK(S_ISFIFO(st.st_mode));

    write_text(dir / "target", "old");
    REQUIRE(::symlink("target", (dir / "link").c_str()) == 0);
    write_file_atomically(dir / "link", "new", 3);
    CHECK(read_text(dir / "target") == "new");
    struct stat lst {};
    REQUIRE(::lstat((dir / "link").c_str(), &lst) == 0);
    CHECK(S_ISLNK(lst.st_mode));

    pid_t dead = 4000000;
    while (::kill(dead, 0) == 0) ++dead;
    const std::string stale = dir / ("m.npz.tmp." + std::to_string(dead) + ".0");
    const std::string live = dir / ("m.npz.tmp." + std::to_string(::getpid()) + ".99");
    write_text(stale, "half");
    write_text(live, "busy");
    write_file_atomically(dir / "m.npz", "data", 4);
    CHECK(::access(stale.c_str(), F_OK) != 0);
    CHECK(::access(live.c_str(), F_OK) == 0);
    ::unlink(live.c_str());
}

TEST_CASE("finite in, finite out: loading, saving and training refuse NaN and infinity, naming the element") {
    TempDir dir;
    auto model = build_model<float>("linear(2,3)", 1);
    model->parameter_data()[4] = std::numeric_limits<float>::infinity();
    CHECK(non_finite_parameter(*model) == "parameter '0.weight' [2, 0] is inf");  // weight (3, 2): element 4
    check_mentions(error_of([&] { save_parameters(*model, dir / "m.npz"); }), {"m.npz", "'0.weight' [2, 0] is inf"});
    CHECK(::access((dir / "m.npz").c_str(), F_OK) != 0);

    model->parameter_data()[4] = 0.5f;
    save_parameters(*model, dir / "m.npz");
    NamedArrays arrays = load_arrays(dir / "m.npz");
    const float nan_bias[3] = {0, std::numeric_limits<float>::quiet_NaN(), 0};
    for (auto& [key, a] : arrays) {
        if (key == "0.bias") a = make_npy(nan_bias, {3});
    }
    save_arrays(dir / "nan.npz", arrays);
    check_mentions(error_of([&] { load_parameters(*model, dir / "nan.npz"); }), {"nan.npz", "'0.bias' [1] is NaN"});
    CHECK(model->parameter_data()[7] == model->parameter_data()[7]);  // unchanged, not NaN

    // Hyperparameters are checked in the model's type.
    check_mentions(error_of([&] { SGD<float> s(*model, SgdOptions{1e39}); }), {"1e+39", "float32"});
    CHECK_NOTHROW(SGD<double>(*build_model<double>("linear(2,3)"), SgdOptions{1e39}));

    // An update that overflows stops training at once, naming the step and the element.
    const auto data = make_xor<float>();
    const auto view = DataSetView<float>::with_labels(data.x, data.labels);
    CrossEntropy<float> loss;
    SGD<float> sgd(*model, SgdOptions{1.0, 0, 0, 1e38});
    TrainOptions options;
    options.batch_size = 4;
    options.epochs = 5;
    options.max_loss_growth = 0;  // the loss explodes first: this is the check of the parameters behind it
    Trainer<float> trainer(*model, loss, sgd, options);
    check_mentions(error_of([&] { trainer.fit(view); }), {"training diverged", "optimizer step", "'0."});
}

TEST_CASE("a model too large for the parameter memory limit is refused before it allocates") {
    const std::uint64_t saved = max_parameter_bytes();
    set_max_parameter_bytes(1 << 20);
    const std::string message = error_of([] { build_model<float>("linear(4,4),linear(4,1000000)"); });
    set_max_parameter_bytes(saved);
    check_mentions(message, {"layer 1", "linear(4,1000000)", "5000000 parameters need", "more than the limit of 1 MiB"});
}

TEST_CASE("resume settings: every difference is listed, allowed ones are not") {
    const std::string saved = "model=linear(4,3)\nlr=0.1\nseed=0\nbatch_size=64";
    const std::string now = "model=linear(4,3)\nlr=0.05\nseed=2\nbatch_size=64\naccumulate=2";
    const auto d = setting_differences(saved, now, {});
    CHECK(d == std::vector<std::string>{"lr: checkpoint 0.1, this run 0.05", "seed: checkpoint 0, this run 2",
                                        "accumulate: checkpoint (not set), this run 2"});
    CHECK(setting_differences(saved, now, {"lr", "seed", "accumulate"}).empty());
    CHECK(setting_differences(saved, saved, {}).empty());
}
