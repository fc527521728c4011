#include "vecnn/nn/model_spec.hpp"

#include <cctype>
#include <stdexcept>

#include "vecnn/nn/layer_registry.hpp"
#include "vecnn/tensor/random.hpp"

namespace vecnn {
namespace {

[[noreturn]] void fail(const std::string& spec, std::size_t index, const std::string& text, const std::string& why) {
    throw std::invalid_argument("model spec '" + spec + "': layer " + std::to_string(index) + " '" + text + "': " +
                                why);
}

std::string strip(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (!std::isspace(static_cast<unsigned char>(c))) out += c;
    }
    return out;
}

// "784-256-10": sizes joined by '-', at least two.
bool is_short_form(const std::string& s) {
    return s.find('-') != std::string::npos && s.find_first_not_of("0123456789-") == std::string::npos;
}

std::vector<std::string> expand_short_form(const std::string& spec, const std::string& s) {
    std::vector<std::string> sizes;
    std::size_t pos = 0;
    while (true) {
        const std::size_t dash = s.find('-', pos);
        sizes.push_back(s.substr(pos, dash - pos));
        if (dash == std::string::npos) break;
        pos = dash + 1;
    }
    for (const auto& n : sizes) {
        if (n.empty()) {
            throw std::invalid_argument("model spec '" + spec + "': an empty size in the short form (e.g. 784-256-10)");
        }
    }
    std::vector<std::string> tokens;
    for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
        if (i) tokens.push_back("relu");
        tokens.push_back("linear(" + sizes[i] + "," + sizes[i + 1] + ")");
    }
    return tokens;
}

}  // namespace

std::vector<std::string> model_spec_tokens(const std::string& spec) {
    const std::string s = strip(spec);
    if (s.empty()) throw std::invalid_argument("model spec is empty (expected e.g. 'linear(784,256),relu,linear(256,10)')");
    if (is_short_form(s)) return expand_short_form(spec, s);
    std::vector<std::string> tokens;
    std::size_t pos = 0;
    while (true) {
        // a comma inside "linear(a,b)" does not end the token
        std::size_t end = pos;
        int depth = 0;
        while (end < s.size() && (s[end] != ',' || depth > 0)) {
            if (s[end] == '(') ++depth;
            if (s[end] == ')') --depth;
            ++end;
        }
        tokens.push_back(s.substr(pos, end - pos));
        if (end == s.size()) return tokens;
        pos = end + 1;
    }
}

template <class T>
std::unique_ptr<Sequential<T>> build_model(const std::string& spec, std::uint64_t seed, const SampleShape& input_shape) {
    const std::vector<std::string> tokens = model_spec_tokens(spec);
    if (!input_shape.empty() && sample_size(input_shape) == 0) {
        throw std::invalid_argument("model spec '" + spec + "': input shape " + shape_string(input_shape) +
                                    " has a zero dimension");
    }
    Rng rng(seed);
    std::vector<LayerPtr<T>> layers;
    SampleShape shape = input_shape;  // of the samples after the layers so far; empty while no layer fixed it
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        LayerPtr<T> layer;
        try {
            layer = make_layer<T>(LayerSpec(tokens[i], i, rng, shape));
        } catch (const std::invalid_argument& e) {
            fail(spec, i, tokens[i], e.what());
        } catch (const std::length_error& e) {  // too large for the parameter memory limit
            throw std::length_error("model spec '" + spec + "': layer " + std::to_string(i) + " '" + tokens[i] +
                                    "': " + e.what());
        }
        // Layers must chain: each takes the width the one before gives.
        const std::size_t takes = layer->input_features(), width = sample_size(shape);
        if (width != 0 && takes != 0 && takes != width) {
            fail(spec, i, tokens[i],
                 "takes " + std::to_string(takes) + " features but " +
                     (i == 0 ? "the input shape " + shape_string(shape) + " has " : "the layer before gives ") +
                     std::to_string(width));
        }
        if (shape.empty()) shape = layer->input_shape();
        if (!shape.empty()) {
            try {
                shape = layer->output_shape(shape);
            } catch (const std::invalid_argument& e) {
                fail(spec, i, tokens[i], e.what());
            }
        }
        layers.push_back(std::move(layer));
    }
    return std::make_unique<Sequential<T>>(std::move(layers));
}

template <class T>
std::unique_ptr<Sequential<T>> build_model(const std::string& spec, std::uint64_t seed) {
    return build_model<T>(spec, seed, SampleShape{});
}

template <class T>
SpecFeatures model_features(const Layer<T>& model) {
    const std::size_t inputs = model.input_features();
    if (inputs == 0) {
        throw std::invalid_argument("model '" + model.describe() +
                                    "' has no linear layer (no layer fixes the input width)");
    }
    return {inputs, model.output_features(inputs)};
}

SpecFeatures spec_features(const std::string& spec, const SampleShape& input_shape) {
    const auto model = build_model<float>(spec, 0, input_shape);
    try {
        return model_features<float>(*model);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("model spec '" + spec + "' has no linear layer (no layer fixes the input width)");
    }
}

template std::unique_ptr<Sequential<float>> build_model<float>(const std::string&, std::uint64_t);
template std::unique_ptr<Sequential<double>> build_model<double>(const std::string&, std::uint64_t);
template std::unique_ptr<Sequential<float>> build_model<float>(const std::string&, std::uint64_t, const SampleShape&);
template std::unique_ptr<Sequential<double>> build_model<double>(const std::string&, std::uint64_t, const SampleShape&);
template SpecFeatures model_features<float>(const Layer<float>&);
template SpecFeatures model_features<double>(const Layer<double>&);

}  // namespace vecnn
