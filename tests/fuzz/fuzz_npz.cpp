// libFuzzer harness: the .npz reader (zip directory, member sizes, members as .npy).
#include <stdexcept>
#include <vector>

#include "fuzz_input.hpp"
#include "vecnn/data/npz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    vecnn::fuzz::set_limits();
    try {
        (void)vecnn::parse_npz(std::vector<char>(data, data + size), "fuzz.npz");
    } catch (const std::exception&) {
    }
    return 0;
}
