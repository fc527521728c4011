#include "vecnn/nn/clip_grad_norm.hpp"

#include <cmath>
#include <stdexcept>

#include "vecnn/nn/layer_spec.hpp"

namespace vecnn {

template <class T>
double clip_grad_norm(Layer<T>& model, double max_norm) {
    if (!(max_norm > 0) || !std::isfinite(max_norm)) {
        throw std::invalid_argument("clip_grad_norm: max_norm " + format_number(max_norm) + " must be finite and > 0");
    }
    double total_squares = 0;
    for (std::size_t i = 0; i < model.parameters().size(); ++i) {
        const ConstView<T> g = static_cast<const Layer<T>&>(model).gradient(i);
        double squares = 0;
        for (std::size_t k = 0; k < g.size(); ++k) squares += static_cast<double>(g.data[k]) * g.data[k];
        const double norm = std::sqrt(squares);  // torch.norm(p.grad)
        total_squares += norm * norm;             // then the norm of the stacked norms
    }
    const double total = std::sqrt(total_squares);
    const double coefficient = max_norm / (total + 1e-6);
    if (coefficient < 1) {
        const T factor = static_cast<T>(coefficient);
        T* g = model.gradient_data();
        for (std::size_t k = 0; k < model.parameter_count(); ++k) g[k] *= factor;
    }
    return total;
}

template double clip_grad_norm<float>(Layer<float>&, double);
template double clip_grad_norm<double>(Layer<double>&, double);

}  // namespace vecnn
