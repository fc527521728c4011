// libFuzzer harness: gzip-compressed IDX. The input is read twice: as the
// compressed bytes themselves (broken streams, trailers, members), and
// compressed here first (so mutations of the IDX content get past zlib).
#include <stdexcept>
#include <vector>

#include <zlib.h>

#include "fuzz_input.hpp"
#include "vecnn/data/idx.hpp"

namespace {
std::vector<std::uint8_t> gzip(const std::uint8_t* data, std::size_t size) {
    z_stream zs{};
    std::vector<std::uint8_t> out;
    if (deflateInit2(&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) return out;
    out.resize(deflateBound(&zs, static_cast<uLong>(size)) + 32);
    zs.next_in = const_cast<std::uint8_t*>(data);
    zs.avail_in = static_cast<uInt>(size);
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    vecnn::fuzz::set_limits();
    const std::string raw = vecnn::fuzz::as_file(data, size, ".raw.gz");
    try {
        (void)vecnn::load_idx_labels(raw);
    } catch (const std::exception&) {
    }
    const std::vector<std::uint8_t> packed = gzip(data, size);
    const std::string path = vecnn::fuzz::as_file(packed.data(), packed.size(), ".idx.gz");
    try {
        (void)vecnn::load_idx_images<float>(path);
    } catch (const std::exception&) {
    }
    return 0;
}
