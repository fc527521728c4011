#include "vecnn/nn/layer_registry.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>

#include "vecnn/nn/activations.hpp"
#include "vecnn/nn/conv2d.hpp"
#include "vecnn/nn/dropout.hpp"
#include "vecnn/nn/flatten.hpp"
#include "vecnn/nn/linear.hpp"
#include "vecnn/nn/max_pool2d.hpp"

namespace vecnn {
namespace {

struct Entry {
    std::string name, usage;
    LayerFactory<float> make_float;
    LayerFactory<double> make_double;
};

// An entry from one generic factory, as the register_layer template makes it.
template <class Factory>
Entry entry(const char* name, const char* usage, Factory make) {
    return {name, usage, [make](const LayerSpec& s) -> LayerPtr<float> { return make(s, 0.0f); },
            [make](const LayerSpec& s) -> LayerPtr<double> { return make(s, 0.0); }};
}

// A layer without arguments.
template <template <class> class L>
Entry plain(const char* name) {
    return entry(name, name, [](const LayerSpec&, auto scalar) { return std::make_unique<L<decltype(scalar)>>(); });
}

// The built-in layers, registered through the same kind of factory a user writes.
std::vector<Entry> builtin_layers() {
    auto linear = [](const LayerSpec& spec, auto scalar) {
        const std::size_t in = spec.size(0, "in"), out = spec.size(1, "out");
        return std::make_unique<Linear<decltype(scalar)>>(in, out, spec.rng());
    };
    // Numbers as positional arguments or by PyTorch's keyword (not both).
    auto argument = [](const LayerSpec& spec, std::size_t i, const char* key, double fallback) {
        return spec.argument_count() > i ? spec.number(i, key) : spec.number(key, fallback);
    };
    auto leaky_relu = [argument](const LayerSpec& spec, auto scalar) {
        spec.expect(0, 1, {"slope"});
        return std::make_unique<LeakyReLU<decltype(scalar)>>(argument(spec, 0, "slope", 0.01));
    };
    auto softplus = [argument](const LayerSpec& spec, auto scalar) {
        spec.expect(0, 2, {"beta", "threshold"});
        return std::make_unique<Softplus<decltype(scalar)>>(argument(spec, 0, "beta", 1.0),
                                                            argument(spec, 1, "threshold", 20.0));
    };
    // Images: the sample shape (C, H, W) comes from the layers before or the model's input shape.
    auto conv2d = [](const LayerSpec& spec, auto scalar) {
        spec.expect(3, 5, {"stride", "s", "padding", "p"});
        const std::size_t in = spec.size(0, "in_channels"), out = spec.size(1, "out_channels");
        const std::size_t kernel = spec.size(2, "kernel");
        const std::size_t stride = spec.count(3, {"stride", "s"}, 1), padding = spec.count(4, {"padding", "p"}, 0);
        if (stride == 0) throw std::invalid_argument("stride must be positive");
        const SampleShape& shape = spec.input_shape();
        if (shape.size() == 3 && shape[0] != in) {
            throw std::invalid_argument("takes " + std::to_string(in) + " channels but its input " + shape_string(shape) +
                                        " has " + std::to_string(shape[0]));
        }
        return std::make_unique<Conv2d<decltype(scalar)>>(shape, out, kernel, stride, padding, spec.rng());
    };
    auto maxpool2d = [](const LayerSpec& spec, auto scalar) {
        spec.expect(1, 3, {"stride", "s", "padding", "p"});
        const std::size_t kernel = spec.size(0, "kernel");
        const std::size_t stride = spec.count(1, {"stride", "s"}, kernel), padding = spec.count(2, {"padding", "p"}, 0);
        if (stride == 0) throw std::invalid_argument("stride must be positive");
        return std::make_unique<MaxPool2d<decltype(scalar)>>(spec.input_shape(), kernel, stride, padding);
    };
    auto dropout = [argument](const LayerSpec& spec, auto scalar) {
        spec.expect(0, 1, {"p"});
        // Each dropout layer of a model draws its own mask: its position tells them apart.
        return std::make_unique<Dropout<decltype(scalar)>>(argument(spec, 0, "p", 0.5), spec.position());
    };
    return {entry("linear", "linear(in,out)", linear),
            plain<ReLU>("relu"),
            plain<Sigmoid>("sigmoid"),
            plain<Tanh>("tanh"),
            plain<Softmax>("softmax"),
            plain<LogSoftmax>("log_softmax"),
            entry("leaky_relu", "leaky_relu(slope=0.01)", leaky_relu),
            plain<GELU>("gelu"),
            entry("softplus", "softplus(beta=1,threshold=20)", softplus),
            entry("conv2d", "conv2d(in,out,kernel,stride=1,padding=0)", conv2d),
            entry("maxpool2d", "maxpool2d(kernel,stride=kernel,padding=0)", maxpool2d),
            plain<Flatten>("flatten"),
            entry("dropout", "dropout(p=0.5)", dropout)};
}

struct Registry {
    std::mutex mutex;
    std::vector<Entry> entries = builtin_layers();

    std::vector<Entry>::iterator find(const std::string& name) {
        return std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.name == name; });
    }
};

Registry& registry() {
    static Registry r;
    return r;
}

std::string known_layers(const std::vector<Entry>& entries) {
    std::string s;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        s += i == 0 ? "" : (i + 1 == entries.size() ? " or " : ", ");
        s += entries[i].usage;
    }
    return s;
}

template <class T>
const LayerFactory<T>& factory_of(const Entry& e);
template <>
const LayerFactory<float>& factory_of<float>(const Entry& e) {
    return e.make_float;
}
template <>
const LayerFactory<double>& factory_of<double>(const Entry& e) {
    return e.make_double;
}

}  // namespace

void register_layer(const std::string& name, const std::string& usage, LayerFactory<float> make_float,
                    LayerFactory<double> make_double) {
    const bool valid = !name.empty() && std::islower(static_cast<unsigned char>(name[0])) &&
                       std::all_of(name.begin(), name.end(), [](char c) {
                           return std::islower(static_cast<unsigned char>(c)) ||
                                  std::isdigit(static_cast<unsigned char>(c)) || c == '_';
                       });
    if (!valid) {
        throw std::invalid_argument("register_layer: '" + name +
                                    "' is not a layer name (lowercase letters, digits and '_', starting with a letter)");
    }
    if (!make_float || !make_double) throw std::invalid_argument("register_layer: '" + name + "' needs two factories");
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    if (r.find(name) != r.entries.end()) {
        throw std::invalid_argument("register_layer: a layer named '" + name + "' is already registered");
    }
    r.entries.push_back({name, usage.empty() ? name : usage, std::move(make_float), std::move(make_double)});
}

bool unregister_layer(const std::string& name) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    const auto it = r.find(name);
    if (it == r.entries.end()) return false;
    r.entries.erase(it);
    return true;
}

bool is_layer_registered(const std::string& name) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    return r.find(name) != r.entries.end();
}

std::vector<std::string> registered_layer_usages() {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    std::vector<std::string> usages;
    for (const auto& e : r.entries) usages.push_back(e.usage);
    return usages;
}

template <class T>
LayerPtr<T> make_layer(const LayerSpec& spec) {
    LayerFactory<T> make;
    std::string usage;
    {
        Registry& r = registry();
        std::lock_guard<std::mutex> lock(r.mutex);
        const auto it = r.find(spec.name());
        if (it == r.entries.end()) {
            throw std::invalid_argument("unknown layer (expected " + known_layers(r.entries) + ")");
        }
        make = factory_of<T>(*it);
        usage = it->usage;
    }
    try {
        LayerPtr<T> layer = make(spec);
        if (!layer) throw std::invalid_argument("the factory returned no layer");
        spec.require_all_read();
        return layer;
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string(e.what()) + " (expected " + usage + ")");
    }
}

template LayerPtr<float> make_layer<float>(const LayerSpec&);
template LayerPtr<double> make_layer<double>(const LayerSpec&);

}  // namespace vecnn
