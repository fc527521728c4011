// clip_grad_norm: torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
// (norm_type 2). The total norm is the 2-norm of the per-parameter 2-norms
// (each summed in double), and when it exceeds max_norm every gradient is
// multiplied by max_norm / (total + 1e-6), as PyTorch does (a factor it
// clamps at 1). Returns the total norm before clipping. max_norm must be
// finite and > 0 (std::invalid_argument otherwise). Trainer applies it to
// the summed gradients of each step (TrainOptions::clip_grad_norm), after
// the allreduce when data-parallel, before the optimizer.
#pragma once

#include "vecnn/nn/layer.hpp"

namespace vecnn {

template <class T>
double clip_grad_norm(Layer<T>& model, double max_norm);

}  // namespace vecnn
