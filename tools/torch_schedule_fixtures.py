#!/usr/bin/python3
"""Reference learning rates of torch.optim.lr_scheduler, for tests/test_lr_schedule.cpp.

Regenerate (needs torch, e.g. Debian's python3-torch):

    /usr/bin/python3 tools/torch_schedule_fixtures.py   # writes tests/data/optim/schedules.txt

One line per schedule: its name, vecnn's options as key=value, then the lr
of epochs 0..EPOCHS-1 ("%.17g": exact), as a training loop that calls
scheduler.step() after every epoch sees them (optimizer.param_groups[0]["lr"]).
"""

import os

import torch

EPOCHS = 25
BASE_LR = 0.1
SCHEDULES = [
    ("step", "kind=step step_size=3 gamma=0.5", lambda o: torch.optim.lr_scheduler.StepLR(o, 3, gamma=0.5)),
    ("multistep", "kind=multistep milestones=2,5,5,11 gamma=0.3",
     lambda o: torch.optim.lr_scheduler.MultiStepLR(o, [2, 5, 5, 11], gamma=0.3)),
    ("cosine", "kind=cosine t_max=10 eta_min=0.001",
     lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 10, eta_min=0.001)),
    ("cosine_zero", "kind=cosine t_max=7 eta_min=0", lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 7)),
    ("linear", "kind=linear start_factor=0.25 end_factor=1 total_iters=4",
     lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4)),
    ("linear_default", "kind=linear", lambda o: torch.optim.lr_scheduler.LinearLR(o)),
]


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "optim", "schedules.txt")
    lines = ["# <name> <key=value ...> : lr of epochs 0..%d from base lr %r; torch %s" % (EPOCHS - 1, BASE_LR,
                                                                                        torch.__version__)]
    for name, options, make in SCHEDULES:
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=BASE_LR)
        scheduler = make(opt)
        lrs = []
        for _ in range(EPOCHS):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            scheduler.step()
        lines.append("%s %s : %s" % (name, options, " ".join("%.17g" % v for v in lrs)))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", os.path.relpath(out))


if __name__ == "__main__":
    main()
