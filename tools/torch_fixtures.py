#!/usr/bin/env python3
"""Reference fixtures for vecnn's optimizers, computed by torch.optim.

Regenerate (needs torch, e.g. Debian's python3-torch, so use the system
Python if a virtualenv or pyenv shadows it):

    /usr/bin/python3 tools/torch_fixtures.py            # writes tests/data/optim/
    /usr/bin/python3 tools/torch_fixtures.py --out DIR  # somewhere else

For each optimizer config and for float64 and float32 this writes one text
file, `<config>.<f64|f32>.txt`. The parameters are those of the model
"linear(3,4),tanh,linear(4,2)" (torch.nn.Sequential(Linear(3,4), Tanh(),
Linear(4,2))) flattened in state_dict order, which is exactly vecnn's flat
parameter buffer. Random gradients are set by hand (no forward pass), the
optimizer steps, and the parameters after every step are recorded, followed
by the optimizer state after the last step (flattened the same way).

Format (read by tests/test_optimizers.cpp, no Python needed there):
    # comment lines
    <key> <value>            options: optimizer, dtype, lr, momentum, ...
    array <name> <n>         followed by n numbers, one per line
Arrays: "initial", "lr" (the lr set before each step), "grad.<k>" and
"param.<k>" for steps k = 1..steps, "state.<name>" (torch's state names:
momentum_buffer, exp_avg, exp_avg_sq, step). Numbers are written with "%.17g"
(float64) or "%.9g" (float32), which read back exactly.

torch.optim runs its single-tensor (foreach=False) code. Its CPU kernels
round like this on an x86 machine with FMA (checked when this was written):
add_(x, alpha=a) and addcmul_ are one fused multiply-add, addcdiv_(t1, t2,
value=v) is self + (v*t1)/t2. vecnn mirrors that, so float64 results agree
to the last bit or nearly; tests allow 1e-12 relative.
"""

import argparse
import os

import torch

MODEL_SPEC = "linear(3,4),tanh,linear(4,2)"
STEPS = 6

# name -> (optimizer, options, learning rate before each step)
CONFIGS = {
    "sgd_plain": ("sgd", dict(lr=0.1), [0.1] * STEPS),
    # lr drops after step 3: set_lr must take effect mid-run.
    "sgd_momentum_dampening": ("sgd", dict(lr=0.05, momentum=0.9, dampening=0.3),
                               [0.05, 0.05, 0.05, 0.02, 0.02, 0.02]),
    "sgd_nesterov_weight_decay": ("sgd", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01),
                                  [0.05] * STEPS),
    "adam_default": ("adam", dict(lr=1e-3), [1e-3] * STEPS),
    "adam_weight_decay_betas": ("adam", dict(lr=0.01, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.05),
                                [0.01, 0.01, 0.01, 0.003, 0.003, 0.003]),
    "adamw_default": ("adamw", dict(lr=1e-3), [1e-3] * STEPS),
    "adamw_betas_decay": ("adamw", dict(lr=0.01, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1),
                          [0.01, 0.01, 0.01, 0.003, 0.003, 0.003]),
    "rmsprop_default": ("rmsprop", dict(lr=0.01), [0.01] * STEPS),
    "rmsprop_centered_momentum": ("rmsprop", dict(lr=0.005, alpha=0.9, eps=1e-6, weight_decay=0.01, momentum=0.5,
                                                  centered=True), [0.005, 0.005, 0.005, 0.002, 0.002, 0.002]),
    "adagrad_default": ("adagrad", dict(lr=0.01), [0.01] * STEPS),
    "adagrad_decay_initial": ("adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.01,
                                              initial_accumulator_value=0.1, eps=1e-8), [0.1] * STEPS),
}
OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
              "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad}
# Each optimizer's state names in torch (vecnn's are the same), given its options.
STATE_NAMES = {
    "sgd": lambda o: ["momentum_buffer"] if o.get("momentum", 0) != 0 else [],
    "adam": lambda o: ["exp_avg", "exp_avg_sq", "step"],
    "adamw": lambda o: ["exp_avg", "exp_avg_sq", "step"],
    "rmsprop": lambda o: (["square_avg", "step"] + (["momentum_buffer"] if o.get("momentum", 0) > 0 else [])
                          + (["grad_avg"] if o.get("centered", False) else [])),
    "adagrad": lambda o: ["sum", "step"],
}

# Options written to the file, with vecnn's names (betas split in two).
# Options written to the file, with vecnn's names (betas split in two), and torch's defaults.
KEYS = {
    "sgd": dict(lr=None, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False),
    "adam": dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0),
    "adamw": dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2),
    "rmsprop": dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False),
    "adagrad": dict(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10),
}


def make_model():
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()


def flat(tensors):
    return torch.cat([t.detach().reshape(-1) for t in tensors])


def draw_gradients(count, seed):
    """STEPS float64 gradient vectors with magnitudes spread over 1e-3..10."""
    g = torch.Generator().manual_seed(seed)
    grads = []
    for _ in range(STEPS):
        scale = 10.0 ** (torch.rand(count, generator=g, dtype=torch.float64) * 4 - 3)
        grads.append(torch.randn(count, generator=g, dtype=torch.float64) * scale)
    grads[2][5] = 0.0  # an exact zero gradient (Adam: denom is eps-dominated there)
    return grads


def run(kind, options, lrs, initial, grads, dtype):
    model = make_model().to(dtype)
    params = list(model.parameters())
    # clone: for float64 .to() is a no-op and the parameters would become views of `initial`
    torch.nn.utils.vector_to_parameters(initial.to(dtype).clone(), params)
    opt = OPTIMIZERS[kind](params, foreach=False, **options)
    history = []
    for lr, grad in zip(lrs, grads):
        opt.param_groups[0]["lr"] = lr
        offset = 0
        for p in params:
            n = p.numel()
            p.grad = grad[offset:offset + n].to(dtype).reshape(p.shape).clone()
            offset += n
        opt.step()
        history.append(flat(params))
    state = {}
    for name in STATE_NAMES[kind](options):
        if name == "step":
            state[name] = torch.tensor([float(opt.state[params[0]]["step"])], dtype=torch.float64)
        else:
            state[name] = flat([opt.state[p][name] for p in params])
    return history, state


def option_values(kind, options):
    """All options of the config, torch's defaults filled in, in vecnn's names."""
    d = dict(KEYS[kind])
    d.update(options)
    if "betas" in d:
        d["beta1"], d["beta2"] = d.pop("betas")
    return [(k, d[k]) for k in KEYS[kind]]


def write(path, kind, options, lrs, initial, grads, history, state, dtype):
    fmt = "%.17g" if dtype == torch.float64 else "%.9g"
    tag = "float64" if dtype == torch.float64 else "float32"
    lines = [
        "# vecnn optimizer fixture: generated by tools/torch_fixtures.py, do not edit",
        "# torch %s, torch.optim.%s(foreach=False), %s" % (torch.__version__, OPTIMIZERS[kind].__name__, tag),
        "optimizer %s" % kind,
        "dtype %s" % tag,
        "model %s" % MODEL_SPEC,
        "steps %d" % len(grads),
    ]
    for key, value in option_values(kind, options):
        lines.append("%s %s" % (key, (1 if value else 0) if isinstance(value, bool) else repr(float(value))))

    def array(name, values, number_format=fmt):
        values = [float(v) for v in values]
        lines.append("array %s %d" % (name, len(values)))
        lines.extend(number_format % v for v in values)

    array("initial", initial.to(dtype))
    array("lr", lrs, "%.17g")  # Python floats (doubles) for both dtypes, as torch holds them
    for k, (grad, params) in enumerate(zip(grads, history), start=1):
        array("grad.%d" % k, grad.to(dtype))
        array("param.%d" % k, params)
    for name, values in state.items():
        array("state." + name, values.to(dtype) if name != "step" else values)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(here, "..", "tests", "data", "optim"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    torch.manual_seed(20240601)
    torch.set_default_dtype(torch.float64)  # initialise in float64: full 53-bit parameters
    initial = flat(make_model().parameters())  # torch's default Linear init
    for seed, (name, (kind, options, lrs)) in enumerate(CONFIGS.items(), start=1):
        grads = draw_gradients(initial.numel(), seed)
        for dtype, suffix in ((torch.float64, "f64"), (torch.float32, "f32")):
            history, state = run(kind, options, lrs, initial, grads, dtype)
            path = os.path.join(args.out, "%s.%s.txt" % (name, suffix))
            write(path, kind, options, lrs, initial, grads, history, state, dtype)
            print("wrote", os.path.relpath(path))


if __name__ == "__main__":
    main()
