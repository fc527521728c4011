#include "nn/model_spec.hpp"

#include <cctype>
#include <stdexcept>
#include <vector>

#include "nn/activations.hpp"
#include "nn/linear.hpp"

namespace vecnn {
namespace {

struct Token {
    std::string kind;  // "linear", "relu", ...
    std::size_t in = 0, out = 0;
    std::string text;
};

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

std::size_t parse_size(const std::string& spec, std::size_t index, const std::string& text, const std::string& v) {
    if (v.empty() || v.size() > 9) fail(spec, index, text, "sizes must be positive integers below 10^9");
    for (char c : v) {
        if (!std::isdigit(static_cast<unsigned char>(c))) fail(spec, index, text, "'" + v + "' is not a positive integer");
    }
    const std::size_t n = std::stoul(v);
    if (n == 0) fail(spec, index, text, "sizes must be positive");
    return n;
}

std::vector<Token> parse(const std::string& spec) {
    const std::string s = strip(spec);
    if (s.empty()) throw std::invalid_argument("model spec is empty (expected e.g. 'linear(784,256),relu,linear(256,10)')");
    std::vector<Token> tokens;
    std::size_t pos = 0;
    while (pos <= s.size()) {
        // a comma inside "linear(a,b)" does not end the token
        std::size_t end = pos;
        int depth = 0;
        while (end < s.size() && (s[end] != ',' || depth > 0)) {
            if (s[end] == '(') ++depth;
            if (s[end] == ')') --depth;
            ++end;
        }
        const std::string text = s.substr(pos, end - pos);
        const std::size_t index = tokens.size();
        Token t;
        t.text = text;
        if (text == "relu" || text == "sigmoid" || text == "tanh" || text == "softmax") {
            t.kind = text;
        } else if (text.rfind("linear(", 0) == 0 && text.back() == ')') {
            const std::string args = text.substr(7, text.size() - 8);
            const auto comma = args.find(',');
            if (comma == std::string::npos || args.find(',', comma + 1) != std::string::npos) {
                fail(spec, index, text, "expected linear(in,out)");
            }
            t.kind = "linear";
            t.in = parse_size(spec, index, text, args.substr(0, comma));
            t.out = parse_size(spec, index, text, args.substr(comma + 1));
        } else {
            fail(spec, index, text, "unknown layer (expected linear(in,out), relu, sigmoid, tanh or softmax)");
        }
        tokens.push_back(t);
        if (end == s.size()) break;
        pos = end + 1;
    }
    // Consecutive Linear layers must chain: activations keep the width.
    std::size_t width = 0;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (tokens[i].kind != "linear") continue;
        if (width != 0 && tokens[i].in != width) {
            fail(spec, i, tokens[i].text,
                 "takes " + std::to_string(tokens[i].in) + " features but the layer before gives " + std::to_string(width));
        }
        width = tokens[i].out;
    }
    return tokens;
}

}  // namespace

template <class T>
std::unique_ptr<Sequential<T>> build_model(const std::string& spec, std::uint64_t seed) {
    const auto tokens = parse(spec);
    Rng rng(seed);
    std::vector<LayerPtr<T>> layers;
    for (const auto& t : tokens) {
        if (t.kind == "linear") layers.push_back(std::make_unique<Linear<T>>(t.in, t.out, rng));
        else if (t.kind == "relu") layers.push_back(std::make_unique<ReLU<T>>());
        else if (t.kind == "sigmoid") layers.push_back(std::make_unique<Sigmoid<T>>());
        else if (t.kind == "tanh") layers.push_back(std::make_unique<Tanh<T>>());
        else layers.push_back(std::make_unique<Softmax<T>>());
    }
    return std::make_unique<Sequential<T>>(std::move(layers));
}

SpecFeatures spec_features(const std::string& spec) {
    const auto tokens = parse(spec);
    SpecFeatures f{0, 0};
    for (const auto& t : tokens) {
        if (t.kind != "linear") continue;
        if (f.inputs == 0) f.inputs = t.in;
        f.outputs = t.out;
    }
    if (f.inputs == 0) throw std::invalid_argument("model spec '" + spec + "' has no linear layer");
    return f;
}

template std::unique_ptr<Sequential<float>> build_model<float>(const std::string&, std::uint64_t);
template std::unique_ptr<Sequential<double>> build_model<double>(const std::string&, std::uint64_t);

}  // namespace vecnn
