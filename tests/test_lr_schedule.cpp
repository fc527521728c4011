// Learning-rate schedules against torch.optim.lr_scheduler, to the last bit
// (tests/data/optim/schedules.txt, tools/torch_schedule_fixtures.py); the
// trainer applies them per epoch and a resumed run gets the same lr; bad
// options refused.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_util.hpp"
#include "vecnn/nn/loss.hpp"
#include "vecnn/nn/lr_schedule.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/nn/sgd.hpp"
#include "vecnn/nn/trainer.hpp"

using namespace vecnn;

namespace {
LrScheduleOptions parse_options(std::istringstream& words) {
    LrScheduleOptions o;
    std::string word;
    while (words >> word && word != ":") {
        const auto eq = word.find('=');
        const std::string key = word.substr(0, eq), value = word.substr(eq + 1);
        if (key == "kind") o.kind = value;
        if (key == "step_size") o.step_size = std::stoul(value);
        if (key == "gamma") o.gamma = std::stod(value);
        if (key == "t_max") o.t_max = std::stoul(value);
        if (key == "eta_min") o.eta_min = std::stod(value);
        if (key == "start_factor") o.start_factor = std::stod(value);
        if (key == "end_factor") o.end_factor = std::stod(value);
        if (key == "total_iters") o.total_iters = std::stoul(value);
        if (key == "milestones") {
            std::istringstream list(value);
            for (std::string m; std::getline(list, m, ',');) o.milestones.push_back(std::stoul(m));
        }
    }
    return o;
}
}  // namespace

TEST_CASE("StepLR, MultiStepLR, CosineAnnealingLR and LinearLR equal PyTorch's learning rates bit for bit") {
    std::ifstream in(std::string(VECNN_TEST_DATA_DIR) + "/optim/schedules.txt");
    REQUIRE(in);
    std::size_t checked = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream words(line);
        std::string name;
        words >> name;
        CAPTURE(name);
        const LrSchedule schedule(parse_options(words), 0.1);
        std::size_t epoch = 0;
        for (double expected; words >> expected; ++epoch) {
            CAPTURE(epoch);
            CHECK(schedule.lr_at(epoch) == expected);
        }
        CHECK(epoch == 25);
        ++checked;
    }
    CHECK(checked == 6);
}

TEST_CASE("the trainer sets each epoch's lr, and a run resumed mid-way gets the same lr") {
    Rng rng(4);
    const Matrix<double> x = test::random_matrix<double>(10, 3, rng);
    const std::vector<std::int64_t> labels{0, 1, 0, 1, 1, 0, 0, 1, 1, 0};
    const auto view = DataSetView<double>::with_labels(x, labels);
    LrScheduleOptions o;
    o.kind = "cosine";
    o.t_max = 4;
    const LrSchedule schedule(o, 0.2);
    auto run = [&](std::size_t epochs, const TrainerState* from, std::vector<double>& lrs, TrainerState* state) {
        auto model = build_model<double>("linear(3,2)", 1);
        CrossEntropy<double> loss;
        SGD<double> sgd(*model, SgdOptions{0.2});
        TrainOptions options;
        options.batch_size = 5;
        options.epochs = epochs;
        Trainer<double> trainer(*model, loss, sgd, options);
        trainer.lr_at_epoch = [&](std::size_t e) { return schedule.lr_at(e); };
        if (from) trainer.restore(*from);
        trainer.on_epoch = [&](const EpochInfo& e) { lrs.push_back(e.lr); };
        trainer.fit(view);
        if (state) *state = trainer.state();
    };
    std::vector<double> straight, first, second;
    run(6, nullptr, straight, nullptr);
    TrainerState middle;
    run(3, nullptr, first, &middle);
    run(6, &middle, second, nullptr);
    REQUIRE(straight.size() == 6);
    for (std::size_t e = 0; e < 6; ++e) CHECK(straight[e] == schedule.lr_at(e));
    first.insert(first.end(), second.begin(), second.end());
    CHECK(first == straight);
}

TEST_CASE("bad schedule options are refused, naming the option") {
    auto bad = [](auto change, const char* fragment) {
        LrScheduleOptions o;
        o.kind = "step";
        change(o);
        test::check_invalid_argument([&] { LrSchedule(o, 0.1); }, {fragment});
    };
    bad([](LrScheduleOptions& o) { o.kind = "exponential"; }, "unknown kind 'exponential'");
    bad([](LrScheduleOptions& o) { o.gamma = 0; }, "gamma 0");
    bad([](LrScheduleOptions& o) { o.step_size = 0; }, "step_size");
    bad([](LrScheduleOptions& o) { o.kind = "multistep"; }, "milestones");
    bad([](LrScheduleOptions& o) {
        o.kind = "multistep";
        o.milestones = {5, 2};
    }, "increasing");
    bad([](LrScheduleOptions& o) { o.start_factor = 0; }, "start_factor 0");
    bad([](LrScheduleOptions& o) { o.end_factor = 1.5; }, "end_factor 1.5");
    bad([](LrScheduleOptions& o) { o.eta_min = -1; }, "eta_min -1");
    bad([](LrScheduleOptions& o) { o.t_max = 0; }, "t_max");
}
