#include "vecnn/data/npy.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "vecnn/data/file_io.hpp"

namespace vecnn {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;
constexpr std::size_t kMaxHeader = std::size_t{1} << 20;  // bytes of header text accepted
constexpr std::size_t kAlign = 64;  // numpy pads the header so the data starts 64-byte aligned

// ---- byte order: the file is little-endian whatever the host is ----

constexpr bool host_is_little_endian() { return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__; }

template <class S>
S load_le(const char* p) {
    if constexpr (std::is_same_v<S, bool>) {
        return *p != 0;  // numpy reads any non-zero byte as True
    } else {
        unsigned char b[sizeof(S)];
        std::memcpy(b, p, sizeof(S));
        if constexpr (!host_is_little_endian()) {
            for (std::size_t i = 0; i < sizeof(S) / 2; ++i) std::swap(b[i], b[sizeof(S) - 1 - i]);
        }
        S v;
        std::memcpy(&v, b, sizeof(S));
        return v;
    }
}

template <class S>
void store_le(char* p, S v) {
    unsigned char b[sizeof(S)];
    std::memcpy(b, &v, sizeof(S));
    if constexpr (!host_is_little_endian()) {
        for (std::size_t i = 0; i < sizeof(S) / 2; ++i) std::swap(b[i], b[sizeof(S) - 1 - i]);
    }
    std::memcpy(p, b, sizeof(S));
}

// ---- dtype table ----

struct DTypeInfo {
    const char* descr;
    const char* name;
    std::size_t size;
};

constexpr DTypeInfo kDTypes[] = {
    {"<f4", "float32", 4}, {"<f8", "float64", 8}, {"|i1", "int8", 1},   {"<i2", "int16", 2},
    {"<i4", "int32", 4},   {"<i8", "int64", 8},   {"|u1", "uint8", 1},  {"<u2", "uint16", 2},
    {"<u4", "uint32", 4},  {"<u8", "uint64", 8},  {"|b1", "bool", 1},
};

const DTypeInfo* find_dtype(const std::string& dtype) {
    for (const auto& d : kDTypes) {
        if (dtype == d.descr) return &d;
    }
    return nullptr;
}

template <class T>
struct Tag {
    using type = T;
};

// Calls f(Tag<S>{}) with S the C++ type stored for `dtype`; false if unsupported.
template <class F>
bool visit_dtype(const std::string& dtype, F&& f) {
    if (dtype == "<f4") return f(Tag<float>{}), true;
    if (dtype == "<f8") return f(Tag<double>{}), true;
    if (dtype == "|i1") return f(Tag<std::int8_t>{}), true;
    if (dtype == "<i2") return f(Tag<std::int16_t>{}), true;
    if (dtype == "<i4") return f(Tag<std::int32_t>{}), true;
    if (dtype == "<i8") return f(Tag<std::int64_t>{}), true;
    if (dtype == "|u1") return f(Tag<std::uint8_t>{}), true;
    if (dtype == "<u2") return f(Tag<std::uint16_t>{}), true;
    if (dtype == "<u4") return f(Tag<std::uint32_t>{}), true;
    if (dtype == "<u8") return f(Tag<std::uint64_t>{}), true;
    if (dtype == "|b1") return f(Tag<bool>{}), true;
    return false;
}

// ---- value conversion with range checks ----

// Stores `v` converted to To in `out`; false when it is not representable
// (integer out of range, non-integral or non-finite float into an integer).
template <class To, class From>
bool convert(From v, To& out) {
    if constexpr (std::is_floating_point_v<To>) {
        if constexpr (std::is_floating_point_v<From>) {
            // A finite double beyond float's range would become inf (and the cast is
            // undefined behaviour): refuse it rather than invent an infinity.
            if (std::isfinite(v) && std::fabs(static_cast<double>(v)) > static_cast<double>(std::numeric_limits<To>::max())) {
                return false;
            }
        }
        out = static_cast<To>(v);
        return true;
    } else if constexpr (std::is_same_v<To, bool>) {
        if (v != From(0) && v != From(1)) return false;
        out = v != From(0);
        return true;
    } else if constexpr (std::is_floating_point_v<From>) {
        if (!std::isfinite(v) || std::trunc(v) != v) return false;
        // Bounds are powers of two (or 0), exact in every floating type.
        const long double lo = static_cast<long double>(std::numeric_limits<To>::min());
        const long double hi = std::ldexp(1.0L, std::numeric_limits<To>::digits);
        const long double x = static_cast<long double>(v);
        if (x < lo || x >= hi) return false;
        out = static_cast<To>(v);
        return true;
    } else {  // integer (or bool) to integer
        if constexpr (std::is_signed_v<From>) {
            if (v < 0) {
                if constexpr (std::is_unsigned_v<To>) {
                    return false;
                } else {
                    if (static_cast<std::intmax_t>(v) < static_cast<std::intmax_t>(std::numeric_limits<To>::min())) return false;
                }
            }
        }
        if (v > From(0) &&
            static_cast<std::uintmax_t>(v) > static_cast<std::uintmax_t>(std::numeric_limits<To>::max()))
            return false;
        out = static_cast<To>(v);
        return true;
    }
}

template <class V>
std::string value_string(V v) {
    if constexpr (std::is_same_v<V, bool>) {
        return v ? "True" : "False";
    } else if constexpr (std::is_floating_point_v<V>) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", static_cast<double>(v));
        return buf;
    } else {
        return std::to_string(v);
    }
}

// numpy-style index of flat element i: "[i]" for 1-d, "[r, c]" for 2-d ...
std::string index_string(const std::vector<std::size_t>& shape, std::size_t flat) {
    if (shape.empty()) return "[()]";
    std::vector<std::size_t> idx(shape.size());
    for (std::size_t d = shape.size(); d-- > 0;) {
        idx[d] = shape[d] ? flat % shape[d] : 0;
        flat = shape[d] ? flat / shape[d] : 0;
    }
    std::string s = "[";
    for (std::size_t d = 0; d < idx.size(); ++d) s += (d ? ", " : "") + std::to_string(idx[d]);
    return s + "]";
}

// Element count of a shape; false if it overflows size_t.
bool checked_count(const std::vector<std::size_t>& shape, std::size_t itemsize, std::size_t& elements) {
    std::size_t n = 1;
    for (std::size_t d : shape) {
        if (d != 0 && n > std::numeric_limits<std::size_t>::max() / d) return false;
        n *= d;
    }
    if (itemsize != 0 && n > std::numeric_limits<std::size_t>::max() / itemsize) return false;
    elements = n;
    return true;
}

std::string printable(const char* p, std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned char c = static_cast<unsigned char>(p[i]);
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            s += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            s += buf;
        }
    }
    return s;
}

// ---- header parsing: a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }

struct HeaderParser {
    const std::string& text;
    const std::string& source;
    std::size_t pos = 0;

    [[noreturn]] void fail(const std::string& why) const {
        std::string shown = text.size() > 200 ? text.substr(0, 200) + "..." : text;
        while (!shown.empty() && (shown.back() == ' ' || shown.back() == '\n')) shown.pop_back();
        throw std::runtime_error(source + ": malformed .npy header: " + why + " in \"" + printable(shown.data(), shown.size()) + "\"");
    }
    void skip_space() {
        while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r')) ++pos;
    }
    bool accept(char c) {
        skip_space();
        if (pos < text.size() && text[pos] == c) {
            ++pos;
            return true;
        }
        return false;
    }
    void expect(char c) {
        if (!accept(c)) fail(std::string("expected '") + c + "' at offset " + std::to_string(pos));
    }
    bool at(char c) {
        skip_space();
        return pos < text.size() && text[pos] == c;
    }
    std::string string_literal() {
        skip_space();
        if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"')) fail("expected a string at offset " + std::to_string(pos));
        const char quote = text[pos++];
        const std::size_t end = text.find(quote, pos);
        if (end == std::string::npos) fail("unterminated string");
        std::string s = text.substr(pos, end - pos);
        pos = end + 1;
        return s;
    }
    bool boolean() {
        skip_space();
        if (text.compare(pos, 4, "True") == 0) return pos += 4, true;
        if (text.compare(pos, 5, "False") == 0) return pos += 5, false;
        fail("expected True or False at offset " + std::to_string(pos));
    }
    std::size_t integer() {
        skip_space();
        const std::size_t start = pos;
        std::size_t v = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            const std::size_t digit = static_cast<std::size_t>(text[pos] - '0');
            if (v > (std::numeric_limits<std::size_t>::max() - digit) / 10) fail("dimension too large");
            v = v * 10 + digit;
            ++pos;
        }
        if (pos == start) fail("expected a non-negative integer in the shape at offset " + std::to_string(pos));
        if (pos < text.size() && text[pos] == 'L') ++pos;  // Python 2 long literal
        return v;
    }
    std::vector<std::size_t> tuple() {
        expect('(');
        std::vector<std::size_t> dims;
        while (!accept(')')) {
            dims.push_back(integer());
            if (!accept(',')) {
                expect(')');
                break;
            }
        }
        return dims;
    }
};

struct Header {
    std::string descr;
    bool fortran_order = false;
    std::vector<std::size_t> shape;
};

Header parse_header(const std::string& text, const std::string& source) {
    HeaderParser p{text, source};
    Header h;
    bool have_descr = false, have_order = false, have_shape = false;
    p.expect('{');
    while (!p.accept('}')) {
        const std::string key = p.string_literal();
        p.expect(':');
        if (key == "descr") {
            if (p.at('[')) throw std::runtime_error(source + ": structured dtypes (record arrays) are not supported");
            h.descr = p.string_literal();
            have_descr = true;
        } else if (key == "fortran_order") {
            h.fortran_order = p.boolean();
            have_order = true;
        } else if (key == "shape") {
            h.shape = p.tuple();
            have_shape = true;
        } else {
            p.fail("unexpected key '" + key + "'");
        }
        if (!p.accept(',')) {
            p.expect('}');
            break;
        }
    }
    p.skip_space();
    if (p.pos != text.size()) p.fail("unexpected text after the dictionary");
    if (!have_descr) p.fail("no 'descr' key");
    if (!have_order) p.fail("no 'fortran_order' key");
    if (!have_shape) p.fail("no 'shape' key");
    return h;
}

// Normalises a descr to the spelling of kDTypes; throws naming what is unsupported.
std::string normalise_descr(const std::string& descr, const std::string& source) {
    char order = descr.empty() ? '=' : descr[0];
    std::string type = descr.size() > 1 ? descr.substr(1) : std::string();
    if (order != '<' && order != '>' && order != '|' && order != '=') {
        order = '=';  // numpy also accepts a descr without byte-order mark ("f8"): native order
        type = descr;
    }
    const bool single_byte = type == "i1" || type == "u1" || type == "b1";
    const bool big_endian = order == '>' || ((order == '=' || order == '|') && !host_is_little_endian());
    if (big_endian && !single_byte) {
        throw std::runtime_error(source + ": big-endian dtype '" + descr +
                                 "' is not supported (convert it with arr.astype('<" + type + "') before saving)");
    }
    const std::string normal = (single_byte ? "|" : "<") + type;
    if (!find_dtype(normal)) {
        std::string why = "unsupported dtype '" + descr + "'";
        if (type == "f2") why += " (float16)";
        why += "; supported: float32, float64, int8..int64, uint8..uint64, bool";
        throw std::runtime_error(source + ": " + why);
    }
    return normal;
}

std::string encode_header(const NpyArray& a) {
    std::string dict = "{'descr': '" + a.dtype + "', 'fortran_order': False, 'shape': " + shape_string(a.shape) + ", }";
    // numpy.save leaves room for the first dimension to grow to 21 digits, so
    // the header can be rewritten in place when rows are appended. Doing the
    // same makes our files byte-identical to numpy's.
    if (!a.shape.empty()) {
        const std::size_t digits = std::to_string(a.shape[0]).size();
        if (digits < 21) dict.append(21 - digits, ' ');
    }
    // Preamble: magic, 2 version bytes, then a 2-byte (v1) or 4-byte (v2) header length.
    std::size_t preamble = kMagicSize + 2 + 2;
    std::size_t total = (preamble + dict.size() + 1 + kAlign - 1) / kAlign * kAlign;
    if (total - preamble > 65535) {
        preamble = kMagicSize + 2 + 4;
        total = (preamble + dict.size() + 1 + kAlign - 1) / kAlign * kAlign;
    }
    dict.append(total - preamble - dict.size() - 1, ' ');
    dict += '\n';

    std::string out(kMagic, kMagicSize);
    const std::size_t header_len = dict.size();
    const bool version1 = preamble == kMagicSize + 2 + 2;
    if (version1) {
        out += '\x01';
        out += '\x00';
        out += static_cast<char>(header_len & 0xff);
        out += static_cast<char>((header_len >> 8) & 0xff);
    } else {
        out += '\x02';
        out += '\x00';
        for (int i = 0; i < 4; ++i) out += static_cast<char>((header_len >> (8 * i)) & 0xff);
    }
    return out + dict;
}

}  // namespace

// ---- public ----

std::size_t NpyArray::size() const {
    std::size_t n = 1;
    for (std::size_t d : shape) n *= d;
    return n;
}

std::size_t dtype_itemsize(const std::string& dtype) {
    const DTypeInfo* d = find_dtype(dtype);
    if (!d) throw std::invalid_argument("unsupported dtype '" + dtype + "'");
    return d->size;
}

bool is_float_dtype(const std::string& dtype) { return dtype == "<f4" || dtype == "<f8"; }

bool is_integer_dtype(const std::string& dtype) { return find_dtype(dtype) && !is_float_dtype(dtype); }

std::string dtype_name(const std::string& dtype) {
    const DTypeInfo* d = find_dtype(dtype);
    return d ? d->name : dtype;
}

template <> std::string dtype_of<float>() { return "<f4"; }
template <> std::string dtype_of<double>() { return "<f8"; }
template <> std::string dtype_of<std::int8_t>() { return "|i1"; }
template <> std::string dtype_of<std::int16_t>() { return "<i2"; }
template <> std::string dtype_of<std::int32_t>() { return "<i4"; }
template <> std::string dtype_of<std::int64_t>() { return "<i8"; }
template <> std::string dtype_of<std::uint8_t>() { return "|u1"; }
template <> std::string dtype_of<std::uint16_t>() { return "<u2"; }
template <> std::string dtype_of<std::uint32_t>() { return "<u4"; }
template <> std::string dtype_of<std::uint64_t>() { return "<u8"; }

std::string shape_string(const std::vector<std::size_t>& shape) {
    if (shape.size() == 1) return "(" + std::to_string(shape[0]) + ",)";
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + ")";
}

NpyArray read_npy(const std::string& path) { return parse_npy(read_file(path), path); }

std::size_t npy_header_size(const char* data, std::size_t n, const std::string& source) {
    const std::size_t magic_seen = n < kMagicSize ? n : kMagicSize;
    if (n == 0) throw std::runtime_error(source + ": not a .npy file (the file is empty)");
    if (std::memcmp(data, kMagic, magic_seen) != 0) {
        throw std::runtime_error(source + ": not a .npy file (bad magic: expected \\x93NUMPY, found \"" +
                                 printable(data, magic_seen) + "\")");
    }
    if (n < kMagicSize + 2) throw std::runtime_error(source + ": truncated .npy header (file has only " + std::to_string(n) + " bytes)");
    const int major = static_cast<unsigned char>(data[6]);
    const int minor = static_cast<unsigned char>(data[7]);
    if ((major != 1 && major != 2 && major != 3) || minor != 0) {
        throw std::runtime_error(source + ": unsupported .npy format version " + std::to_string(major) + "." +
                                 std::to_string(minor) + " (expected 1.0, 2.0 or 3.0)");
    }
    const std::size_t len_bytes = major == 1 ? 2 : 4;
    const std::size_t preamble = kMagicSize + 2 + len_bytes;
    if (n < preamble) throw std::runtime_error(source + ": truncated .npy header (file has only " + std::to_string(n) + " bytes)");
    std::size_t header_len = 0;
    for (std::size_t i = 0; i < len_bytes; ++i) header_len |= static_cast<std::size_t>(static_cast<unsigned char>(data[8 + i])) << (8 * i);
    // numpy writes headers of a few hundred bytes (and refuses to read more
    // than 10,000 by default): a longer one is a lie, not a shape.
    if (header_len > kMaxHeader) {
        throw std::runtime_error(source + ": implausible .npy header: it declares " + std::to_string(header_len) +
                                 " header bytes (at most " + std::to_string(kMaxHeader) + " are accepted)");
    }
    return preamble + header_len;
}

NpyHeader parse_npy_header(const char* data, std::size_t n, const std::string& source) {
    const std::size_t total = npy_header_size(data, n, source);
    const std::size_t preamble = static_cast<unsigned char>(data[6]) == 1 ? kMagicSize + 4 : kMagicSize + 6;
    if (n < total) {
        throw std::runtime_error(source + ": truncated .npy header (declares " + std::to_string(total - preamble) +
                                 " header bytes, file has " + std::to_string(n - preamble) + " after the preamble)");
    }
    // Version 3.0 only differs by allowing UTF-8 in the header; our keys are ASCII either way.
    const std::string text(data + preamble, total - preamble);
    const Header h = parse_header(text, source);
    if (h.fortran_order) {
        throw std::runtime_error(source + ": fortran_order=True arrays are not supported (save a C-ordered array: "
                                 "np.ascontiguousarray(a))");
    }
    NpyHeader out;
    out.dtype = normalise_descr(h.descr, source);
    out.shape = h.shape;
    out.data_offset = total;
    std::size_t count = 0;
    if (!checked_count(out.shape, dtype_itemsize(out.dtype), count)) {
        throw std::runtime_error(source + ": shape " + shape_string(out.shape) + " is too large");
    }
    out.data_bytes = count * dtype_itemsize(out.dtype);
    return out;
}

NpyArray parse_npy(std::vector<char> file, const std::string& source) {
    const std::size_t n = file.size();
    const NpyHeader h = parse_npy_header(file.data(), n, source);
    NpyArray a;
    a.source = source;
    a.dtype = h.dtype;
    a.shape = h.shape;
    const std::size_t expected = h.data_bytes;
    const std::size_t found = n - h.data_offset;
    if (found != expected) {
        const std::string what = found < expected ? "truncated data" : "data size does not match the shape";
        throw std::runtime_error(source + ": " + what + ": shape " + shape_string(a.shape) + " of " + dtype_name(a.dtype) +
                                 " needs " + std::to_string(expected) + " bytes, file has " + std::to_string(found));
    }
    const std::size_t preamble_and_header = h.data_offset;
    // Reuse the file buffer: drop the header in place instead of copying the payload.
    file.erase(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(preamble_and_header));
    a.bytes = std::move(file);
    return a;
}

namespace {

// `who` names the array (its destination) in validation errors.
std::vector<char> encode(const NpyArray& array, const std::string& who) {
    if (!find_dtype(array.dtype)) throw std::invalid_argument(who + ": cannot write unsupported dtype '" + array.dtype + "'");
    std::size_t count = 0;
    const std::size_t itemsize = dtype_itemsize(array.dtype);
    if (!checked_count(array.shape, itemsize, count) || count * itemsize != array.bytes.size()) {
        throw std::invalid_argument(who + ": shape " + shape_string(array.shape) + " of " + dtype_name(array.dtype) + " needs " +
                                    std::to_string(count * itemsize) + " bytes, the array holds " +
                                    std::to_string(array.bytes.size()));
    }
    const std::string header = encode_header(array);
    std::vector<char> out;
    out.reserve(header.size() + array.bytes.size());
    out.insert(out.end(), header.begin(), header.end());
    out.insert(out.end(), array.bytes.begin(), array.bytes.end());
    return out;
}

}  // namespace

std::vector<char> encode_npy(const NpyArray& array) { return encode(array, array.source.empty() ? "array" : array.source); }

void write_npy(const std::string& path, const NpyArray& array) {
    const std::vector<char> bytes = encode(array, path);
    write_file_atomically(path, bytes.data(), bytes.size());
}

template <class T>
NpyArray make_npy(const T* data, std::vector<std::size_t> shape, const std::string& dtype) {
    NpyArray a;
    a.shape = std::move(shape);
    if (!find_dtype(dtype)) throw std::invalid_argument("make_npy: unsupported dtype '" + dtype + "'");
    a.dtype = dtype;
    const std::size_t count = a.size();
    visit_dtype(dtype, [&](auto tag) {
        using S = typename decltype(tag)::type;
        a.bytes.resize(count * sizeof(S));
        for (std::size_t i = 0; i < count; ++i) {
            S v{};
            if (!convert(data[i], v)) {
                throw std::invalid_argument("make_npy: element " + index_string(a.shape, i) + " = " + value_string(data[i]) +
                                            " cannot be stored as " + dtype_name(dtype));
            }
            store_le(a.bytes.data() + i * sizeof(S), v);
        }
    });
    return a;
}

template <class T>
void copy_elements(const NpyArray& array, T* out) {
    const std::size_t count = array.size();
    const bool known = visit_dtype(array.dtype, [&](auto tag) {
        using S = typename decltype(tag)::type;
        if (array.bytes.size() != count * sizeof(S)) {
            throw std::runtime_error(array.source + ": shape " + shape_string(array.shape) + " of " + dtype_name(array.dtype) +
                                     " needs " + std::to_string(count * sizeof(S)) + " bytes, the array holds " +
                                     std::to_string(array.bytes.size()));
        }
        for (std::size_t i = 0; i < count; ++i) {
            const S v = load_le<S>(array.bytes.data() + i * sizeof(S));
            if (!convert(v, out[i])) {
                std::string why = "is out of range";
                if constexpr (std::is_floating_point_v<S> && !std::is_floating_point_v<T>) {
                    if (std::trunc(v) != v) why = "is not an integer";
                }
                throw std::runtime_error(array.source + ": element " + index_string(array.shape, i) + " = " + value_string(v) +
                                         " of " + dtype_name(array.dtype) + " " + why + " for " + dtype_name(dtype_of<T>()));
            }
        }
    });
    if (!known) throw std::runtime_error(array.source + ": unsupported dtype '" + array.dtype + "'");
}

#define VECNN_NPY_INSTANTIATE(T)                                                                           \
    template NpyArray make_npy<T>(const T*, std::vector<std::size_t>, const std::string&);                \
    template void copy_elements<T>(const NpyArray&, T*);
VECNN_NPY_INSTANTIATE(float)
VECNN_NPY_INSTANTIATE(double)
VECNN_NPY_INSTANTIATE(std::int8_t)
VECNN_NPY_INSTANTIATE(std::int16_t)
VECNN_NPY_INSTANTIATE(std::int32_t)
VECNN_NPY_INSTANTIATE(std::int64_t)
VECNN_NPY_INSTANTIATE(std::uint8_t)
VECNN_NPY_INSTANTIATE(std::uint16_t)
VECNN_NPY_INSTANTIATE(std::uint32_t)
VECNN_NPY_INSTANTIATE(std::uint64_t)
#undef VECNN_NPY_INSTANTIATE

}  // namespace vecnn
