#include "tools/lessons/lesson.hpp"

namespace vecnn::lessons {

const std::vector<LessonEntry>& all_lessons() {
    static const std::vector<LessonEntry> lessons{
        {"strides", "strides and contiguity: layout, transposes, walking with or against memory", lesson_strides},
        {"dtypes", "dtypes: memory per element, float32 against float64 speed and precision", lesson_dtypes},
        {"broadcasting", "broadcasting: a multiplication table, all pairwise differences", lesson_broadcasting},
        {"conditional", "conditional and cumulative operations without loops: where, cumsum", lesson_conditional},
        {"distance", "the Euclidean distance matrix: loops, broadcasting, the BLAS identity, chunked", lesson_distance},
        {"temporaries", "temporaries: eager steps against one lazy expression", lesson_temporaries},
        {"cache", "cache effects: a contiguous against a strided walk, L1 to main memory", lesson_cache},
        {"matrix_chain", "matrix-chain order: (A B) C against A (B C)", lesson_matrix_chain},
        {"blas_threads", "BLAS threads: a large and a tiny GEMM at 1 and 2 threads", lesson_blas_threads},
        {"stability", "numerical stability: softmax of large logits, naive and max-shifted", lesson_stability},
        {"chunking", "chunking to a budget: top-10 similar users of 100,000, sparse and in blocks", lesson_chunking},
    };
    return lessons;
}

}  // namespace vecnn::lessons
