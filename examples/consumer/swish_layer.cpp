#include <vecnn/vecnn.hpp>
using namespace vecnn;
template <class T>  // Swish: y = x * sigmoid(beta x), elementwise; beta comes from the spec, e.g. swish(1.5)
struct Swish final : TwinLayer<T> {
    T beta;
    explicit Swish(double b) : beta(T(b)) {}
    std::string describe() const override { return "swish(" + format_number(beta) + ")"; }
    void forward_loop(ConstView<T> x, View<T> y) override {  // the reference: plain loops
        for (std::size_t i = 0; i < x.size(); ++i) y.data[i] = x.data[i] / (1 + std::exp(-beta * x.data[i]));
    }
    void backward_loop(ConstView<T> x, ConstView<T>, ConstView<T> dy, View<T> dx) override {
        for (std::size_t i = 0; i < x.size(); ++i) {
            const T s = 1 / (1 + std::exp(-beta * x.data[i]));
            dx.data[i] = dy.data[i] * s * (1 + beta * x.data[i] * (1 - s));
        }
    }
    void forward_vectorized(ConstView<T> x, View<T> y) override {  // the whole batch: xtensor expressions
        xt::noalias(adapt(y)) = adapt(x) / (1 + xt::exp(-beta * adapt(x)));
    }
    void backward_vectorized(ConstView<T> x, ConstView<T>, ConstView<T> dy, View<T> dx) override {
        const auto s = 1 / (1 + xt::exp(-beta * adapt(x)));
        xt::noalias(adapt(dx)) = adapt(dy) * s * (1 + beta * adapt(x) * (1 - s));
    }
};
int main() {
    register_layer("swish", "swish(beta)", [](const LayerSpec& spec, auto scalar) {  // scalar: float, then double
        return std::make_unique<Swish<decltype(scalar)>>(spec.number(0, "beta"));
    });
    const LayerCheckReport check = check_layer("swish(1.5)");  // gradients on both engines, loop = vectorized
    std::fputs(check.table().c_str(), stdout);
    const auto data = make_spirals<float>(200, 1.5, 0.02, 1);
    auto model = build_model<float>("linear(2,64),swish(1.5),linear(64,64),swish(1.5),linear(64,2)", 1);
    CrossEntropy<float> loss;
    Adam<float> adam(*model, AdamOptions{0.01});
    Trainer<float>(*model, loss, adam, {32, 1, 100}).fit(DataSetView<float>::with_labels(data.x, data.labels));
    save_parameters(*model, "swish.npz");  // keys 0.weight, 0.bias, 2.weight, ...; swish has no parameters
    load_parameters(*build_model<float>(model->describe()), "swish.npz");
    return check.passed ? 0 : 1;
}
