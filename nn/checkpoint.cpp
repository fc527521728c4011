#include "vecnn/nn/checkpoint.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <vector>

#include "vecnn/nn/finite_check.hpp"
#include "vecnn/nn/layer.hpp"

namespace vecnn {
namespace {

template <class T>
FloatType own_type() {
    return sizeof(T) == sizeof(float) ? FloatType::float32 : FloatType::float64;
}

template <class T>
NamedArrays arrays_of(const Layer<T>& model, const T* block, FloatType type) {
    NamedArrays arrays;
    arrays.reserve(model.parameters().size());
    for (const ParameterInfo& p : model.parameters()) {
        try {
            arrays.emplace_back(p.name, make_npy(block + p.offset, p.dims, dtype_of(type)));
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument("parameter '" + p.name + "': " + e.what());
        }
    }
    return arrays;
}

std::string describe_array(const NpyArray& a) { return shape_string(a.shape) + " " + dtype_name(a.dtype); }

}  // namespace

std::string dtype_of(FloatType type) { return type == FloatType::float32 ? "<f4" : "<f8"; }

template <class T>
NamedArrays parameter_arrays(const Layer<T>& model, FloatType type) {
    return arrays_of(model, model.parameter_data(), type);
}

template <class T>
NamedArrays gradient_arrays(const Layer<T>& model, FloatType type) {
    return arrays_of(model, model.gradient_data(), type);
}

template <class T>
void save_parameters(const Layer<T>& model, const std::string& path, FloatType type) {
    const std::string bad = non_finite_parameter(model);
    if (!bad.empty()) throw std::runtime_error("cannot save '" + path + "': " + bad + " (nothing non-finite is saved)");
    NamedArrays arrays;
    try {
        arrays = parameter_arrays(model, type);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("cannot save '" + path + "': " + e.what());
    }
    write_npz(path, arrays);
}

template <class T>
void save_parameters(const Layer<T>& model, const std::string& path) {
    save_parameters(model, path, own_type<T>());
}

template <class T>
void assign_parameters(Layer<T>& model, const NamedArrays& arrays, const std::string& source) {
    // Check everything before touching the model, and report every mismatch
    // at once: fixing a conversion script one key per run is tedious.
    std::vector<std::string> problems;
    std::set<std::string> model_keys;
    for (const ParameterInfo& p : model.parameters()) {
        model_keys.insert(p.name);
        const NpyArray* a = find_array(arrays, p.name);
        const std::string expected = "shape " + shape_string(p.dims) + " float32 or float64";
        if (!a) {
            problems.push_back("missing key '" + p.name + "': expected " + expected + ", found no such array");
            continue;
        }
        if (!is_float_dtype(a->dtype)) {
            problems.push_back("key '" + p.name + "': expected dtype float32 or float64, found " + dtype_name(a->dtype) +
                               " ('" + a->dtype + "')");
        }
        if (a->shape != p.dims) {
            problems.push_back("key '" + p.name + "': expected shape " + shape_string(p.dims) + ", found " +
                               shape_string(a->shape));
        }
    }
    for (const auto& [key, a] : arrays) {
        if (!model_keys.count(key)) {
            problems.push_back("unexpected key '" + key + "': found " + describe_array(a) +
                               ", the model has no such parameter");
        }
    }
    if (!problems.empty()) {
        std::string msg = source + ": checkpoint does not match the model " + model.describe() + ": ";
        for (std::size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
        throw std::runtime_error(msg);
    }

    // Convert into a staging copy: a value that does not fit T (float64 beyond
    // float32's range) must not leave the model half loaded.
    std::vector<T> staged(model.parameter_count());
    for (const ParameterInfo& p : model.parameters()) {
        const NpyArray& a = *find_array(arrays, p.name);
        try {
            copy_elements(a, staged.data() + p.offset);
        } catch (const std::runtime_error& e) {
            // Arrays read from a file already name it and the member; in-memory ones do not.
            if (!a.source.empty()) throw;
            throw std::runtime_error(source + ": key '" + p.name + "'" + e.what());
        }
        const std::string bad = non_finite_value(staged.data() + p.offset, p.size(), p.name, p.dims.size() == 2 ? p.dims[1] : 0);
        if (!bad.empty()) throw std::runtime_error(source + ": " + bad + " (non-finite parameters are refused)");
    }
    std::copy(staged.begin(), staged.end(), model.parameter_data());
}

template <class T>
void load_parameters(Layer<T>& model, const std::string& path) {
    assign_parameters(model, read_npz(path), path);
}

void save_arrays(const std::string& path, const NamedArrays& arrays) { write_npz(path, arrays); }

NamedArrays load_arrays(const std::string& path) { return read_npz(path); }

#define VECNN_CHECKPOINT_INSTANTIATE(T)                                                   \
    template NamedArrays parameter_arrays<T>(const Layer<T>&, FloatType);                 \
    template NamedArrays gradient_arrays<T>(const Layer<T>&, FloatType);                  \
    template void save_parameters<T>(const Layer<T>&, const std::string&, FloatType);     \
    template void save_parameters<T>(const Layer<T>&, const std::string&);                \
    template void assign_parameters<T>(Layer<T>&, const NamedArrays&, const std::string&); \
    template void load_parameters<T>(Layer<T>&, const std::string&);
VECNN_CHECKPOINT_INSTANTIATE(float)
VECNN_CHECKPOINT_INSTANTIATE(double)
#undef VECNN_CHECKPOINT_INSTANTIATE

}  // namespace vecnn
