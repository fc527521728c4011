#!/usr/bin/env python3
"""Reference runs of `vecnn train` computed by PyTorch, for tests/test_cli_torch.cpp.

Regenerate (needs torch and numpy, e.g. Debian's python3-torch, so use the
system Python if a virtualenv or pyenv shadows it):

    /usr/bin/python3 tools/torch_cli_fixtures.py   # writes tests/data/torch_cli/

Writes x.npy (20, 6) float64 features, labels.npy (20,) int64 class
indices, rows.npy (20, 3) float64 regression targets, probabilities.npy
(20, 3) targets of the binary loss, and init.npz, the
float64 parameters of torch.nn.Sequential(Linear(6,8), Tanh(), Linear(8,8),
ReLU(), Linear(8,3)) = vecnn's "linear(6,8),tanh,linear(8,8),relu,linear(8,3)".
For every config in CONFIGS it trains that model in float64 exactly as
`vecnn train --dtype float64 --no-shuffle --init init.npz --batch-size 8
--epochs 2` does (rows in order, batches of 8, 8 and 4, mean loss per
batch) and writes <config>.grads.npz (the gradients of the last step, just
before the update) and <config>.params.npz (the parameters after training;
the loss is the config's, with its reduction: mean, or sum per batch),
keyed like the state_dict. configs.txt lists each config's loss and
optimizer flags for the test.
"""

import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "torch_cli")

CONFIGS = {
    "sgd_momentum_wd": ("cross-entropy", "--optimizer sgd --lr 0.1 --momentum 0.9 --weight-decay 0.01",
                        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01)),
    "sgd_nesterov": ("cross-entropy", "--optimizer sgd --lr 0.05 --momentum 0.8 --nesterov --weight-decay 0.001",
                     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.001)),
    "sgd_dampening": ("cross-entropy", "--optimizer sgd --lr 0.1 --momentum 0.9 --dampening 0.5",
                      lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.5)),
    "adam": ("cross-entropy", "--optimizer adam --lr 0.01",
             lambda p: torch.optim.Adam(p, lr=0.01)),
    "adam_wd_betas": ("cross-entropy", "--optimizer adam --lr 0.02 --beta1 0.8 --beta2 0.99 --eps 1e-7 --weight-decay 0.01",
                      lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-7, weight_decay=0.01)),
    "mse_sgd": ("mse", "--optimizer sgd --lr 0.1 --momentum 0.9",
                lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    "mse_adam": ("mse", "--optimizer adam --lr 0.01",
                 lambda p: torch.optim.Adam(p, lr=0.01)),
    "huber_sum_sgd": ("huber", "--huber-delta 0.5 --reduction sum --optimizer sgd --lr 0.01 --momentum 0.9",
                      lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9)),
    "smooth_l1_adam": ("smooth-l1", "--smooth-l1-beta 0.25 --optimizer adam --lr 0.01",
                       lambda p: torch.optim.Adam(p, lr=0.01)),
    "bce_pos_weight_sgd": ("bce-with-logits", "--pos-weight 0.5,2,3 --optimizer sgd --lr 0.1 --momentum 0.9",
                           lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    "adamw": ("cross-entropy", "--optimizer adamw --lr 0.01 --weight-decay 0.05",
              lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.05)),
    "rmsprop_centered": ("cross-entropy", "--optimizer rmsprop --lr 0.005 --alpha 0.9 --momentum 0.5 --centered",
                         lambda p: torch.optim.RMSprop(p, lr=0.005, alpha=0.9, momentum=0.5, centered=True)),
    "adagrad": ("mse", "--optimizer adagrad --lr 0.1 --lr-decay 0.01 --initial-accumulator-value 0.1",
                lambda p: torch.optim.Adagrad(p, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    "sgd_clip": ("cross-entropy", "--clip-grad-norm 0.3 --optimizer sgd --lr 0.1 --momentum 0.9",
                 lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
}
# Configs whose gradient is clipped to a global 2-norm before each step.
CLIP = {"sgd_clip": 0.3}
# The torch.nn loss of each config (default: its loss name's module with defaults).
LOSS_MODULES = {
    "huber_sum_sgd": lambda: torch.nn.HuberLoss(delta=0.5, reduction="sum"),
    "smooth_l1_adam": lambda: torch.nn.SmoothL1Loss(beta=0.25),
    "bce_pos_weight_sgd": lambda: torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([0.5, 2.0, 3.0])),
}
BATCH, EPOCHS = 8, 2


def make_model():
    return torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8), torch.nn.ReLU(),
                               torch.nn.Linear(8, 3))


def save_npz(path, tensors):
    np.savez(path, **{k: v.detach().numpy() for k, v in tensors.items()})


def main():
    torch.set_default_dtype(torch.float64)
    os.makedirs(OUT, exist_ok=True)
    gen = np.random.default_rng(2024)
    x = gen.normal(size=(20, 6))
    labels = gen.integers(0, 3, size=20).astype(np.int64)
    rows = gen.normal(size=(20, 3))
    np.save(os.path.join(OUT, "x.npy"), x)
    np.save(os.path.join(OUT, "labels.npy"), labels)
    np.save(os.path.join(OUT, "rows.npy"), rows)
    # Targets of the binary loss: probabilities in [0, 1] (drawn after the others, which stay as they were).
    probabilities = gen.uniform(size=(20, 3))
    np.save(os.path.join(OUT, "probabilities.npy"), probabilities)
    torch.manual_seed(7)
    init = make_model().state_dict()
    save_npz(os.path.join(OUT, "init.npz"), init)

    lines = []
    for name, (loss_name, flags, make_opt) in CONFIGS.items():
        model = make_model()
        model.load_state_dict(init)
        opt = make_opt(model.parameters())
        if name in LOSS_MODULES:
            loss_fn = LOSS_MODULES[name]()
        else:
            loss_fn = torch.nn.CrossEntropyLoss() if loss_name == "cross-entropy" else torch.nn.MSELoss()
        xt = torch.from_numpy(x)
        if loss_name == "cross-entropy":
            yt = torch.from_numpy(labels)
        elif loss_name == "bce-with-logits":
            yt = torch.from_numpy(probabilities)
        else:
            yt = torch.from_numpy(rows)
        grads = None
        for _ in range(EPOCHS):
            for start in range(0, len(x), BATCH):
                opt.zero_grad()
                loss = loss_fn(model(xt[start:start + BATCH]), yt[start:start + BATCH])
                loss.backward()
                if name in CLIP:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP[name])
                grads = {k: p.grad.clone() for k, p in model.named_parameters()}
                opt.step()
        save_npz(os.path.join(OUT, name + ".grads.npz"), grads)
        save_npz(os.path.join(OUT, name + ".params.npz"), model.state_dict())
        lines.append(f"{name} {loss_name} {flags}")
    with open(os.path.join(OUT, "configs.txt"), "w") as f:
        f.write("# <config> <loss> <optimizer flags...>; written by tools/torch_cli_fixtures.py\n")
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
