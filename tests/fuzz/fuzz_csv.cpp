// libFuzzer harness: the CSV reader, and CSV read as features and targets.
#include <stdexcept>

#include "fuzz_input.hpp"
#include "vecnn/data/csv.hpp"
#include "vecnn/data/dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    vecnn::fuzz::set_limits();
    try {
        (void)vecnn::parse_csv(reinterpret_cast<const char*>(data), size, "fuzz.csv");
    } catch (const std::exception&) {
    }
    const std::string path = vecnn::fuzz::as_file(data, size, ".csv");
    try {
        (void)vecnn::load_features<float>(path);
    } catch (const std::exception&) {
    }
    try {
        (void)vecnn::load_targets<double>(path);
    } catch (const std::exception&) {
    }
    return 0;
}
