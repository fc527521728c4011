#include "vecnn/nn/model_summary.hpp"

#include <cstdio>
#include <stdexcept>

namespace vecnn {

namespace {
// 1234567 -> "1,234,567"
std::string grouped(double value) {
    char digits[64];
    std::snprintf(digits, sizeof digits, "%.0f", value);
    std::string s = digits, out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i > 0 && (s.size() - i) % 3 == 0) out += ',';
        out += s[i];
    }
    return out;
}

std::string bytes(double n) {
    const char* units[] = {"B", "KiB", "MiB", "GiB"};
    std::size_t u = 0;
    while (n >= 1024 && u + 1 < std::size(units)) {
        n /= 1024;
        ++u;
    }
    char text[32];
    std::snprintf(text, sizeof text, u == 0 ? "%.0f %s" : "%.1f %s", n, units[u]);
    return text;
}
// (8, 14, 14) -> "8x14x14", (10,) -> "10"
std::string shape_text(const SampleShape& shape) {
    std::string s;
    for (std::size_t d : shape) s += (s.empty() ? "" : "x") + std::to_string(d);
    return s;
}
}  // namespace

std::string ModelSummary::table() const {
    std::string out;
    char line[256];
    std::snprintf(line, sizeof line, "%-4s %-28s %10s %12s %14s %14s\n", "#", "layer", "output", "parameters",
                  "FLOPs/sample", "activations");
    out += line;
    std::snprintf(line, sizeof line, "%-4s %-28s %10s %12s %14s %14s\n", "", "input", shape_text(input_shape).c_str(),
                  "", "", "");
    out += line;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const LayerSummary& l = layers[i];
        std::snprintf(line, sizeof line, "%-4zu %-28s %10s %12s %14s %14s\n", i, l.layer.c_str(),
                      shape_text(l.output_shape).c_str(),
                      grouped(static_cast<double>(l.parameters)).c_str(), grouped(l.flops_per_sample).c_str(),
                      bytes(static_cast<double>(l.activation_bytes_per_sample)).c_str());
        out += line;
    }
    std::snprintf(line, sizeof line, "%-4s %-28s %10s %12s %14s %14s\n", "", "total", "",
                  grouped(static_cast<double>(parameters)).c_str(), grouped(flops_per_sample).c_str(),
                  bytes(static_cast<double>(activation_bytes_per_sample)).c_str());
    out += line;
    out += "parameters: " + bytes(static_cast<double>(parameter_bytes)) + "; a training step costs about 3x the " +
           "forward FLOPs per sample (forward, input and weight gradients)\n";
    return out;
}

template <class T>
ModelSummary summarize(const Sequential<T>& model, std::size_t input_features) {
    ModelSummary s;
    if (input_features == 0) {
        if (model.size() == 0 || model.layer(0).input_features() == 0) {
            throw std::invalid_argument("summary: the first layer (" +
                                        (model.size() ? model.layer(0).describe() : std::string("none")) +
                                        ") takes any width: give the input width (vecnn summary --input-shape)");
        }
        input_features = model.layer(0).input_features();
    }
    s.input_features = input_features;
    // The model's own sample shape when the width is its own (images keep (C, H, W)), else flat rows.
    const SampleShape own = model.input_shape();
    s.input_shape = sample_size(own) == input_features ? own : SampleShape{input_features};
    SampleShape shape = s.input_shape;
    std::size_t width = input_features;
    for (std::size_t i = 0; i < model.size(); ++i) {
        const Layer<T>& layer = model.layer(i);
        LayerSummary l;
        l.layer = layer.describe();
        l.output_features = layer.output_features(width);  // throws naming the widths when they do not fit
        shape = layer.output_shape(shape);
        l.output_shape = shape;
        l.parameters = layer.parameter_count();
        l.flops_per_sample = layer.forward_flops(width);
        l.activation_bytes_per_sample = l.output_features * sizeof(T);
        s.parameters += l.parameters;
        s.flops_per_sample += l.flops_per_sample;
        s.activation_bytes_per_sample += l.activation_bytes_per_sample;
        s.layers.push_back(l);
        width = l.output_features;
    }
    s.parameter_bytes = s.parameters * sizeof(T);
    return s;
}

template ModelSummary summarize<float>(const Sequential<float>&, std::size_t);
template ModelSummary summarize<double>(const Sequential<double>&, std::size_t);

}  // namespace vecnn
