#include "vecnn/nn/lr_schedule.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "vecnn/nn/layer_spec.hpp"

namespace vecnn {

namespace {
void require(bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("lr schedule: " + what);
}
}  // namespace

const std::vector<std::string>& lr_schedule_names() {
    static const std::vector<std::string> names{"none", "step", "multistep", "cosine", "linear"};
    return names;
}

LrSchedule::LrSchedule(LrScheduleOptions options, double base_lr) : options_(std::move(options)), base_lr_(base_lr) {
    const auto& o = options_;
    const auto& names = lr_schedule_names();
    require(std::find(names.begin(), names.end(), o.kind) != names.end(),
            "unknown kind '" + o.kind + "' (expected none, step, multistep, cosine or linear)");
    require(std::isfinite(o.gamma) && o.gamma > 0, "gamma " + format_number(o.gamma) + " must be finite and > 0");
    require(o.step_size > 0, "step_size must be at least 1");
    require(o.t_max > 0, "t_max must be at least 1");
    require(std::isfinite(o.eta_min) && o.eta_min >= 0, "eta_min " + format_number(o.eta_min) + " must be >= 0");
    require(std::isfinite(o.start_factor) && o.start_factor > 0 && o.start_factor <= 1,
            "start_factor " + format_number(o.start_factor) + " must be in (0, 1]");
    require(std::isfinite(o.end_factor) && o.end_factor >= 0 && o.end_factor <= 1,
            "end_factor " + format_number(o.end_factor) + " must be in [0, 1]");
    require(o.total_iters > 0, "total_iters must be at least 1");
    require(o.kind != "multistep" || !o.milestones.empty(), "multistep needs milestones");
    require(std::is_sorted(o.milestones.begin(), o.milestones.end()), "milestones must be increasing");
}

std::string LrSchedule::describe() const {
    const auto& o = options_;
    if (o.kind == "step") return "step(step_size=" + std::to_string(o.step_size) + ", gamma=" + format_number(o.gamma) + ")";
    if (o.kind == "multistep") {
        std::string m;
        for (std::size_t e : o.milestones) m += (m.empty() ? "" : ",") + std::to_string(e);
        return "multistep(milestones=" + m + ", gamma=" + format_number(o.gamma) + ")";
    }
    if (o.kind == "cosine") return "cosine(t_max=" + std::to_string(o.t_max) + ", eta_min=" + format_number(o.eta_min) + ")";
    if (o.kind == "linear") {
        return "linear(start_factor=" + format_number(o.start_factor) + ", end_factor=" + format_number(o.end_factor) +
               ", total_iters=" + std::to_string(o.total_iters) + ")";
    }
    return "none";
}

// PyTorch 1.13's get_lr() of each scheduler at last_epoch = e >= 1, from the
// lr of epoch e - 1 (the recursive form step() uses).
double LrSchedule::next(double lr, std::size_t e) const {
    const auto& o = options_;
    if (o.kind == "step") return e % o.step_size == 0 ? lr * o.gamma : lr;
    if (o.kind == "multistep") {
        const auto hits = std::count(o.milestones.begin(), o.milestones.end(), e);
        return hits == 0 ? lr : lr * std::pow(o.gamma, static_cast<double>(hits));
    }
    if (o.kind == "cosine") {
        const double t_max = static_cast<double>(o.t_max), pi = 3.14159265358979323846;
        const double last = static_cast<double>(e);
        if ((static_cast<long long>(e) - 1 - static_cast<long long>(o.t_max)) % (2 * static_cast<long long>(o.t_max)) == 0) {
            return lr + (base_lr_ - o.eta_min) * (1 - std::cos(pi / t_max)) / 2;
        }
        return (1 + std::cos(pi * last / t_max)) / (1 + std::cos(pi * (last - 1) / t_max)) * (lr - o.eta_min) +
               o.eta_min;
    }
    if (o.kind == "linear") {
        if (e > o.total_iters) return lr;
        const double change = o.end_factor - o.start_factor;
        return lr * (1.0 + change / (static_cast<double>(o.total_iters) * o.start_factor +
                                     static_cast<double>(e - 1) * change));
    }
    return lr;
}

double LrSchedule::lr_at(std::size_t epoch) const {
    double lr = options_.kind == "linear" ? base_lr_ * options_.start_factor : base_lr_;  // last_epoch = 0
    for (std::size_t e = 1; e <= epoch; ++e) lr = next(lr, e);
    return lr;
}

}  // namespace vecnn
