// libFuzzer harness: the model-spec grammar (tokens, arguments, the short
// form, widths) and, for specs that build, one forward pass.
#include <stdexcept>
#include <string>

#include "fuzz_input.hpp"
#include "vecnn/nn/model_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    vecnn::fuzz::set_limits();
    const std::string spec(reinterpret_cast<const char*>(data), size);
    try {
        auto model = vecnn::build_model<float>(spec, 1);
        const std::size_t in = model->input_features() == 0 ? 3 : model->input_features();
        if (in <= 4096) {
            vecnn::Matrix<float> x = vecnn::Matrix<float>::from_shape({2, in});
            x.fill(0.5f);
            (void)model->forward(x);
        }
    } catch (const std::exception&) {
    }
    return 0;
}
