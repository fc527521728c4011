// Dropout: torch.nn.Dropout(p). In training mode each element is zeroed
// with probability p and the kept ones are scaled by 1 / (1 - p) (computed in
// the layer's dtype, as PyTorch does); in evaluation mode (set_training(false):
// Trainer::evaluate, vecnn predict) it passes its input through.
//   input (batch, n) -> output (batch, n); no parameters.
// The mask comes from vecnn's counter-based generator (tensor/random.hpp):
// element (r, c) is kept when noise_uniform at (key, layer stream, row r,
// column c) < 1 - p. Under a Trainer the key is the run's seed, the step and
// the batch's first row in the step, so both engines apply the same mask, k
// micro-batches draw what one batch draws, ranks draw their own rows' masks,
// and a resumed run continues as the straight run would. Alone, the layer
// keys by its own seed and a count of its training forwards.
// Engines: the loop twin multiplies element by element; the vectorized one
// is an xtensor expression over the batch. Backward: dx = dy * mask.
// set_mask_frozen(true) keeps the mask of the last forward for every later
// forward of the same batch shape: the finite-difference check needs it.
#pragma once

#include "vecnn/nn/twin_layer.hpp"
#include "vecnn/tensor/random.hpp"

namespace vecnn {

template <class T>
class Dropout final : public TwinLayer<T> {
public:
    // 0 <= p <= 1, else std::invalid_argument. `stream` tells apart the
    // dropout layers of one model (build_model passes the layer's position).
    explicit Dropout(double p = 0.5, std::uint64_t stream = 0, std::uint64_t seed = 0);

    std::string describe() const override;  // dropout(p)
    double p() const { return p_; }
    void set_noise_key(const NoiseKey* key) override { key_ = key; }
    void set_mask_frozen(bool frozen) { frozen_ = frozen; }
    // The last mask: 0 or 1 / (1 - p) per element (empty before the first training forward).
    const Matrix<T>& mask() const { return mask_; }

protected:
    void forward_loop(ConstView<T> x, View<T> y) override;
    void forward_vectorized(ConstView<T> x, View<T> y) override;
    void backward_loop(ConstView<T> x, ConstView<T> y, ConstView<T> dy, View<T> dx) override;
    void backward_vectorized(ConstView<T> x, ConstView<T> y, ConstView<T> dy, View<T> dx) override;

private:
    // True when this forward applies a mask (training, p > 0); fills mask_ for a (rows, cols) batch.
    bool prepare_mask(std::size_t rows, std::size_t cols);

    double p_;
    std::uint64_t stream_;
    NoiseKey own_key_;                // seed, and the count of training forwards as the step
    const NoiseKey* key_ = nullptr;   // the Trainer's
    bool frozen_ = false;
    bool mask_used_ = false;   // the last forward applied mask_
    bool mask_drawn_ = false;  // mask_ holds a drawn mask
    Matrix<T> mask_;
};

}  // namespace vecnn
