// Lesson 11, the course's design challenge, chunking to a memory budget:
// the top 10 most similar users (cosine similarity of their ratings) of every
// one of 100,000 users over 10,000 items, 1% of ratings present. The full
// similarity matrix, 100,000^2 floats, is 40 GB: it does not fit. So:
//   - the ratings are kept sparse, by user and by item (10 million ratings);
//   - users are taken in blocks; for a block, the similarity rows are summed
//     item by item (only co-rated items contribute) into a dense block of
//     rows (block x users floats), sized from the budget;
//   - each row's top 10 is selected and the block's rows are reused.
// On a small size the loop version (every pair, dense dot products) and the
// loop-free version (one BLAS product of the normalised rating matrix with
// its transpose) check the chunked one; on the full size a sample of users is
// checked against brute force.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xtensor.hpp>

#include "tools/lessons/lesson.hpp"
#include "vecnn/tensor/random.hpp"
#include "vecnn/tensor/threads.hpp"
#include "vecnn/tensor/worker_pool.hpp"

namespace vecnn::lessons {
namespace {

constexpr std::size_t kTop = 10;

struct Ratings {
    std::size_t users = 0, items = 0;
    std::vector<std::uint32_t> user_start, user_items;  // by user: items rated
    std::vector<float> user_values;
    std::vector<std::uint32_t> item_start, item_users;  // by item: users who rated it
    std::vector<float> item_values;
    std::vector<float> inverse_norms;  // 1 / |ratings of the user|
    std::uint64_t bytes() const {
        return (user_start.size() + user_items.size() + item_start.size() + item_users.size()) * 4 +
               (user_values.size() + item_values.size() + inverse_norms.size()) * 4;
    }
};

// Each user rates round(items * density) distinct items, 1 to 5 stars.
Ratings make_ratings(std::size_t users, std::size_t items, double density, std::uint64_t seed) {
    Ratings r;
    r.users = users;
    r.items = items;
    const std::size_t per_user = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(double(items) * density)));
    Rng rng(seed);
    r.user_start.reserve(users + 1);
    r.user_start.push_back(0);
    std::vector<std::uint32_t> chosen;
    std::vector<char> taken(items, 0);
    for (std::size_t u = 0; u < users; ++u) {
        chosen.clear();
        while (chosen.size() < per_user) {
            const auto i = static_cast<std::uint32_t>(rng.below(items));
            if (!taken[i]) {
                taken[i] = 1;
                chosen.push_back(i);
            }
        }
        std::sort(chosen.begin(), chosen.end());
        double norm = 0;
        for (std::uint32_t i : chosen) {
            taken[i] = 0;
            const float v = static_cast<float>(1 + rng.below(5));
            r.user_items.push_back(i);
            r.user_values.push_back(v);
            norm += double(v) * v;
        }
        r.inverse_norms.push_back(static_cast<float>(1.0 / std::sqrt(norm)));
        r.user_start.push_back(static_cast<std::uint32_t>(r.user_items.size()));
    }
    // The same ratings by item (counting sort).
    r.item_start.assign(items + 1, 0);
    for (std::uint32_t i : r.user_items) ++r.item_start[i + 1];
    std::partial_sum(r.item_start.begin(), r.item_start.end(), r.item_start.begin());
    r.item_users.resize(r.user_items.size());
    r.item_values.resize(r.user_items.size());
    std::vector<std::uint32_t> fill(r.item_start.begin(), r.item_start.end() - 1);
    for (std::size_t u = 0; u < users; ++u) {
        for (std::uint32_t p = r.user_start[u]; p < r.user_start[u + 1]; ++p) {
            const std::uint32_t at = fill[r.user_items[p]]++;
            r.item_users[at] = static_cast<std::uint32_t>(u);
            r.item_values[at] = r.user_values[p];
        }
    }
    return r;
}

// The top 10 of every user: their ids and similarities, best first.
struct Top {
    std::vector<std::uint32_t> ids;
    std::vector<float> scores;
    explicit Top(std::size_t users) : ids(users * kTop), scores(users * kTop) {}
};

// The 10 largest of row[0..n), self excluded, best first, into ids/scores.
void select_top(const float* row, std::size_t n, std::size_t self, std::uint32_t* ids, float* scores) {
    std::size_t count = 0;
    float threshold = -std::numeric_limits<float>::infinity();
    for (std::size_t v = 0; v < n; ++v) {
        const float s = row[v];
        if (s <= threshold || v == self) continue;
        // Insert into the sorted (descending) list of at most kTop.
        std::size_t pos = std::min(count, kTop - 1);
        while (pos > 0 && scores[pos - 1] < s) {
            if (pos < kTop) {
                scores[pos] = scores[pos - 1];
                ids[pos] = ids[pos - 1];
            }
            --pos;
        }
        scores[pos] = s;
        ids[pos] = static_cast<std::uint32_t>(v);
        if (count < kTop) ++count;
        if (count == kTop) threshold = scores[kTop - 1];
    }
}

// The chunked sparse version: blocks of `block` users, rows summed item by
// item into a dense block, spread over vecnn's compute threads row by row.
// Rows of scores are independent: a block of them is materialised (as NumPy
// must, to vectorize over it), or each thread keeps just the row it works on.
enum class Rows { block, one_per_thread };

void top_similar_sparse(const Ratings& r, std::size_t block, Rows keep, Top& top) {
    const std::size_t n = r.users;
    WorkerPool& pool = compute_pool();
    const std::size_t parts = pool.threads();
    if (keep == Rows::one_per_thread) block = n;
    std::vector<float> rows((keep == Rows::block ? block : parts) * n);
    for (std::size_t b0 = 0; b0 < n; b0 += block) {
        const std::size_t b1 = std::min(n, b0 + block);
        auto part = [&](std::size_t t) {
            for (std::size_t u = b0 + t; u < b1; u += parts) {
                float* row = rows.data() + (keep == Rows::block ? u - b0 : t) * n;
                std::fill(row, row + n, 0.0f);
                for (std::uint32_t p = r.user_start[u]; p < r.user_start[u + 1]; ++p) {
                    const std::uint32_t item = r.user_items[p];
                    const float value = r.user_values[p];
                    for (std::uint32_t q = r.item_start[item]; q < r.item_start[item + 1]; ++q) {
                        row[r.item_users[q]] += value * r.item_values[q];
                    }
                }
                const float iu = r.inverse_norms[u];
                for (std::size_t v = 0; v < n; ++v) row[v] *= iu * r.inverse_norms[v];
                select_top(row, n, u, top.ids.data() + u * kTop, top.scores.data() + u * kTop);
            }
        };
        pool.run(parts, part);
    }
}

// The loop version: every pair, a dense dot product over all items.
void top_similar_loops(const Ratings& r, Top& top) {
    const std::size_t n = r.users, m = r.items;
    std::vector<float> dense(n * m, 0.0f);
    for (std::size_t u = 0; u < n; ++u) {
        for (std::uint32_t p = r.user_start[u]; p < r.user_start[u + 1]; ++p) dense[u * m + r.user_items[p]] = r.user_values[p];
    }
    std::vector<float> row(n);
    for (std::size_t u = 0; u < n; ++u) {
        for (std::size_t v = 0; v < n; ++v) {
            double s = 0;
            for (std::size_t i = 0; i < m; ++i) s += double(dense[u * m + i]) * dense[v * m + i];
            row[v] = static_cast<float>(s * r.inverse_norms[u] * r.inverse_norms[v]);
        }
        select_top(row.data(), n, u, top.ids.data() + u * kTop, top.scores.data() + u * kTop);
    }
}

// The loop-free version: S = Rn Rn^T, Rn the rating matrix with rows normalised.
void top_similar_blas(const Ratings& r, Top& top) {
    const std::size_t n = r.users, m = r.items;
    xt::xtensor<float, 2> rn = xt::zeros<float>({n, m});
    for (std::size_t u = 0; u < n; ++u) {
        for (std::uint32_t p = r.user_start[u]; p < r.user_start[u + 1]; ++p) {
            rn(u, r.user_items[p]) = r.user_values[p] * r.inverse_norms[u];
        }
    }
    const xt::xtensor<float, 2> s = xt::linalg::dot(rn, xt::transpose(rn));
    for (std::size_t u = 0; u < n; ++u) select_top(&s(u, 0), n, u, top.ids.data() + u * kTop, top.scores.data() + u * kTop);
}

// Scores of user u against everyone, by brute force in double.
std::vector<double> brute_force_row(const Ratings& r, std::size_t u) {
    std::vector<double> dense(r.items, 0.0), row(r.users);
    for (std::uint32_t p = r.user_start[u]; p < r.user_start[u + 1]; ++p) dense[r.user_items[p]] = r.user_values[p];
    for (std::size_t v = 0; v < r.users; ++v) {
        double s = 0;
        for (std::uint32_t p = r.user_start[v]; p < r.user_start[v + 1]; ++p) s += dense[r.user_items[p]] * r.user_values[p];
        row[v] = s * r.inverse_norms[u] * r.inverse_norms[v];
    }
    return row;
}

// The top-10 scores of `users` (best first), flattened, from a Top.
std::vector<float> top_scores(const Top& top, const std::vector<std::size_t>& users) {
    std::vector<float> out;
    for (std::size_t u : users) out.insert(out.end(), top.scores.begin() + u * kTop, top.scores.begin() + (u + 1) * kTop);
    return out;
}

// Ids whose scores differ from the reference's are not ties: they must be the same users.
bool same_ids_but_ties(const Top& a, const Top& b, const std::vector<std::size_t>& users) {
    for (std::size_t u : users) {
        for (std::size_t k = 0; k < kTop; ++k) {
            const std::size_t i = u * kTop + k;
            if (a.ids[i] == b.ids[i]) continue;
            if (std::abs(a.scores[i] - b.scores[i]) > 1e-5f) return false;
        }
    }
    return true;
}

std::size_t block_for(const Ratings& r, std::uint64_t budget, std::uint64_t top_bytes) {
    const std::uint64_t fixed = r.bytes() + top_bytes;
    const std::uint64_t row_bytes = r.users * sizeof(float);
    const std::uint64_t slack = 64 << 10;  // the worker pool's and the vectors' own small allocations
    if (budget <= fixed + row_bytes + slack) return 1;
    // Past a few thousand rows a bigger block saves nothing: each row costs the same.
    return static_cast<std::size_t>(std::min<std::uint64_t>((budget - fixed - slack) / row_bytes, 4096));
}

}  // namespace

void lesson_chunking(Lesson& l) {
    // Small: every version, checked against the loops.
    {
        const std::size_t users = l.full() ? 2000 : 300, items = l.full() ? 1000 : 200;
        const Ratings r = make_ratings(users, items, 0.05, 11);
        std::vector<std::size_t> everyone(users);
        std::iota(everyone.begin(), everyone.end(), 0);
        Top loops(users), blas(users), chunked(users);
        l.table("top-10 similar users, small: " + std::to_string(users) + " users, " + std::to_string(items) +
                " items, 5% rated");
        l.measure("loops: every pair, dense dot products", [&] { top_similar_loops(r, loops); });
        const std::vector<float> ref = top_scores(loops, everyone);
        auto& b = l.measure("loop-free: S = Rn Rn^T by BLAS, then top 10", [&] { top_similar_blas(r, blas); });
        const std::vector<float> bs = top_scores(blas, everyone);
        l.compare(b, bs.data(), ref.data(), bs.size(), 1e-5, "float32 dot products of integer ratings, normalised");
        l.require(same_ids_but_ties(blas, loops, everyone), "the BLAS version's top-10 users are the loops' (ties aside)");
        const std::uint64_t small_budget = r.bytes() + users * kTop * 8 + 64 * users * sizeof(float) + (64 << 10);
        const std::size_t block = block_for(r, small_budget, users * kTop * 8);
        auto& c = l.measure("sparse, in blocks of " + std::to_string(block) + " users", [&] {
            top_similar_sparse(r, block, Rows::block, chunked);
        });
        const std::vector<float> cs = top_scores(chunked, everyone);
        l.compare(c, cs.data(), ref.data(), cs.size(), 1e-5, "float32 sums of integer products, normalised");
        l.require(same_ids_but_ties(chunked, loops, everyone), "the chunked version's top-10 users are the loops' (ties aside)");
        Top row_wise(users);
        auto& w = l.measure("sparse, one row of scores per thread", [&] {
            top_similar_sparse(r, 0, Rows::one_per_thread, row_wise);
        });
        const std::vector<float> ws = top_scores(row_wise, everyone);
        l.compare(w, ws.data(), ref.data(), ws.size(), 1e-5, "float32 sums of integer products, normalised");
        l.require(same_ids_but_ties(row_wise, loops, everyone),
                  "the row-per-thread version's top-10 users are the loops' (ties aside)");
    }

    // Full size (or the check size): the chunked version under each budget.
    const std::size_t users = l.full() ? 100000 : 2000, items = l.full() ? 10000 : 1000;
    const Ratings r = make_ratings(users, items, 0.01, 12);
    const std::uint64_t top_bytes = users * kTop * 8;
    std::vector<std::uint64_t> budgets{std::uint64_t{8} << 30, l.settings().budget_bytes};
    if (!l.full()) budgets = {r.bytes() + top_bytes + 256 * users * 4 + (64 << 10), r.bytes() + top_bytes + 16 * users * 4 + (64 << 10)};
    l.table("top-10 similar users of " + std::to_string(users) + " users over " + std::to_string(items) +
            " items, 1% rated (" + std::to_string(r.user_items.size()) + " ratings kept by user and by item: " +
            format_size(r.bytes()) + " in all; the full similarity matrix would be " +
            format_size(std::uint64_t{users} * users * 4) + ")");
    std::vector<Top> results;
    std::vector<std::uint64_t> met;  // the budgets that were run, in the order of results
    for (std::uint64_t budget : budgets) {
        // The least that can work: the ratings, the top-10 lists and one row of scores.
        const std::uint64_t least = r.bytes() + top_bytes + users * sizeof(float);
        if (budget < least) {
            l.skip("sparse, budget " + format_size(budget),
                   "the ratings, the top-10 lists and one row of scores need " + format_size(least))
                .extra["budget_bytes"] = budget;
            l.require(false, "the budget of " + format_size(budget) + " is too small: at least " +
                                 format_size(least) + " is needed");
            continue;
        }
        const std::size_t block = block_for(r, budget, top_bytes);
        results.emplace_back(users);
        met.push_back(budget);
        Top& top = results.back();
        auto& m = l.measure("sparse, blocks of " + std::to_string(block) + " users, budget " + format_size(budget), [&] {
            top_similar_sparse(r, block, Rows::block, top);
        });
        // What the computation holds: the ratings and the top-10 lists it fills
        // (allocated before it starts), and its peak extra heap.
        const std::uint64_t total = r.bytes() + top_bytes + m.peak_extra_bytes;
        m.extra["budget_bytes"] = budget;
        m.extra["block_users"] = block;
        m.extra["data_bytes"] = r.bytes() + top_bytes;
        m.extra["peak_total_bytes"] = total;
        l.require(total <= budget, "ratings (" + format_size(r.bytes()) + ") + top-10 lists (" +
                                       format_size(top_bytes) + ") + peak extra heap (" +
                                       format_size(m.peak_extra_bytes) + ") = " + format_size(total) +
                                       " stay within the budget of " + format_size(budget));
    }
    {
        // No block at all: each thread needs one row of scores, whatever the budget.
        results.emplace_back(users);
        met.push_back(0);
        Top& top = results.back();
        auto& m = l.measure("sparse, one row of scores per thread", [&] {
            top_similar_sparse(r, 0, Rows::one_per_thread, top);
        });
        const std::uint64_t total = r.bytes() + top_bytes + m.peak_extra_bytes;
        m.extra["data_bytes"] = r.bytes() + top_bytes;
        m.extra["peak_total_bytes"] = total;
        l.require(total <= budgets.back(), "one row per thread: ratings + top-10 lists + peak extra heap (" +
                                               format_size(m.peak_extra_bytes) + ") = " + format_size(total) +
                                               ", within the smaller budget (" + format_size(budgets.back()) + ")");
    }
    // A sample of users against brute force.
    Rng pick(13);
    std::vector<std::size_t> sample;
    for (int i = 0; i < 20; ++i) sample.push_back(static_cast<std::size_t>(pick.below(users)));
    Top brute(users);
    for (std::size_t u : sample) {
        const std::vector<double> row = brute_force_row(r, u);
        std::vector<float> rowf(row.begin(), row.end());
        select_top(rowf.data(), users, u, brute.ids.data() + u * kTop, brute.scores.data() + u * kTop);
    }
    const std::vector<float> want = top_scores(brute, sample);
    for (std::size_t b = 0; b < results.size(); ++b) {
        const std::vector<float> got = top_scores(results[b], sample);
        double worst = 0;
        for (std::size_t i = 0; i < got.size(); ++i) worst = std::max(worst, double(std::abs(got[i] - want[i])));
        l.require(worst <= 1e-5 && same_ids_but_ties(results[b], brute, sample),
                  (met[b] ? "budget " + format_size(met[b]) : std::string("one row per thread")) + ": the top-10 lists of 20 sampled users match brute force "
                  "(largest score difference " + format_number(worst) + ")");
    }
}

}  // namespace vecnn::lessons
