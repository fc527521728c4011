// Checkpoints: a model's parameters as one NumPy .npz file, one array per
// parameter, keyed like a torch.nn.Sequential state_dict ("0.weight",
// "0.bias", "2.weight", ...) and shaped like PyTorch's tensors ((out, in) and
// (out,) for Linear). numpy.load opens it; in PyTorch each key loads with
//   model.state_dict()[k].copy_(torch.from_numpy(npz[k]))
//
// Loading is strict and all-or-nothing: every parameter of the model must be
// present, no other key may be (but the metadata's, below), shapes must be
// equal and dtypes float32 or float64 (converted to the model's type). Otherwise std::runtime_error lists
// each offending key with what the model expects and what the file holds, and
// the model is left unchanged.
//
// Saving is atomic (see data/file_io.hpp): a failed save leaves the old
// checkpoint intact.
//
// The model travels with its weights: save_model adds, under keys that start
// with "vecnn." (no parameter's key does; loading ignores them), what is
// needed to use the parameters without knowing how they were trained:
//   "vecnn.model"             the model spec (text as uint8), for build_model
//   "vecnn.input_shape"       one sample's shape, e.g. (1, 28, 28) (uint64;
//                             absent when the model has none but its width)
//   "vecnn.standardize.mean"  per input feature, the mean and the std the
//   "vecnn.standardize.std"   features were standardized with (float64;
//                             absent when they were not)
// In PyTorch, skip them:
//   model.load_state_dict({k: torch.from_numpy(v) for k, v in np.load("m.npz").items()
//                          if not k.startswith("vecnn.")})
#pragma once

#include <string>
#include <vector>

#include "vecnn/data/npz.hpp"

namespace vecnn {

template <class T>
class Layer;  // nn/layer.hpp; declared here to keep xtensor out of this header

// Precision of the arrays written to disk.
enum class FloatType { float32, float64 };

// "<f4" or "<f8".
std::string dtype_of(FloatType type);

// Writes every parameter of `model` as `type`. A float64 -> float32 save of a
// value beyond float32's range throws (naming the key) before anything is written.
template <class T>
void save_parameters(const Layer<T>& model, const std::string& path, FloatType type);
// Same, in the model's own precision (float32 for float, float64 for double).
template <class T>
void save_parameters(const Layer<T>& model, const std::string& path);

// Strict load, see above.
template <class T>
void load_parameters(Layer<T>& model, const std::string& path);

// The in-memory halves of the two above, for code that keeps arrays of its
// own in the same archive or wants the arrays without a file.
template <class T>
NamedArrays parameter_arrays(const Layer<T>& model, FloatType type);
template <class T>
NamedArrays gradient_arrays(const Layer<T>& model, FloatType type);  // same keys, the gradients
// `source` names the arrays' origin in error messages (usually the file).
template <class T>
void assign_parameters(Layer<T>& model, const NamedArrays& arrays, const std::string& source);

// ---- what travels with the parameters (see the top of this file) ----
inline const std::string kMetadataPrefix = "vecnn.";
bool is_metadata_key(const std::string& key);

struct ModelMetadata {
    std::string spec;                      // "" when unknown
    std::vector<std::size_t> input_shape;  // empty when none
    std::vector<double> mean, std;         // empty when not standardized
};
NamedArrays metadata_arrays(const ModelMetadata& metadata);
// The metadata of a model file, checked (types, sizes, a finite mean, a
// positive std; errors name `source` and the key); a file without any
// (written before it was kept, or by another tool) gives empty fields.
ModelMetadata read_metadata(const NamedArrays& arrays, const std::string& source);

// save_parameters with the metadata in the same file (atomic as a whole).
template <class T>
void save_model(const Layer<T>& model, const ModelMetadata& metadata, const std::string& path);

// Text as a 1-d uint8 array, and back (throws naming the array's source unless it is one).
NpyArray text_array(const std::string& text);
std::string array_text(const NpyArray& array, const std::string& key);

// Any named arrays (optimizer state, gradient dumps ...) to and from one
// .npz file; the same atomic write and the same readers as checkpoints.
void save_arrays(const std::string& path, const NamedArrays& arrays);
NamedArrays load_arrays(const std::string& path);

}  // namespace vecnn
