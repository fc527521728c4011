#include "vecnn/tensor/cpu_features.hpp"

namespace vecnn {

bool cpu_has_avx2() {
    static const bool has = (__builtin_cpu_init(), __builtin_cpu_supports("avx2") != 0);
    return has;
}

bool cpu_has_avx512f() {
    static const bool has = (__builtin_cpu_init(), __builtin_cpu_supports("avx512f") != 0);
    return has;
}

bool cpu_has_avx512bw() {
    static const bool has = cpu_has_avx512f() && __builtin_cpu_supports("avx512bw") != 0;
    return has;
}

bool cpu_has_avx512bf16() {
    static const bool has = cpu_has_avx512bw() && __builtin_cpu_supports("avx512vl") != 0 &&
                            __builtin_cpu_supports("avx512dq") != 0 && __builtin_cpu_supports("avx512bf16") != 0;
    return has;
}

}  // namespace vecnn
