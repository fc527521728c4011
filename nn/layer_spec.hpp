// LayerSpec: one layer token of a model spec, parsed, as a layer's factory
// sees it (layer_registry.hpp). A token is a name, optionally followed by
// arguments in parentheses, positional first, then key=value:
//   relu    linear(784,256)    swish(1.5)    conv2d(1,8,3,padding=1)
// Names are lowercase letters, digits and '_', starting with a letter.
// The accessors check what they return and throw std::invalid_argument with
// a short reason ("'a' is not a positive integer"); build_model adds the
// spec, the token and its position to the message. An argument the layer's
// factory never reads is an error too ("relu(3)", "linear(3,4,5)"), so a
// factory needs no count check of its own.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace vecnn {

class Rng;

class LayerSpec {
public:
    // Parses `text` (whitespace already removed). `rng` is the model's
    // initialisation stream, which the layers of one model draw from in order.
    LayerSpec(std::string text, std::size_t position, Rng& rng);
    // The same, for a layer whose input samples have `input_shape` (what the
    // layers before give, or the model's input shape; empty when unknown).
    LayerSpec(std::string text, std::size_t position, Rng& rng, std::vector<std::size_t> input_shape);

    const std::string& name() const { return name_; }  // "linear"
    const std::string& text() const { return text_; }  // "linear(784,256)"
    std::size_t position() const { return position_; }  // index in the model
    Rng& rng() const { return *rng_; }
    // The shape of the samples this layer receives, e.g. {1, 28, 28}; empty when not known.
    const std::vector<std::size_t>& input_shape() const { return input_shape_; }

    std::size_t argument_count() const { return positional_.size(); }  // positional ones
    // Positional argument i as a size: a positive integer below 10^9.
    std::size_t size(std::size_t i, const char* what) const;
    // Positional argument i as a finite number.
    double number(std::size_t i, const char* what) const;
    // Named argument `key` (written key=value), or `fallback` when absent.
    bool has(const std::string& key) const;
    std::size_t size(const std::string& key, std::size_t fallback) const;
    double number(const std::string& key, double fallback) const;
    // A whole number that may be 0 (a padding): positional argument i when
    // given, else the first of `keys` present (e.g. {"padding", "p"}; giving two is an error), else `fallback`.
    std::size_t count(std::size_t i, std::initializer_list<const char*> keys, std::size_t fallback) const;

    // Throws unless there are between min_positional and max_positional
    // positional arguments and no named ones other than `keys`.
    void expect(std::size_t min_positional, std::size_t max_positional,
                std::initializer_list<const char*> keys = {}) const;
    // Throws if an argument was never read (make_layer calls it after the factory).
    void require_all_read() const;

private:
    const std::string& named_value(const std::string& key) const;

    std::string text_, name_;
    std::size_t position_;
    Rng* rng_;
    std::vector<std::string> positional_;
    std::vector<std::pair<std::string, std::string>> named_;
    std::vector<std::size_t> input_shape_;
    mutable std::vector<bool> positional_read_;
    mutable std::vector<bool> named_read_;
};

// Shortest text that reads back as the same double ("0.1", "1.5", "1e-08"):
// how a layer writes its numeric arguments in describe().
std::string format_number(double value);

}  // namespace vecnn
