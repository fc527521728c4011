// libFuzzer harness: the .npy reader (header, payload) and the conversion to a matrix.
#include <stdexcept>
#include <vector>

#include "fuzz_input.hpp"
#include "vecnn/data/npy.hpp"
#include "vecnn/data/npy_matrix.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    vecnn::fuzz::set_limits();
    try {
        const vecnn::NpyArray a = vecnn::parse_npy(std::vector<char>(data, data + size), "fuzz.npy");
        if (a.ndim() == 2 || a.ndim() == 1) (void)vecnn::to_matrix<float>(a);
        (void)vecnn::encode_npy(a);
    } catch (const std::exception&) {
    }
    return 0;
}
