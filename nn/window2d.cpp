#include "vecnn/nn/window2d.hpp"

#include <stdexcept>

namespace vecnn {

Window2d Window2d::over(const SampleShape& input, std::size_t kernel, std::size_t stride, std::size_t padding,
                        const std::string& layer) {
    if (input.size() != 3) {
        throw std::invalid_argument(
            layer + " needs samples of shape (channels, height, width), " +
            (input.empty() ? std::string("but the input shape is not known: give it once, e.g. --input-shape 1,28,28 "
                                         "(C++: build_model(spec, seed, {1, 28, 28}))")
                           : "but receives " + shape_string(input)));
    }
    Window2d w{input[0], input[1], input[2], kernel, stride, padding};
    if (kernel == 0 || stride == 0) throw std::invalid_argument(layer + ": kernel and stride must be positive");
    if (input[1] + 2 * padding < kernel || input[2] + 2 * padding < kernel) {
        throw std::invalid_argument(layer + ": kernel " + std::to_string(kernel) + " is larger than the padded input " +
                                    std::to_string(input[1] + 2 * padding) + "x" +
                                    std::to_string(input[2] + 2 * padding) + " (input " + shape_string(input) +
                                    ", padding " + std::to_string(padding) + ")");
    }
    return w;
}

}  // namespace vecnn
