#include "vecnn/nn/checkpoint.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
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

// The parameters as `type`, then `extra`, to `path`.
template <class T>
void write_model(const Layer<T>& model, const std::string& path, FloatType type, const NamedArrays& extra) {
    const std::string bad = non_finite_parameter(model);
    if (!bad.empty()) throw std::runtime_error("cannot save '" + path + "': " + bad + " (nothing non-finite is saved)");
    NamedArrays arrays;
    try {
        arrays = parameter_arrays(model, type);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("cannot save '" + path + "': " + e.what());
    }
    arrays.insert(arrays.end(), extra.begin(), extra.end());
    write_npz(path, arrays);
}

// A metadata key's float64 vector, or an empty one when the key is absent.
std::vector<double> optional_values(const NamedArrays& arrays, const std::string& key, const std::string& source) {
    const NpyArray* a = find_array(arrays, key);
    if (!a) return {};
    if (!is_float_dtype(a->dtype) || a->ndim() != 1 || a->size() == 0) {
        throw std::runtime_error(source + ": key '" + key + "' must be a 1-d float array, found " + describe_array(*a));
    }
    return to_vector<double>(*a);
}

void check_standardization(const ModelMetadata& m, const std::string& source) {
    const std::string mean = kMetadataPrefix + "standardize.mean", std = kMetadataPrefix + "standardize.std";
    if (m.mean.size() != m.std.size()) {
        throw std::runtime_error(source + ": keys '" + mean + "' and '" + std + "' must hold one value per feature each, "
                                 "found " + std::to_string(m.mean.size()) + " and " + std::to_string(m.std.size()));
    }
    for (std::size_t i = 0; i < m.mean.size(); ++i) {
        if (!std::isfinite(m.mean[i]) || !std::isfinite(m.std[i]) || m.std[i] <= 0) {
            throw std::runtime_error(source + ": feature " + std::to_string(i) + " of '" + mean + "' / '" + std +
                                     "': mean " + std::to_string(m.mean[i]) + ", std " + std::to_string(m.std[i]) +
                                     " (a finite mean and a positive finite std are needed)");
        }
    }
}

template <class T>
void save_parameters(const Layer<T>& model, const std::string& path, FloatType type) {
    write_model(model, path, type, {});
}

template <class T>
void save_parameters(const Layer<T>& model, const std::string& path) {
    save_parameters(model, path, own_type<T>());
}

template <class T>
void save_model(const Layer<T>& model, const ModelMetadata& metadata, const std::string& path) {
    write_model(model, path, own_type<T>(), metadata_arrays(metadata));
}

bool is_metadata_key(const std::string& key) { return key.rfind(kMetadataPrefix, 0) == 0; }

NpyArray text_array(const std::string& text) {
    return make_npy(reinterpret_cast<const std::uint8_t*>(text.data()), {text.size()}, "|u1");
}

std::string array_text(const NpyArray& array, const std::string& key) {
    if (array.dtype != "|u1" || array.ndim() != 1) {
        throw std::runtime_error(array.source + ": key '" + key + "' must be text (a 1-d uint8 array), found " +
                                 describe_array(array));
    }
    return std::string(array.bytes.begin(), array.bytes.end());
}

NamedArrays metadata_arrays(const ModelMetadata& m) {
    NamedArrays arrays;
    if (!m.spec.empty()) arrays.emplace_back(kMetadataPrefix + "model", text_array(m.spec));
    if (!m.input_shape.empty()) {
        const std::vector<std::uint64_t> shape(m.input_shape.begin(), m.input_shape.end());
        arrays.emplace_back(kMetadataPrefix + "input_shape", make_npy(shape.data(), {shape.size()}));
    }
    if (!m.mean.empty()) {
        arrays.emplace_back(kMetadataPrefix + "standardize.mean", make_npy(m.mean.data(), {m.mean.size()}));
        arrays.emplace_back(kMetadataPrefix + "standardize.std", make_npy(m.std.data(), {m.std.size()}));
    }
    return arrays;
}

ModelMetadata read_metadata(const NamedArrays& arrays, const std::string& source) {
    ModelMetadata m;
    if (const NpyArray* spec = find_array(arrays, kMetadataPrefix + "model")) {
        m.spec = array_text(*spec, kMetadataPrefix + "model");
    }
    if (const NpyArray* shape = find_array(arrays, kMetadataPrefix + "input_shape")) {
        if (!is_integer_dtype(shape->dtype) || shape->ndim() != 1) {
            throw std::runtime_error(source + ": key '" + kMetadataPrefix + "input_shape' must be a 1-d integer array, found " +
                                     describe_array(*shape));
        }
        const auto dims = to_vector<std::uint64_t>(*shape);
        m.input_shape.assign(dims.begin(), dims.end());
    }
    m.mean = optional_values(arrays, kMetadataPrefix + "standardize.mean", source);
    m.std = optional_values(arrays, kMetadataPrefix + "standardize.std", source);
    check_standardization(m, source);
    return m;
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
        if (!model_keys.count(key) && !is_metadata_key(key)) {
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
    template void save_model<T>(const Layer<T>&, const ModelMetadata&, const std::string&); \
    template void assign_parameters<T>(Layer<T>&, const NamedArrays&, const std::string&); \
    template void load_parameters<T>(Layer<T>&, const std::string&);
VECNN_CHECKPOINT_INSTANTIATE(float)
VECNN_CHECKPOINT_INSTANTIATE(double)
#undef VECNN_CHECKPOINT_INSTANTIATE

}  // namespace vecnn
