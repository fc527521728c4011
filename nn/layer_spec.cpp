#include "vecnn/nn/layer_spec.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace vecnn {
namespace {

bool is_name(const std::string& s) {
    if (s.empty() || !std::islower(static_cast<unsigned char>(s[0]))) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
    });
}

std::vector<std::string> split_arguments(const std::string& args) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (true) {
        const std::size_t comma = args.find(',', pos);
        out.push_back(args.substr(pos, comma - pos));
        if (comma == std::string::npos) return out;
        pos = comma + 1;
    }
}

std::size_t parse_size(const std::string& v, const std::string& what, bool zero_allowed = false) {
    const char* kind = zero_allowed ? "non-negative integer" : "positive integer";
    if (v.empty() || v.size() > 9) throw std::invalid_argument(what + ": expected a " + kind + " below 10^9, got '" + v + "'");
    for (char c : v) {
        if (!std::isdigit(static_cast<unsigned char>(c))) {
            throw std::invalid_argument(what + ": '" + v + "' is not a " + kind);
        }
    }
    const std::size_t n = std::stoul(v);
    if (n == 0 && !zero_allowed) throw std::invalid_argument(what + ": sizes must be positive, got 0");
    return n;
}

double parse_number(const std::string& v, const std::string& what) {
    double x = 0;
    const auto r = std::from_chars(v.data(), v.data() + v.size(), x);
    if (v.empty() || r.ec != std::errc() || r.ptr != v.data() + v.size()) {
        throw std::invalid_argument(what + ": '" + v + "' is not a number");
    }
    if (!std::isfinite(x)) throw std::invalid_argument(what + ": '" + v + "' is not finite");
    return x;
}

}  // namespace

LayerSpec::LayerSpec(std::string text, std::size_t position, Rng& rng)
    : LayerSpec(std::move(text), position, rng, {}) {}

LayerSpec::LayerSpec(std::string text, std::size_t position, Rng& rng, std::vector<std::size_t> input_shape)
    : text_(std::move(text)), position_(position), rng_(&rng), input_shape_(std::move(input_shape)) {
    if (text_.empty()) throw std::invalid_argument("empty layer (a comma too many?)");
    const std::size_t open = text_.find('(');
    name_ = text_.substr(0, open);
    if (open == std::string::npos) {
        if (text_.find(')') != std::string::npos) throw std::invalid_argument("')' without '('");
    } else {
        if (text_.back() != ')' || text_.find_first_of("()", open + 1) != text_.size() - 1) {
            throw std::invalid_argument("expected name(arguments) with one pair of parentheses");
        }
        const std::string inner = text_.substr(open + 1, text_.size() - open - 2);
        if (!inner.empty()) {
            for (const std::string& a : split_arguments(inner)) {
                const std::size_t eq = a.find('=');
                if (eq == std::string::npos) {
                    if (!named_.empty()) throw std::invalid_argument("positional argument '" + a + "' after a named one");
                    positional_.push_back(a);
                } else {
                    const std::string key = a.substr(0, eq);
                    if (!is_name(key)) throw std::invalid_argument("'" + key + "' is not an argument name");
                    if (has(key)) throw std::invalid_argument("argument '" + key + "' given twice");
                    named_.emplace_back(key, a.substr(eq + 1));
                }
            }
        }
    }
    if (!is_name(name_)) {
        throw std::invalid_argument("'" + name_ + "' is not a layer name (lowercase letters, digits and '_')");
    }
    positional_read_.assign(positional_.size(), false);
    named_read_.assign(named_.size(), false);
}

std::size_t LayerSpec::size(std::size_t i, const char* what) const {
    if (i >= positional_.size()) throw std::invalid_argument(std::string("missing argument ") + what);
    positional_read_[i] = true;
    return parse_size(positional_[i], what);
}

double LayerSpec::number(std::size_t i, const char* what) const {
    if (i >= positional_.size()) throw std::invalid_argument(std::string("missing argument ") + what);
    positional_read_[i] = true;
    return parse_number(positional_[i], what);
}

bool LayerSpec::has(const std::string& key) const {
    return std::any_of(named_.begin(), named_.end(), [&](const auto& kv) { return kv.first == key; });
}

const std::string& LayerSpec::named_value(const std::string& key) const {
    for (std::size_t i = 0; i < named_.size(); ++i) {
        if (named_[i].first != key) continue;
        named_read_[i] = true;
        return named_[i].second;
    }
    throw std::logic_error("LayerSpec: no argument '" + key + "'");
}

std::size_t LayerSpec::size(const std::string& key, std::size_t fallback) const {
    return has(key) ? parse_size(named_value(key), key) : fallback;
}

double LayerSpec::number(const std::string& key, double fallback) const {
    return has(key) ? parse_number(named_value(key), key) : fallback;
}

std::size_t LayerSpec::count(std::size_t i, std::initializer_list<const char*> keys, std::size_t fallback) const {
    const char* given = nullptr;
    for (const char* key : keys) {
        if (!has(key)) continue;
        if (given) throw std::invalid_argument(std::string("give '") + given + "' or '" + key + "', not both");
        given = key;
    }
    const std::string what = *keys.begin();
    if (i < positional_.size()) {
        if (given) throw std::invalid_argument(what + " given twice (argument " + std::to_string(i + 1) + " and '" + given + "')");
        positional_read_[i] = true;
        return parse_size(positional_[i], what, true);
    }
    return given ? parse_size(named_value(given), what, true) : fallback;
}

void LayerSpec::expect(std::size_t min_positional, std::size_t max_positional,
                       std::initializer_list<const char*> keys) const {
    const std::size_t n = positional_.size();
    if (n < min_positional || n > max_positional) {
        std::string want = min_positional == max_positional
                               ? std::to_string(min_positional)
                               : std::to_string(min_positional) + " to " + std::to_string(max_positional);
        throw std::invalid_argument("takes " + want + " argument" + (max_positional == 1 ? "" : "s") + ", got " +
                                    std::to_string(n));
    }
    for (const auto& kv : named_) {
        if (std::none_of(keys.begin(), keys.end(), [&](const char* k) { return kv.first == k; })) {
            throw std::invalid_argument("unknown argument '" + kv.first + "'");
        }
    }
}

void LayerSpec::require_all_read() const {
    std::size_t read = 0;
    for (bool r : positional_read_) read += r ? 1 : 0;
    if (read < positional_.size()) {
        throw std::invalid_argument(positional_.size() == 1 ? "1 argument given, " + std::to_string(read) + " used"
                                                            : std::to_string(positional_.size()) + " arguments given, " +
                                                                  std::to_string(read) + " used");
    }
    for (std::size_t i = 0; i < named_.size(); ++i) {
        if (!named_read_[i]) throw std::invalid_argument("unknown argument '" + named_[i].first + "'");
    }
}

std::string format_number(double value) {
    char text[32];
    const auto result = std::to_chars(text, text + sizeof text, value);
    return std::string(text, result.ptr);
}

}  // namespace vecnn
