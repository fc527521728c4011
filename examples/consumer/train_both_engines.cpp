// Train, evaluate, save and reload a model on both engines, and check its
// gradients: a complete program against vecnn's public API (the README's).
// Exits non-zero if an engine learns less than 99% of the two spirals, if the
// engines' final losses differ by more than 10%, if a reloaded model predicts
// differently, or if a gradient check fails. Writes spirals_<engine>.npz.
#include <vecnn/vecnn.hpp>

#include <cmath>
#include <cstdio>
#include <vector>

int main() {
    using namespace vecnn;
    const ClassificationData<float> data = make_spirals<float>(200, 1.5, 0.02, 1);  // 400 points, 2 classes
    const auto view = DataSetView<float>::with_labels(data.x, data.labels);
    const char* spec = "linear(2,64),tanh,linear(64,64),tanh,linear(64,2)";
    bool ok = true;
    double final_loss[2] = {0, 0};
    for (Engine engine : {Engine::vectorized, Engine::loop}) {
        auto model = build_model<float>(spec, /*seed=*/1);  // same initial parameters on both engines
        CrossEntropy<float> loss;
        Adam<float> adam(*model, AdamOptions{0.01});
        TrainOptions options;
        options.batch_size = 32;
        options.epochs = 100;
        options.seed = 1;
        Trainer<float> trainer(*model, loss, adam, options);
        trainer.set_engine(engine);  // the whole setup: every layer and the loss
        trainer.fit(view);
        const Evaluation result = trainer.evaluate(view);
        std::printf("%-10s loss %.6f  accuracy %.2f%%\n", to_string(engine), result.loss, 100 * result.accuracy);
        ok = ok && result.accuracy >= 0.99;

        const std::string path = std::string("spirals_") + to_string(engine) + ".npz";
        save_parameters(*model, path);  // keys "0.weight", "0.bias", "2.weight", ... as torch.nn.Sequential
        auto reloaded = build_model<float>(spec);
        load_parameters(*reloaded, path);
        reloaded->set_engine(engine);
        ok = ok && reloaded->forward(data.x) == model->forward(data.x);
        final_loss[engine == Engine::loop] = result.loss;
    }
    // The engines round differently (sums in another order), and 1,300 Adam
    // steps in float32 carry those last bits on: the same model, not the same bits.
    ok = ok && std::abs(final_loss[0] - final_loss[1]) <= 0.1 * final_loss[1];

    // Gradients against central differences, in float64, on both engines.
    for (Engine engine : {Engine::vectorized, Engine::loop}) {
        auto model = build_model<double>("linear(2,5),tanh,linear(5,3)", 2);
        CrossEntropy<double> loss;
        model->set_engine(engine);
        loss.set_engine(engine);
        const Matrix<double> x = {{0.5, -1.0}, {0.25, 0.75}, {-0.3, 0.1}};
        const std::vector<std::int64_t> labels{0, 2, 1};
        const GradCheckReport report = check_gradients(*model, loss, x, Targets<double>(labels));
        std::printf("gradcheck, %s engine: %s\n", to_string(engine), report.summary().c_str());
        ok = ok && report.passed;
    }
    std::printf("%s\n", ok ? "all good" : "FAILED");
    return ok ? 0 : 1;
}
