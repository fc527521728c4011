// libFuzzer harness: MNIST IDX files as features and as targets (header,
// limits, payload), read through the data-file layer that tells formats apart.
#include <stdexcept>

#include "fuzz_input.hpp"
#include "vecnn/data/dataset.hpp"
#include "vecnn/data/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    vecnn::fuzz::set_limits();
    const std::string path = vecnn::fuzz::as_file(data, size, ".idx");
    try {
        (void)vecnn::load_idx_images<float>(path);
    } catch (const std::exception&) {
    }
    try {
        (void)vecnn::load_idx_labels(path);
    } catch (const std::exception&) {
    }
    try {
        vecnn::DataFile file(path);
        (void)file.targets<double>();
    } catch (const std::exception&) {
    }
    return 0;
}
