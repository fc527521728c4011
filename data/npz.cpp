#include "vecnn/data/npz.hpp"

#include <memory>
#include <set>
#include <stdexcept>

#include <zip.h>

#include "vecnn/data/file_io.hpp"
#include "vecnn/data/input_file.hpp"
#include "vecnn/tensor/limits.hpp"

namespace vecnn {
namespace {

constexpr char kSuffix[] = ".npy";
constexpr std::size_t kSuffixSize = 4;
// MS-DOS time and date of every member: 00:00:00 on 1980-01-01 (date bits: year-1980 << 9 | month << 5 | day).
constexpr zip_uint16_t kDosTime = 0;
constexpr zip_uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;

std::string member_source(const std::string& path, const std::string& member) {
    return path + " (member '" + member + "')";
}

std::string zip_message(int code) {
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    std::string s = zip_error_strerror(&error);
    zip_error_fini(&error);
    return s;
}

struct ArchiveCloser {
    void operator()(zip_t* za) const { zip_discard(za); }
};
using Archive = std::unique_ptr<zip_t, ArchiveCloser>;

struct SourceFree {
    void operator()(zip_source_t* s) const { zip_source_free(s); }
};
using Source = std::unique_ptr<zip_source_t, SourceFree>;

// Reads member `index` whole. Reading one byte past the end makes libzip
// verify the CRC (it checks when the member's stream reaches its end).
std::vector<char> read_member(zip_t* za, zip_uint64_t index, zip_uint64_t size, const std::string& source) {
    zip_file_t* file = zip_fopen_index(za, index, 0);
    if (!file) throw std::runtime_error(source + ": cannot open member: " + zip_strerror(za));
    std::vector<char> bytes(size);
    zip_int64_t got = size ? zip_fread(file, bytes.data(), size) : 0;
    char extra = 0;
    const zip_int64_t more = got >= 0 && static_cast<zip_uint64_t>(got) == size ? zip_fread(file, &extra, 1) : 0;
    const std::string file_error = got < 0 || more < 0 ? zip_file_strerror(file) : "";
    const int close_error = zip_fclose(file);
    if (got < 0 || more < 0) throw std::runtime_error(source + ": cannot read member: " + file_error);
    if (static_cast<zip_uint64_t>(got) != size || more != 0) {
        throw std::runtime_error(source + ": member size does not match the archive directory (" + std::to_string(size) +
                                 " bytes declared)");
    }
    if (close_error != 0) throw std::runtime_error(source + ": cannot read member: " + zip_message(close_error));
    return bytes;
}

// The archive's directory says how large each member is; nothing is
// allocated on its word until that agrees with the member's compressed size
// (stored: equal; deflated: at most deflate's largest ratio, 1032:1) and with
// the input limit, so a 2 KB archive that declares a 4 GB member is refused
// at once. `total` sums the declared sizes of the members so far.
void check_declared_size(const zip_stat_t& st, const std::string& where, std::uint64_t& total) {
    if (!(st.valid & ZIP_STAT_COMP_SIZE) || !(st.valid & ZIP_STAT_COMP_METHOD)) {
        throw std::runtime_error(where + ": the archive directory lacks the member's compressed size or method");
    }
    const std::uint64_t size = st.size, packed = st.comp_size;
    if (st.comp_method == ZIP_CM_STORE) {
        if (size != packed) {
            throw std::runtime_error(where + ": the archive directory declares " + std::to_string(size) +
                                     " bytes for a stored member of " + std::to_string(packed));
        }
    } else if (st.comp_method == ZIP_CM_DEFLATE) {
        if (size / 1032 > packed + 1) {
            throw std::runtime_error(where + ": the archive directory declares " + std::to_string(size) +
                                     " bytes for a member of " + std::to_string(packed) +
                                     " deflated bytes, more than deflate can expand to");
        }
    } else {
        throw std::runtime_error(where + ": compression method " + std::to_string(st.comp_method) +
                                 " is not supported (numpy writes stored or deflated members)");
    }
    total += size;
    if (total > max_input_bytes() || total < size) {
        throw std::runtime_error(where + ": the archive's members would take " + format_bytes(total) +
                                 ", more than the input limit of " + format_bytes(max_input_bytes()) +
                                 " (raise it with --max-input-bytes)");
    }
}

}  // namespace

NamedArrays read_npz(const std::string& path) {
    // A zip archive starts with a local file header (or, empty, with the end of
    // its directory): anything else (a device, random bytes) is refused before it is read.
    InputFile in(path);
    const std::vector<char>& head = in.peek(4);
    // libzip takes an empty file for an empty archive; numpy never writes one.
    if (head.empty()) throw std::runtime_error(path + ": not a .npz archive (the file is empty)");
    if (head.size() < 4 || head[0] != 'P' || head[1] != 'K' || !((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6))) {
        throw std::runtime_error(path + ": not a valid .npz archive (a zip file starts with PK\\x03\\x04)");
    }
    std::vector<char> file = in.read_rest();
    return parse_npz(std::move(file), path);
}

NamedArrays parse_npz(std::vector<char> file, const std::string& path) {
    // libzip takes an empty file for an empty archive; numpy never writes one.
    if (file.empty()) throw std::runtime_error(path + ": not a .npz archive (the file is empty)");

    zip_error_t error;
    zip_error_init(&error);
    Source source(zip_source_buffer_create(file.data(), file.size(), 0, &error));
    if (!source) {
        const std::string why = zip_error_strerror(&error);
        zip_error_fini(&error);
        throw std::runtime_error(path + ": cannot read archive: " + why);
    }
    Archive za(zip_open_from_source(source.get(), ZIP_RDONLY | ZIP_CHECKCONS, &error));
    if (!za) {
        const std::string why = zip_error_strerror(&error);
        zip_error_fini(&error);
        throw std::runtime_error(path + ": not a valid .npz (zip) archive: " + why);
    }
    source.release();  // the archive owns it now
    zip_error_fini(&error);

    NamedArrays arrays;
    std::set<std::string> seen;
    std::uint64_t total = 0;
    const zip_int64_t count = zip_get_num_entries(za.get(), 0);
    for (zip_int64_t i = 0; i < count; ++i) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(za.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) ||
            !(st.valid & ZIP_STAT_SIZE)) {
            throw std::runtime_error(path + ": cannot read entry " + std::to_string(i) + " of the archive: " + zip_strerror(za.get()));
        }
        const std::string name = st.name;
        const std::string where = member_source(path, name);
        if (name.size() <= kSuffixSize || name.compare(name.size() - kSuffixSize, kSuffixSize, kSuffix) != 0) {
            throw std::runtime_error(where + ": not a .npy member (a .npz holds only '<key>.npy' files)");
        }
        const std::string key = name.substr(0, name.size() - kSuffixSize);
        if (!seen.insert(key).second) throw std::runtime_error(where + ": duplicate key '" + key + "'");
        check_declared_size(st, where, total);
        std::vector<char> bytes = read_member(za.get(), static_cast<zip_uint64_t>(i), st.size, where);
        arrays.emplace_back(key, parse_npy(std::move(bytes), where));
    }
    return arrays;
}

std::vector<char> encode_npz(const NamedArrays& arrays, NpzCompression compression) {
    // Validate and encode everything first: the member buffers must outlive zip_close.
    std::vector<std::vector<char>> members;
    members.reserve(arrays.size());
    std::set<std::string> seen;
    for (const auto& [key, array] : arrays) {
        if (key.empty()) throw std::invalid_argument("npz: an array has an empty key");
        if (!seen.insert(key).second) throw std::invalid_argument("npz: duplicate key '" + key + "'");
        try {
            members.push_back(encode_npy(array));
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument("npz: key '" + key + "': " + e.what());
        }
    }
    if (arrays.empty()) {
        // libzip writes nothing at all for an archive without members; numpy
        // writes (and reads) a bare end-of-central-directory record.
        std::vector<char> empty(22, '\0');
        const char eocd[] = {'P', 'K', 5, 6};
        std::copy(eocd, eocd + 4, empty.begin());
        return empty;
    }

    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
    if (!buffer) {
        const std::string why = zip_error_strerror(&error);
        zip_error_fini(&error);
        throw std::runtime_error(std::string("npz: cannot create an in-memory archive: ") + why);
    }
    zip_source_keep(buffer);  // still ours after zip_close, to read the bytes back
    Source keep(buffer);
    Archive za(zip_open_from_source(buffer, ZIP_TRUNCATE, &error));
    if (!za) {
        zip_source_free(buffer);  // the reference the archive would have taken
        const std::string why = zip_error_strerror(&error);
        zip_error_fini(&error);
        throw std::runtime_error(std::string("npz: cannot create an in-memory archive: ") + why);
    }
    zip_error_fini(&error);

    const zip_int32_t method = compression == NpzCompression::deflated ? ZIP_CM_DEFLATE : ZIP_CM_STORE;
    for (std::size_t i = 0; i < arrays.size(); ++i) {
        const std::string name = arrays[i].first + kSuffix;
        zip_source_t* data = zip_source_buffer(za.get(), members[i].data(), members[i].size(), 0);
        if (!data) throw std::runtime_error("npz: key '" + arrays[i].first + "': " + zip_strerror(za.get()));
        const zip_int64_t index = zip_file_add(za.get(), name.c_str(), data, ZIP_FL_ENC_GUESS);
        if (index < 0) {
            zip_source_free(data);
            throw std::runtime_error("npz: key '" + arrays[i].first + "': " + zip_strerror(za.get()));
        }
        if (zip_set_file_compression(za.get(), static_cast<zip_uint64_t>(index), method, 0) != 0) {
            throw std::runtime_error("npz: key '" + arrays[i].first + "': " + zip_strerror(za.get()));
        }
        // A fixed timestamp (the zip epoch, 1980-01-01 00:00) instead of the
        // time of writing: the same arrays always give the same bytes.
        if (zip_file_set_dostime(za.get(), static_cast<zip_uint64_t>(index), kDosTime, kDosDate, 0) != 0) {
            throw std::runtime_error("npz: key '" + arrays[i].first + "': " + zip_strerror(za.get()));
        }
    }
    if (zip_close(za.get()) != 0) throw std::runtime_error(std::string("npz: cannot build the archive: ") + zip_strerror(za.get()));
    za.release();  // zip_close freed it

    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_source_open(buffer) != 0) throw std::runtime_error("npz: cannot read the built archive back");
    std::vector<char> out;
    if (zip_source_stat(buffer, &st) == 0 && (st.valid & ZIP_STAT_SIZE)) out.resize(st.size);
    const zip_int64_t got = out.empty() ? 0 : zip_source_read(buffer, out.data(), out.size());
    zip_source_close(buffer);
    if (out.empty() || got != static_cast<zip_int64_t>(out.size())) throw std::runtime_error("npz: cannot read the built archive back");
    return out;
}

void write_npz(const std::string& path, const NamedArrays& arrays, NpzCompression compression) {
    std::vector<char> bytes;
    try {
        bytes = encode_npz(arrays, compression);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("cannot write '" + path + "': " + e.what());
    }
    write_file_atomically(path, bytes.data(), bytes.size());
}

const NpyArray* find_array(const NamedArrays& arrays, const std::string& key) {
    for (const auto& [k, a] : arrays) {
        if (k == key) return &a;
    }
    return nullptr;
}

}  // namespace vecnn
