#include "vecnn/nn/gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iomanip>
#include <sstream>

#include "vecnn/nn/sequential.hpp"
#include "vecnn/tensor/random.hpp"

namespace vecnn {
namespace {

// One tensor to perturb: its values (perturbed in place and restored) and the
// analytic gradient captured before any perturbation.
struct Probe {
    std::string name;
    double* values;
    std::size_t size;
    std::vector<double> analytic;
    std::string layer;  // "layer 2 'linear(8,3)'" for a parameter of a Sequential's layer
};

GradCheckReport compare(std::vector<Probe>& probes, const std::function<double()>& objective,
                        const GradCheckOptions& opt) {
    GradCheckReport report;
    double worst_ratio = -1;
    for (auto& probe : probes) {
        TensorCheck tc;
        tc.name = probe.name;
        tc.elements = probe.size;
        tc.all_zero = std::all_of(probe.analytic.begin(), probe.analytic.end(), [](double v) { return v == 0.0; });
        for (std::size_t i = 0; i < probe.size; ++i) {
            const double saved = probe.values[i];
            probe.values[i] = saved + opt.eps;
            const double plus = objective();
            probe.values[i] = saved - opt.eps;
            const double minus = objective();
            probe.values[i] = saved;
            const double numeric = (plus - minus) / (2 * opt.eps);
            const double analytic = probe.analytic[i];
            const double err = std::abs(analytic - numeric);
            const double allowed = opt.atol + opt.rtol * std::abs(numeric);
            // NaN on either side must fail, so compare with !(err <= allowed).
            const bool bad = !(err <= allowed);
            tc.max_abs_error = std::max(tc.max_abs_error, err);
            tc.max_rel_error = std::max(tc.max_rel_error, err / std::max(std::abs(numeric), 1e-300));
            if (bad) ++tc.failures;
            const double ratio = std::isnan(err) ? INFINITY : err / allowed;
            if (ratio > worst_ratio) {
                worst_ratio = ratio;
                report.worst_tensor = probe.name;
                report.worst_index = i;
                report.worst_analytic = analytic;
                report.worst_numeric = numeric;
                report.worst_layer = probe.layer;
            }
        }
        report.tensors.push_back(tc);
    }
    std::size_t failures = 0;
    std::string zero;
    for (const auto& t : report.tensors) {
        failures += t.failures;
        if (t.all_zero && t.elements > 0 && zero.empty()) zero = t.name;
    }
    if (probes.empty()) {
        report.reason = "nothing to check: no parameters and no input";
    } else if (failures > 0) {
        std::ostringstream s;
        s << failures << " element(s) outside atol " << opt.atol << " + rtol " << opt.rtol << " * |numeric|";
        report.reason = s.str();
    } else if (!zero.empty() && !opt.allow_zero_gradient) {
        report.reason = "the analytic gradient of '" + zero + "' is all zero: the check would prove nothing";
    }
    report.passed = report.reason.empty();
    return report;
}

// "layer 2 'linear(8,3)'" for parameter "2.weight" of a Sequential; empty otherwise.
std::string layer_of(const Layer<double>& layer, const std::string& parameter) {
    const auto* model = dynamic_cast<const Sequential<double>*>(&layer);
    const std::size_t dot = parameter.find('.');
    if (model == nullptr || dot == std::string::npos) return "";
    const std::size_t index = std::stoul(parameter.substr(0, dot));
    return "layer " + std::to_string(index) + " '" + model->layer(index).describe() + "'";
}

void add_parameter_probes(Layer<double>& layer, std::vector<Probe>& probes) {
    const auto& params = layer.parameters();
    for (std::size_t p = 0; p < params.size(); ++p) {
        const auto& info = params[p];
        const double* g = layer.gradient_data() + info.offset;
        probes.push_back(Probe{info.name, layer.parameter_data() + info.offset, info.size(),
                               std::vector<double>(g, g + info.size()), layer_of(layer, info.name)});
    }
}

std::string worst_element(const GradCheckReport& r) {
    std::ostringstream s;
    s << r.worst_tensor << "[" << r.worst_index << "] analytic " << std::setprecision(10) << r.worst_analytic
      << " numeric " << r.worst_numeric;
    return s.str();
}

// After a failed check of `layer`: if it is a Sequential, checks each of its
// layers on the input it sees in the model, and names the first that fails.
// Returns true when one did.
bool find_failing_layer(Layer<double>& layer, const Matrix<double>& input, const GradCheckOptions& options,
                        GradCheckReport& report) {
    auto* model = dynamic_cast<Sequential<double>*>(&layer);
    if (model == nullptr) return false;
    GradCheckOptions each = options;
    each.check_input = true;
    each.allow_zero_gradient = true;  // one layer alone may pass a zero gradient (a ReLU of negative inputs)
    Matrix<double> x = input;
    for (std::size_t i = 0; i < model->size(); ++i) {
        Layer<double>& l = model->layer(i);
        const GradCheckReport r = check_gradients(l, x, each);
        if (!r.passed) {
            report.failing_layer = "layer " + std::to_string(i) + " '" + l.describe() + "'";
            report.failing_layer_detail = r.reason + "; worst element " + worst_element(r);
            return true;
        }
        x = l.forward(x);
    }
    return false;
}

void require_same_engine(const Layer<double>& model, const Loss<double>& loss) {
    if (model.engine() != loss.engine()) {
        throw std::invalid_argument(std::string("check_gradients: the model runs the ") + to_string(model.engine()) +
                                    " engine but the loss the " + to_string(loss.engine()) +
                                    " engine; set both to the same one");
    }
}

Matrix<double> random_like(std::size_t rows, std::size_t cols, std::uint64_t seed) {
    Rng rng(seed);
    Matrix<double> m = Matrix<double>::from_shape({rows, cols});
    for (auto& v : m) v = rng.uniform(-1.0, 1.0);
    return m;
}

double dot(const Matrix<double>& a, const Matrix<double>& b) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += a.data()[i] * b.data()[i];
    return s;
}

}  // namespace

GradCheckReport check_gradients(Layer<double>& layer, const Matrix<double>& input, const GradCheckOptions& options) {
    Matrix<double> x = input;  // perturbed in place
    const Matrix<double>& y0 = layer.forward(x);
    const Matrix<double> upstream = random_like(y0.shape()[0], y0.shape()[1], options.seed);
    layer.zero_grad();
    const Matrix<double>& dx = layer.backward(upstream, options.check_input);

    std::vector<Probe> probes;
    if (options.check_input) probes.push_back(Probe{"input", x.data(), x.size(), std::vector<double>(dx.begin(), dx.end()), ""});
    add_parameter_probes(layer, probes);
    GradCheckReport report = compare(probes, [&] { return dot(layer.forward(x), upstream); }, options);
    if (!report.passed) find_failing_layer(layer, input, options, report);
    return report;
}

GradCheckReport check_gradients(Loss<double>& loss, const Matrix<double>& predictions, const Targets<double>& targets,
                                const GradCheckOptions& options) {
    Matrix<double> p = predictions;
    loss.forward(p, targets);
    const Matrix<double>& dp = loss.backward();
    std::vector<Probe> probes{Probe{"input", p.data(), p.size(), std::vector<double>(dp.begin(), dp.end()), ""}};
    return compare(probes, [&] { return loss.forward(p, targets); }, options);
}

GradCheckReport check_gradients(Layer<double>& model, Loss<double>& loss, const Matrix<double>& input,
                                const Targets<double>& targets, const GradCheckOptions& options) {
    require_same_engine(model, loss);
    Matrix<double> x = input;
    loss.forward(model.forward(x), targets);
    model.zero_grad();
    const Matrix<double>& dx = model.backward(loss.backward(), options.check_input);

    std::vector<Probe> probes;
    if (options.check_input) probes.push_back(Probe{"input", x.data(), x.size(), std::vector<double>(dx.begin(), dx.end()), ""});
    add_parameter_probes(model, probes);
    GradCheckReport report = compare(probes, [&] { return loss.forward(model.forward(x), targets); }, options);
    if (!report.passed && !find_failing_layer(model, input, options, report)) {
        const Matrix<double> predictions = model.forward(input);
        const GradCheckReport r = check_gradients(loss, predictions, targets, options);
        if (!r.passed) {
            report.failing_layer = "loss '" + loss.describe() + "'";
            report.failing_layer_detail = r.reason + "; worst element " + worst_element(r);
        }
    }
    return report;
}

std::string GradCheckReport::summary() const {
    std::ostringstream s;
    s << (passed ? "PASSED" : "FAILED");
    if (!passed) s << ": " << reason;
    if (!failing_layer.empty()) s << "; first failing " << failing_layer << ": " << failing_layer_detail;
    s << "; worst element " << worst_element(*this);
    if (!worst_layer.empty()) s << " (" << worst_layer << ")";
    return s.str();
}

std::string GradCheckReport::table() const {
    std::ostringstream s;
    s << std::left << std::setw(16) << "tensor" << std::right << std::setw(10) << "elements" << std::setw(16)
      << "max abs err" << std::setw(16) << "max rel err" << std::setw(10) << "failures" << "\n";
    for (const auto& t : tensors) {
        s << std::left << std::setw(16) << t.name << std::right << std::setw(10) << t.elements << std::setw(16)
          << std::setprecision(3) << std::scientific << t.max_abs_error << std::setw(16) << t.max_rel_error
          << std::defaultfloat << std::setw(10) << t.failures << (t.all_zero ? "  (all-zero gradient)" : "") << "\n";
    }
    s << summary() << "\n";
    return s.str();
}

}  // namespace vecnn
