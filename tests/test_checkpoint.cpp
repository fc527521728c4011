// Checkpoints: round trips of float and double models (same parameters, same
// outputs), the state_dict layout on disk, strict loading with every mismatch
// named (key, expected, found, file), and atomic saves.
#include <doctest/doctest.h>

#include <csignal>
#include <cmath>

#include <sys/resource.h>

#include "io_test_util.hpp"
#include "vecnn/nn/checkpoint.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/data/npy_matrix.hpp"

using namespace vecnn;
using vecnn::test::check_mentions;
using vecnn::test::error_of;
using vecnn::test::TempDir;

namespace {

const char* kSpec = "linear(4,8),relu,linear(8,3)";

template <class T>
std::vector<T> values_of(const Layer<T>& model) {
    return std::vector<T>(model.parameter_data(), model.parameter_data() + model.parameter_count());
}

template <class T>
Matrix<T> batch() {
    Matrix<T> x = {{0.5, -1.0, 2.0, 0.25}, {1.5, 0.0, -0.75, 3.0}};
    return x;
}

template <class T>
void check_round_trip(FloatType stored) {
    TempDir dir;
    auto saved = build_model<T>(kSpec, 1);
    auto loaded = build_model<T>(kSpec, 2);
    REQUIRE(values_of(*saved) != values_of(*loaded));
    save_parameters(*saved, dir / "m.npz", stored);
    load_parameters(*loaded, dir / "m.npz");
    CHECK(values_of(*saved) == values_of(*loaded));  // own precision, or float stored as float64: exact
    const Matrix<T> x = batch<T>();
    const Matrix<T> a = saved->forward(x);
    const Matrix<T> b = loaded->forward(x);
    CHECK(a == b);
}

// Saves `arrays` as a checkpoint and returns the error of loading it into a fresh model.
std::string load_error(const TempDir& dir, const NamedArrays& arrays, Sequential<double>& model) {
    save_arrays(dir / "bad.npz", arrays);
    return error_of([&] { load_parameters(model, dir / "bad.npz"); });
}

}  // namespace

TEST_CASE("checkpoint round trip: double and float models, own precision and float64") {
    check_round_trip<double>(FloatType::float64);
    check_round_trip<float>(FloatType::float32);
    check_round_trip<float>(FloatType::float64);
}

TEST_CASE("checkpoint layout on disk is a Sequential state_dict") {
    TempDir dir;
    auto model = build_model<double>(kSpec, 3);
    save_parameters(*model, dir / "m.npz");  // a double model saves float64 by default
    const NamedArrays arrays = load_arrays(dir / "m.npz");
    REQUIRE(arrays.size() == 4);
    const std::pair<const char*, std::vector<std::size_t>> expected[] = {
        {"0.weight", {8, 4}}, {"0.bias", {8}}, {"2.weight", {3, 8}}, {"2.bias", {3}}};
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(arrays[i].first == expected[i].first);
        CHECK(arrays[i].second.shape == expected[i].second);
        CHECK(arrays[i].second.dtype == "<f8");
    }
    // Weight (out, in) row-major, exactly as torch's Linear.weight.
    const std::size_t w = model->parameter_index("2.weight");
    const Matrix<double> w2 = to_matrix<double>(arrays[2].second);
    CHECK(w2(1, 5) == model->parameter(w)(1, 5));

    auto f = build_model<float>(kSpec, 3);
    save_parameters(*f, dir / "f.npz");
    for (const auto& [key, a] : load_arrays(dir / "f.npz")) CHECK(a.dtype == "<f4");
    CHECK(dir.entries() == std::vector<std::string>{"f.npz", "m.npz"});
}

TEST_CASE("checkpoint precision conversions on load") {
    TempDir dir;
    auto d = build_model<double>(kSpec, 4);
    save_parameters(*d, dir / "d32.npz", FloatType::float32);
    auto back = build_model<double>(kSpec, 5);
    load_parameters(*back, dir / "d32.npz");  // float32 file into a double model: converted
    const auto a = values_of(*d), b = values_of(*back);
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(b[i] == static_cast<double>(static_cast<float>(a[i])));

    auto f = build_model<float>(kSpec, 6);
    load_parameters(*f, dir / "d32.npz");  // and into a float model: exact
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(values_of(*f)[i] == static_cast<float>(a[i]));
}

TEST_CASE("strict loading names the key, the expected and the found, and the file") {
    TempDir dir;
    auto source = build_model<double>(kSpec, 7);
    const NamedArrays good = parameter_arrays(*source, FloatType::float64);
    auto model = build_model<double>(kSpec, 8);
    const std::vector<double> before = values_of(*model);

    SUBCASE("missing key") {
        NamedArrays a = good;
        a.pop_back();
        check_mentions(load_error(dir, a, *model), {"bad.npz", "missing key '2.bias'", "expected shape (3,) float32 or float64", "found no such array"});
    }
    SUBCASE("extra key") {
        NamedArrays a = good;
        const double v[2] = {1, 2};
        a.emplace_back("4.weight", make_npy(v, {2}));
        check_mentions(load_error(dir, a, *model), {"bad.npz", "unexpected key '4.weight'", "(2,) float64", "no such parameter"});
    }
    SUBCASE("wrong shape: transposed weight") {
        NamedArrays a = good;
        a[0].second.shape = {4, 8};
        check_mentions(load_error(dir, a, *model), {"bad.npz", "key '0.weight'", "expected shape (8, 4)", "found (4, 8)"});
    }
    SUBCASE("wrong shape: bias as a row") {
        NamedArrays a = good;
        a[1].second.shape = {1, 8};
        check_mentions(load_error(dir, a, *model), {"bad.npz", "key '0.bias'", "expected shape (8,)", "found (1, 8)"});
    }
    SUBCASE("wrong dtype: int64") {
        NamedArrays a = good;
        std::vector<std::int64_t> ints(24, 1);
        a[2].second = make_npy(ints.data(), {3, 8});
        check_mentions(load_error(dir, a, *model),
                       {"bad.npz", "key '2.weight'", "expected dtype float32 or float64", "found int64", "'<i8'"});
    }
    SUBCASE("several problems are all listed") {
        NamedArrays a = good;
        a.erase(a.begin());
        a[0].second.shape = {2, 4};
        const double v = 0;
        a.emplace_back("extra", make_npy(&v, {}));
        check_mentions(load_error(dir, a, *model),
                       {"bad.npz", "missing key '0.weight'", "key '0.bias': expected shape (8,), found (2, 4)",
                        "unexpected key 'extra': found () float64"});
    }
    SUBCASE("float64 beyond float32's range into a float model") {
        NamedArrays a = good;
        std::vector<double> huge(3, 1e300);
        a[3].second = make_npy(huge.data(), {3});
        save_arrays(dir / "huge.npz", a);
        auto f = build_model<float>(kSpec, 9);
        const std::vector<float> f_before = values_of(*f);
        check_mentions(error_of([&] { load_parameters(*f, dir / "huge.npz"); }),
                       {"huge.npz", "member '2.bias.npy'", "element [0]", "out of range for float32"});
        CHECK(values_of(*f) == f_before);
    }
    SUBCASE("not a checkpoint at all") {
        vecnn::test::write_text(dir / "bad.npz", "hello");
        check_mentions(error_of([&] { load_parameters(*model, dir / "bad.npz"); }), {"bad.npz", "not a valid .npz"});
    }
    SUBCASE("missing file") {
        check_mentions(error_of([&] { load_parameters(*model, dir / "none.npz"); }), {"none.npz", "No such file"});
    }
    // A failed load leaves the model as it was.
    CHECK(values_of(*model) == before);
}

TEST_CASE("saving float64 weights beyond float32's range as float32 fails before writing") {
    TempDir dir;
    auto model = build_model<double>(kSpec, 10);
    model->parameter_data()[5] = 1e300;
    check_mentions(error_of([&] { save_parameters(*model, dir / "m.npz", FloatType::float32); }),
                   {"m.npz", "parameter '0.weight'", "float32"});
    CHECK(dir.entries().empty());
}

TEST_CASE("checkpoint saves are atomic") {
    TempDir dir;
    auto old_model = build_model<double>(kSpec, 11);
    auto new_model = build_model<double>(kSpec, 12);
    save_parameters(*old_model, dir / "m.npz");
    const std::vector<char> before = vecnn::test::read_bytes(dir / "m.npz");

    SUBCASE("a save into a missing folder fails cleanly") {
        check_mentions(error_of([&] { save_parameters(*new_model, dir / "no/such/dir/m.npz"); }),
                       {"no/such/dir/m.npz", "No such file"});
    }
    SUBCASE("a save that fails mid-write leaves the old checkpoint") {
        struct rlimit saved {};
        REQUIRE(getrlimit(RLIMIT_FSIZE, &saved) == 0);
        auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit small = saved;
        small.rlim_cur = 256;  // the checkpoint is ~1.5 KB
        REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
        const std::string message = error_of([&] { save_parameters(*new_model, dir / "m.npz"); });
        REQUIRE(setrlimit(RLIMIT_FSIZE, &saved) == 0);
        std::signal(SIGXFSZ, old_handler);
        check_mentions(message, {"m.npz", "File too large"});

        auto reloaded = build_model<double>(kSpec, 13);
        load_parameters(*reloaded, dir / "m.npz");
        CHECK(values_of(*reloaded) == values_of(*old_model));
    }
    SUBCASE("a successful save replaces the old checkpoint") {
        save_parameters(*new_model, dir / "m.npz");
        auto reloaded = build_model<double>(kSpec, 13);
        load_parameters(*reloaded, dir / "m.npz");
        CHECK(values_of(*reloaded) == values_of(*new_model));
    }
    CHECK(dir.entries() == std::vector<std::string>{"m.npz"});
    if (vecnn::test::read_bytes(dir / "m.npz") != before) {
        auto reloaded = build_model<double>(kSpec, 14);
        load_parameters(*reloaded, dir / "m.npz");
        CHECK(values_of(*reloaded) == values_of(*new_model));  // changed only by the successful save
    }
}

TEST_CASE("save_arrays and load_arrays keep any arrays, e.g. optimizer state and gradients") {
    TempDir dir;
    auto model = build_model<float>(kSpec, 15);
    std::fill(model->gradient_data(), model->gradient_data() + model->parameter_count(), 0.5f);
    NamedArrays arrays = gradient_arrays(*model, FloatType::float32);
    const std::int64_t step = 42;
    arrays.emplace_back("step", make_npy(&step, {}));
    save_arrays(dir / "state.npz", arrays);
    const NamedArrays back = load_arrays(dir / "state.npz");
    REQUIRE(back.size() == 5);
    CHECK(back[0].first == "0.weight");
    CHECK(to_vector<float>(back[0].second) == std::vector<float>(32, 0.5f));
    CHECK(back[4].first == "step");
    CHECK(to_labels(back[4].second) == std::vector<std::int64_t>{42});
}

TEST_CASE("model metadata travels with the parameters under vecnn.* keys; files without it load as before") {
    TempDir dir;
    const auto model = build_model<float>(kSpec, 3);
    ModelMetadata meta;
    meta.spec = model->describe();
    meta.input_shape = {1, 2, 2};
    meta.mean = {0.5, -1, 2, 3};
    meta.std = {1, 2, 0.25, 4};
    save_model(*model, meta, dir / "m.npz");
    const NamedArrays arrays = load_arrays(dir / "m.npz");
    const ModelMetadata back = read_metadata(arrays, dir / "m.npz");
    CHECK(back.spec == kSpec);
    CHECK(back.input_shape == std::vector<std::size_t>{1, 2, 2});
    CHECK(back.mean == meta.mean);
    CHECK(back.std == meta.std);
    CHECK(find_array(arrays, "vecnn.input_shape")->dtype == "<u8");
    CHECK(find_array(arrays, "vecnn.model")->dtype == "|u1");
    auto reloaded = build_model<float>(kSpec);
    load_parameters(*reloaded, dir / "m.npz");  // the metadata keys are not parameters
    CHECK(values_of(*reloaded) == values_of(*model));

    // A file without metadata: empty fields. An absent input shape: no key at all.
    save_parameters(*model, dir / "plain.npz");
    const ModelMetadata none = read_metadata(load_arrays(dir / "plain.npz"), "plain.npz");
    CHECK(none.spec.empty());
    CHECK(none.input_shape.empty());
    CHECK(none.mean.empty());
    save_model(*model, ModelMetadata{kSpec, {}, {}, {}}, dir / "spec_only.npz");
    CHECK(find_array(load_arrays(dir / "spec_only.npz"), "vecnn.input_shape") == nullptr);

    // Malformed metadata is named.
    auto with = [&](const std::string& key, NpyArray a) {
        NamedArrays bad = arrays;
        for (auto& [k, v] : bad) {
            if (k == key) v = std::move(a);
        }
        save_arrays(dir / "bad.npz", bad);
        return error_of([&] { read_metadata(load_arrays(dir / "bad.npz"), dir / "bad.npz"); });
    };
    const std::vector<double> zero_std{1, 0, 1, 1}, three{1, 1, 1};
    const float not_text[2] = {1, 2};
    check_mentions(with("vecnn.standardize.std", make_npy(zero_std.data(), {4})),
                   {"bad.npz", "feature 1", "positive finite std"});
    check_mentions(with("vecnn.standardize.std", make_npy(three.data(), {3})), {"bad.npz", "found 4 and 3"});
    check_mentions(with("vecnn.model", make_npy(not_text, {2})), {"bad.npz", "vecnn.model", "text"});
    check_mentions(with("vecnn.input_shape", make_npy(not_text, {2})), {"bad.npz", "vecnn.input_shape", "integer"});
}
