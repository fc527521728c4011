#!/usr/bin/python3
"""Reference fixtures for vecnn's newer activations and losses, computed by torch.nn.

Regenerate (needs torch, e.g. Debian's python3-torch; use the system Python
if a virtualenv or pyenv shadows it):

    /usr/bin/python3 tools/torch_layer_fixtures.py            # writes tests/data/torch_layers/ and torch_losses/
    /usr/bin/python3 tools/torch_layer_fixtures.py --out DIR  # DIR/torch_layers/, DIR/torch_losses/

For each layer (its vecnn model-spec token and the torch.nn module built
with the same arguments) and for float64 and float32, one text file
`<name>.<f64|f32>.txt`: an input batch x (random values, and the places
where the math changes: 0, tiny, large, the Softplus threshold), the
output y = layer(x), an upstream gradient dy, and dx = dy^T dy/dx from
autograd. Read by tests/test_activations.cpp, no Python needed there.
Image layers (conv2d, maxpool2d, flatten, and a small CNN) add their input
shape, the parameters under their state_dict keys and the parameter
gradients ("grad.<key>"); read by tests/test_conv.cpp.

Format:
    # comment lines
    spec <model-spec token>          (layers)
    loss <name>, reduction, delta, beta  (losses)
    dtype float64|float32
    shape <rows> <cols>
    array <name> <n>     followed by n numbers, one per line ("%.17g" or "%.9g": exact)
"""

import argparse
import os

import torch

LAYERS = [
    ("leaky_relu", "leaky_relu(0.01)", lambda: torch.nn.LeakyReLU(0.01)),
    ("leaky_relu_0.2", "leaky_relu(slope=0.2)", lambda: torch.nn.LeakyReLU(0.2)),
    ("gelu", "gelu", lambda: torch.nn.GELU()),
    ("softplus", "softplus", lambda: torch.nn.Softplus()),
    ("softplus_beta2", "softplus(beta=2,threshold=5)", lambda: torch.nn.Softplus(beta=2.0, threshold=5.0)),
]
ROWS, COLS = 6, 12


def inputs(dtype):
    g = torch.Generator().manual_seed(3)
    x = torch.randn(ROWS, COLS, generator=g, dtype=torch.float64) * 3
    special = [0.0, -0.0, 1e-6, -1e-6, 2.5, 2.50001, 10.0, 20.0, 20.5, -20.5, 60.0, -60.0]
    x[0, :] = torch.tensor(special, dtype=torch.float64)
    x[1, :] = torch.linspace(-8, 8, COLS, dtype=torch.float64)
    return x.to(dtype)


def write(path, token, dtype, arrays):
    fmt = "%.17g" if dtype == torch.float64 else "%.9g"
    with open(path, "w") as f:
        f.write("# torch %s, torch.nn module on x; dx by autograd from dy\n" % torch.__version__)
        f.write("spec %s\n" % token)
        f.write("dtype %s\n" % ("float64" if dtype == torch.float64 else "float32"))
        f.write("shape %d %d\n" % (ROWS, COLS))
        for name, t in arrays:
            flat = t.detach().reshape(-1).tolist()
            f.write("array %s %d\n" % (name, len(flat)))
            f.writelines(fmt % v + "\n" for v in flat)


# Image layers: name, vecnn spec, input shape (C, H, W), torch.nn.Sequential
# with the same layers. The parameters travel in the fixture under their
# state_dict keys, with their gradients ("grad.<key>").
IMAGE_LAYERS = [
    ("conv", "conv2d(2,3,3)", (2, 6, 7), lambda: torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3))),
    ("conv_stride_pad", "conv2d(2,4,3,stride=2,padding=1)", (2, 7, 6),
     lambda: torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3, stride=2, padding=1))),
    ("conv_k1", "conv2d(3,2,1)", (3, 4, 5), lambda: torch.nn.Sequential(torch.nn.Conv2d(3, 2, 1))),
    ("conv_k5_p2", "conv2d(1,2,5,p=2)", (1, 5, 5), lambda: torch.nn.Sequential(torch.nn.Conv2d(1, 2, 5, padding=2))),
    ("maxpool", "maxpool2d(2)", (3, 6, 7), lambda: torch.nn.Sequential(torch.nn.MaxPool2d(2))),
    ("maxpool_stride_pad", "maxpool2d(3,stride=2,padding=1)", (2, 7, 7),
     lambda: torch.nn.Sequential(torch.nn.MaxPool2d(3, stride=2, padding=1))),
    ("maxpool_ties", "maxpool2d(2,stride=1)", (2, 5, 5), lambda: torch.nn.Sequential(torch.nn.MaxPool2d(2, stride=1))),
    ("cnn", "conv2d(1,4,3,padding=1),relu,maxpool2d(2),conv2d(4,3,3),tanh,flatten,linear(12,5)", (1, 8, 8),
     lambda: torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                 torch.nn.Conv2d(4, 3, 3), torch.nn.Tanh(), torch.nn.Flatten(),
                                 torch.nn.Linear(12, 5))),
]
IMAGE_ROWS = 3


def image_fixture(out, name, token, shape, make, dtype, suffix):
    torch.manual_seed(11)
    model = make().to(dtype)
    g = torch.Generator().manual_seed(12)
    x = torch.randn((IMAGE_ROWS,) + shape, generator=g, dtype=torch.float64)
    if name.endswith("ties"):  # few distinct values: equal maxima in most windows
        x = torch.randint(-2, 3, x.shape, generator=g).to(torch.float64)
    x = x.to(dtype).requires_grad_(True)
    y = model(x)
    dy = torch.randn(y.shape, generator=g, dtype=torch.float64).to(dtype)
    y.backward(dy)
    fmt = "%.17g" if dtype == torch.float64 else "%.9g"
    with open(os.path.join(out, "%s.%s.txt" % (name, suffix)), "w") as f:
        f.write("# torch %s, torch.nn.Sequential on x; dx and the parameter gradients by autograd from dy\n"
                % torch.__version__)
        f.write("spec %s\n" % token)
        f.write("input_shape %s\n" % ",".join(str(d) for d in shape))
        f.write("dtype %s\n" % ("float64" if dtype == torch.float64 else "float32"))
        f.write("rows %d\n" % IMAGE_ROWS)
        arrays = [("x", x), ("y", y), ("dy", dy), ("dx", x.grad)]
        for key, p in model.state_dict(keep_vars=True).items():
            arrays += [(key, p), ("grad." + key, p.grad)]
        for array, v in arrays:
            flat = v.detach().reshape(-1).tolist()
            f.write("array %s %d\n" % (array, len(flat)))
            f.writelines(fmt % e + "\n" for e in flat)


def dropout_fixture(out, dtype, suffix, p=0.3):
    """torch.nn.Dropout(p) in training mode: its mask is torch's own, so the
    fixture holds x, y, dy and dx; vecnn's test checks its scaling on the
    elements torch kept (y = x / (1 - p) in the dtype, dx = dy / (1 - p))."""
    torch.manual_seed(13)
    g = torch.Generator().manual_seed(14)
    x = (torch.randn(ROWS, COLS, generator=g, dtype=torch.float64) * 3).to(dtype).requires_grad_(True)
    y = torch.nn.Dropout(p).train()(x)
    dy = torch.randn(ROWS, COLS, generator=g, dtype=torch.float64).to(dtype)
    (dx,) = torch.autograd.grad(y, x, dy)
    write(os.path.join(out, "dropout.%s.txt" % suffix), "dropout(%r)" % p, dtype,
          [("x", x), ("y", y), ("dy", dy), ("dx", dx)])


LOSSES = [
    # name, vecnn loss, options, torch module, targets: "labels" or a function of the generator
    ("nll_mean", "nll", {}, lambda: torch.nn.NLLLoss(), "labels"),
    ("nll_sum", "nll", {"reduction": "sum"}, lambda: torch.nn.NLLLoss(reduction="sum"), "labels"),
    ("bce", "bce-with-logits", {}, lambda: torch.nn.BCEWithLogitsLoss(), "probabilities"),
    ("bce_sum", "bce-with-logits", {"reduction": "sum"}, lambda: torch.nn.BCEWithLogitsLoss(reduction="sum"),
     "binary"),
    ("bce_pos_weight", "bce-with-logits", {"pos_weight": [0.5, 1, 2, 3, 0.25, 4, 1.5, 2.5, 1, 1, 0, 8]},
     None, "binary"),
    ("huber", "huber", {}, lambda: torch.nn.HuberLoss(), "rows"),
    ("huber_delta", "huber", {"delta": 0.5, "reduction": "sum"},
     lambda: torch.nn.HuberLoss(delta=0.5, reduction="sum"), "rows"),
    ("smooth_l1", "smooth-l1", {}, lambda: torch.nn.SmoothL1Loss(), "rows"),
    ("smooth_l1_beta", "smooth-l1", {"beta": 0.25}, lambda: torch.nn.SmoothL1Loss(beta=0.25), "rows"),
]


def loss_fixture(out, name, loss, options, make, kind, dtype, suffix):
    g = torch.Generator().manual_seed(5)
    x = (torch.randn(ROWS, COLS, generator=g, dtype=torch.float64) * 4).to(dtype)
    x[0, :] = torch.tensor([0.0, 30.0, -30.0, 100.0, -100.0, 1e-6, 0.4, -0.4, 0.5, -0.5, 2.0, -2.0], dtype=dtype)
    if kind == "labels":
        x = torch.log_softmax(x, dim=1).detach()
        t = torch.randint(0, COLS, (ROWS,), generator=g)
    elif kind == "probabilities":
        t = torch.rand(ROWS, COLS, generator=g, dtype=torch.float64).to(dtype)
    elif kind == "binary":
        t = (torch.rand(ROWS, COLS, generator=g, dtype=torch.float64) > 0.5).to(dtype)
    else:
        t = (x.to(torch.float64) + torch.randn(ROWS, COLS, generator=g, dtype=torch.float64)).to(dtype)
        t[0, :] = x[0, :] + torch.tensor([0.0, 0.5, -0.5, 0.25, -0.25, 1.0, -1.0, 3.0, -3.0, 0.1, 2.0, -2.0],
                                         dtype=dtype)
    if make is None:  # pos_weight: a tensor of the model's dtype
        module = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(options["pos_weight"], dtype=dtype))
    else:
        module = make()
    x = x.clone().requires_grad_(True)
    value = module(x, t)
    (dx,) = torch.autograd.grad(value, x)
    fmt = "%.17g" if dtype == torch.float64 else "%.9g"
    path = os.path.join(out, "%s.%s.txt" % (name, suffix))
    with open(path, "w") as f:
        f.write("# torch %s, torch.nn loss on x and targets; dx by autograd\n" % torch.__version__)
        f.write("loss %s\n" % loss)
        f.write("dtype %s\n" % ("float64" if dtype == torch.float64 else "float32"))
        f.write("shape %d %d\n" % (ROWS, COLS))
        f.write("reduction %s\n" % options.get("reduction", "mean"))
        for key in ("delta", "beta"):
            if key in options:
                f.write("%s %r\n" % (key, options[key]))
        arrays = [("x", x)]
        arrays.append(("labels", t) if kind == "labels" else ("t", t))
        if "pos_weight" in options:
            arrays.append(("pos_weight", torch.tensor(options["pos_weight"], dtype=torch.float64)))
        arrays += [("loss", value.reshape(1)), ("dx", dx)]
        for array, v in arrays:
            flat = v.detach().reshape(-1).tolist()
            f.write("array %s %d\n" % (array, len(flat)))
            f.writelines(("%d" % e if array == "labels" else fmt % e) + "\n" for e in flat)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.path.join(here, "..", "tests", "data"))
    a = p.parse_args()
    layers, losses = os.path.join(a.out, "torch_layers"), os.path.join(a.out, "torch_losses")
    os.makedirs(layers, exist_ok=True)
    os.makedirs(losses, exist_ok=True)
    for name, token, make in LAYERS:
        for dtype, suffix in ((torch.float64, "f64"), (torch.float32, "f32")):
            x = inputs(dtype).requires_grad_(True)
            y = make()(x)
            g = torch.Generator().manual_seed(4)
            dy = torch.randn(ROWS, COLS, generator=g, dtype=torch.float64).to(dtype)
            (dx,) = torch.autograd.grad(y, x, dy)
            write(os.path.join(layers, "%s.%s.txt" % (name, suffix)), token, dtype,
                  [("x", x), ("y", y), ("dy", dy), ("dx", dx)])
    for dtype, suffix in ((torch.float64, "f64"), (torch.float32, "f32")):
        dropout_fixture(layers, dtype, suffix)
    for name, token, shape, make in IMAGE_LAYERS:
        for dtype, suffix in ((torch.float64, "f64"), (torch.float32, "f32")):
            image_fixture(layers, name, token, shape, make, dtype, suffix)
    for name, loss, options, make, kind in LOSSES:
        for dtype, suffix in ((torch.float64, "f64"), (torch.float32, "f32")):
            loss_fixture(losses, name, loss, options, make, kind, dtype, suffix)
    print("torch_layer_fixtures: wrote %d files to %s and %d to %s" % (2 * (len(LAYERS) + len(IMAGE_LAYERS) + 1), layers, 2 * len(LOSSES),
                                                                        losses))


if __name__ == "__main__":
    main()
