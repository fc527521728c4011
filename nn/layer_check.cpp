#include "vecnn/nn/layer_check.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "vecnn/nn/layer_spec.hpp"
#include "vecnn/nn/model_spec.hpp"
#include "vecnn/tensor/random.hpp"

namespace vecnn {
namespace {

template <class T>
Matrix<T> random_matrix(std::size_t rows, std::size_t cols, double scale, Rng& rng) {
    Matrix<T> m = Matrix<T>::from_shape({rows, cols});
    for (auto& v : m) v = static_cast<T>(rng.uniform(-scale, scale));
    return m;
}

template <class T>
Matrix<T> cast(const Matrix<double>& m) {
    Matrix<T> out = Matrix<T>::from_shape({m.shape()[0], m.shape()[1]});
    std::transform(m.begin(), m.end(), out.begin(), [](double v) { return static_cast<T>(v); });
    return out;
}

// One forward and backward on one engine, from cleared gradients.
template <class T>
struct Pass {
    Matrix<T> output, input_gradient;
    std::vector<T> gradients;
};

template <class T>
Pass<T> run_pass(Layer<T>& layer, Engine engine, const Matrix<T>& x, const Matrix<T>& upstream) {
    layer.set_engine(engine);
    Pass<T> p;
    p.output = layer.forward(x);
    layer.zero_grad();
    p.input_gradient = layer.backward(upstream, true);
    p.gradients.assign(layer.gradient_data(), layer.gradient_data() + layer.parameter_count());
    return p;
}

// Norm-wise comparison of a against the reference b: max|a - b| <= rtol * max|b|.
// Returns an empty string when they agree, else where they differ most.
template <class T>
std::string disagreement(const std::string& what, const T* a, const T* b, std::size_t n, double rtol) {
    double max_diff = 0, max_ref = 0;
    std::size_t worst = 0;
    bool nan = false;
    for (std::size_t i = 0; i < n; ++i) {
        const double d = std::abs(double(a[i]) - double(b[i]));
        if (std::isnan(d)) {
            nan = true;
            worst = i;
            break;
        }
        if (d > max_diff) {
            max_diff = d;
            worst = i;
        }
        max_ref = std::max(max_ref, std::abs(double(b[i])));
    }
    if (!nan && max_diff <= rtol * max_ref) return "";
    std::ostringstream s;
    s << what << "[" << worst << "]: vectorized " << std::setprecision(10) << double(a[worst]) << ", loop "
      << double(b[worst]);
    if (!nan) s << " (max difference " << std::setprecision(3) << max_diff << " > " << rtol << " * max " << max_ref << ")";
    return s.str();
}

// Where the parameter element i of `layer` lives: "0.beta[3]".
template <class T>
std::string parameter_element(const Layer<T>& layer, std::size_t i) {
    for (const auto& p : layer.parameters()) {
        if (i >= p.offset && i < p.offset + p.size()) return p.name + "[" + std::to_string(i - p.offset) + "]";
    }
    return "parameter[" + std::to_string(i) + "]";
}

template <class T>
LayerCheckReport::Check engines_agree(Layer<T>& layer, const Matrix<T>& x, const Matrix<T>& upstream, double rtol,
                                      const std::string& what) {
    const Pass<T> loop = run_pass(layer, Engine::loop, x, upstream);
    const Pass<T> vec = run_pass(layer, Engine::vectorized, x, upstream);
    LayerCheckReport::Check c{what, true, "agree to rtol " + format_number(rtol)};
    std::string d = disagreement("output", vec.output.data(), loop.output.data(), loop.output.size(), rtol);
    if (d.empty()) {
        d = disagreement("input gradient", vec.input_gradient.data(), loop.input_gradient.data(),
                         loop.input_gradient.size(), rtol);
    }
    if (d.empty() && !loop.gradients.empty()) {
        d = disagreement("parameter gradient", vec.gradients.data(), loop.gradients.data(), loop.gradients.size(), rtol);
        if (!d.empty()) {
            // name the parameter element instead of its flat index
            const std::size_t open = d.find('['), close = d.find(']');
            d = parameter_element(layer, std::stoul(d.substr(open + 1, close - open - 1))) + " gradient" +
                d.substr(close + 1);
        }
    }
    if (!d.empty()) c = {what, false, d};
    return c;
}

// backward adds: a second backward without zero_grad doubles the parameter gradients.
LayerCheckReport::Check accumulates(Layer<double>& layer, Engine engine, const Matrix<double>& x,
                                    const Matrix<double>& upstream) {
    const std::string what = std::string("backward adds, ") + to_string(engine) + " engine";
    layer.set_engine(engine);
    layer.forward(x);
    layer.zero_grad();
    layer.backward(upstream, true);
    const std::vector<double> once(layer.gradient_data(), layer.gradient_data() + layer.parameter_count());
    layer.backward(upstream, true);
    std::vector<double> twice_once(once.size());
    std::transform(once.begin(), once.end(), twice_once.begin(), [](double v) { return 2 * v; });
    const std::string d =
        disagreement("parameter gradient", layer.gradient_data(), twice_once.data(), once.size(), 1e-12);
    if (!d.empty()) {
        return {what, false, "a second backward did not add the same gradients again: " + d +
                                 " (\"vectorized\" is the second sum, \"loop\" twice the first)"};
    }
    return {what, true, "a second backward doubles the gradients"};
}

std::string width_note(std::size_t batch, std::size_t features) {
    return "batch " + std::to_string(batch) + " x " + std::to_string(features) + " features";
}

// The float64 checks, shared by both overloads.
void check_double(Layer<double>& layer, std::size_t features, const LayerCheckOptions& o, LayerCheckReport& report) {
    Rng rng(o.seed);
    for (std::size_t batch : o.gradcheck_batches) {
        const Matrix<double> x = random_matrix<double>(batch, features, o.input_scale, rng);
        for (Engine e : {Engine::loop, Engine::vectorized}) {
            layer.set_engine(e);
            GradCheckOptions g = o.gradcheck;
            g.seed = rng.below(1u << 30) + 1;
            const GradCheckReport r = check_gradients(layer, x, g);
            report.checks.push_back({std::string("gradcheck float64, ") + to_string(e) + " engine, " +
                                         width_note(batch, features),
                                     r.passed, r.summary()});
        }
    }
    for (std::size_t batch : o.agreement_batches) {
        const Matrix<double> x = random_matrix<double>(batch, features, o.input_scale, rng);
        const std::size_t out = layer.output_features(features);
        const Matrix<double> upstream = random_matrix<double>(batch, out, 1.0, rng);
        if (layer.has_loop_twin()) {
            report.checks.push_back(
                engines_agree(layer, x, upstream, o.double_rtol, "loop = vectorized, float64, " + width_note(batch, features)));
        }
        if (layer.parameter_count() > 0 && batch == o.agreement_batches.back()) {
            for (Engine e : {Engine::loop, Engine::vectorized}) report.checks.push_back(accumulates(layer, e, x, upstream));
        }
    }
    if (!layer.has_loop_twin()) {
        report.checks.push_back({"loop = vectorized", true,
                                 "not compared: one implementation serves both engines (SingleImplementationLayer)"});
    }
}

std::size_t input_width(const Layer<double>& layer, const LayerCheckOptions& o) {
    return layer.input_features() != 0 ? layer.input_features() : o.features;
}

void finish(LayerCheckReport& report) {
    report.passed = !report.checks.empty() &&
                    std::all_of(report.checks.begin(), report.checks.end(), [](const auto& c) { return c.passed; });
}

}  // namespace

LayerCheckReport check_layer(Layer<double>& layer, const LayerCheckOptions& options) {
    LayerCheckReport report;
    report.layer = layer.describe();
    const Engine engine = layer.engine();
    check_double(layer, input_width(layer, options), options, report);
    layer.set_engine(engine);
    finish(report);
    return report;
}

LayerCheckReport check_layer(const std::string& spec, const LayerCheckOptions& options) {
    auto model = build_model<double>(spec, options.seed, options.input_shape);
    auto model_f = build_model<float>(spec, options.seed, options.input_shape);  // the same draws, rounded to float
    LayerCheckReport report;
    report.layer = model->describe();
    const std::size_t features = input_width(*model, options);
    check_double(*model, features, options, report);
    if (model->has_loop_twin()) {
        Rng rng(options.seed + 7);
        for (std::size_t batch : options.agreement_batches) {
            const Matrix<double> x = random_matrix<double>(batch, features, options.input_scale, rng);
            const Matrix<double> upstream = random_matrix<double>(batch, model->output_features(features), 1.0, rng);
            report.checks.push_back(engines_agree(*model_f, cast<float>(x), cast<float>(upstream), options.float_rtol,
                                                  "loop = vectorized, float32, " + width_note(batch, features)));
        }
    }
    finish(report);
    return report;
}

std::string LayerCheckReport::summary() const {
    for (const auto& c : checks) {
        if (!c.passed) return "check_layer " + layer + ": FAILED: " + c.what + ": " + c.detail;
    }
    if (checks.empty()) return "check_layer " + layer + ": FAILED: nothing was checked";
    return "check_layer " + layer + ": PASSED (" + std::to_string(checks.size()) + " checks)";
}

std::string LayerCheckReport::table() const {
    std::ostringstream s;
    for (const auto& c : checks) s << (c.passed ? "  ok    " : "  FAIL  ") << c.what << ": " << c.detail << "\n";
    s << summary() << "\n";
    return s.str();
}

}  // namespace vecnn
