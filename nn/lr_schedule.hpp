// Learning-rate schedules of torch.optim.lr_scheduler, stepped once per
// epoch as PyTorch's examples do (scheduler.step() after each epoch):
//   step       StepLR(step_size, gamma)
//   multistep  MultiStepLR(milestones, gamma)
//   cosine     CosineAnnealingLR(t_max, eta_min)
//   linear     LinearLR(start_factor, end_factor, total_iters): a linear warm-up
// lr_at(epoch) replays PyTorch's own recursive update (the "chainable" form
// its step() uses) from the base lr, in double, so the values are PyTorch's to
// the last bit, and a run resumed at any epoch gets the same lr again.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace vecnn {

struct LrScheduleOptions {
    std::string kind = "none";  // none | step | multistep | cosine | linear
    std::size_t step_size = 1;            // step
    double gamma = 0.1;                   // step, multistep
    std::vector<std::size_t> milestones;  // multistep: epochs, increasing
    std::size_t t_max = 1;                // cosine
    double eta_min = 0;                   // cosine
    double start_factor = 1.0 / 3;        // linear
    double end_factor = 1;                // linear
    std::size_t total_iters = 5;          // linear
};

// The kinds, in one place.
const std::vector<std::string>& lr_schedule_names();

class LrSchedule {
public:
    // Throws std::invalid_argument naming the option on a bad kind or value.
    LrSchedule(LrScheduleOptions options, double base_lr);
    // The lr of epoch `epoch` (0-based: the lr the first epoch trains with is lr_at(0)).
    double lr_at(std::size_t epoch) const;
    const LrScheduleOptions& options() const { return options_; }
    std::string describe() const;  // e.g. "cosine(t_max=10, eta_min=0)"

private:
    double next(double lr, std::size_t epoch) const;  // PyTorch's get_lr() at last_epoch = epoch

    LrScheduleOptions options_;
    double base_lr_;
};

}  // namespace vecnn
