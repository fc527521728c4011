#!/usr/bin/python3
"""PyTorch's side of `vecnn bench`: samples/s of the same training step.

Same configs (the default suite of `vecnn bench`, or --model/--batch as vecnn
takes them), same step: zero_grad, forward, F.cross_entropy (mean), backward,
torch.optim.SGD(lr=0.01, momentum=0.9 or --momentum).step(), float32, on one fixed random
batch; a warm-up, then --repeats timed slices of --seconds/--repeats each;
the median samples/s over the slices is reported (min and max too).

Threads: on Debian's python3-torch 1.13 the GEMMs run in OpenBLAS, which
torch.set_num_threads does not reach; OPENBLAS_NUM_THREADS does, and only if
it is set before torch is loaded. So this script, when that variable (or
OMP_NUM_THREADS) differs from --threads, re-executes itself with both set to
--threads, and then also calls torch.set_num_threads(--threads).
Subnormals are flushed (torch.set_flush_denormal(True)), as vecnn does.

Usage: /usr/bin/python3 tools/torch_bench.py [--model 784-256-10 --batch 64]
           [--threads 1] [--seconds 2] [--repeats 5] [--momentum 0.9] [--json out.jsonl]
"""
import argparse
import json
import os
import re
import statistics
import sys
import time

# The default suite of `vecnn bench` (tools/cli/bench_command.cpp).
DEFAULT_SUITE = [
    ("A", "784-256-10", 64),
    ("B", "784-1024-1024-10", 256),
    ("C", "2-16-16-2", 32),
    ("D", "784-256-10", 1),
    ("tiny", "16-32-4", 16),
    ("mid", "256-512-512-10", 128),
    ("cnn", "conv2d(1,8,3,padding=1),relu,maxpool2d(2),conv2d(8,16,3,padding=1),relu,maxpool2d(2),flatten,"
            "linear(784,10)", 64, (1, 28, 28)),
]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", help="model spec or sizes like 784-256-10 (default: the suite of vecnn bench)")
    p.add_argument("--batch", type=int, default=64, help="rows per step (with --model)")
    p.add_argument("--input-shape", help="C,H,W of one sample for a model with conv2d or maxpool2d (with --model)")
    p.add_argument("--threads", type=int, default=int(os.environ.get("OPENBLAS_NUM_THREADS", "1") or 1),
                   help="threads (default: $OPENBLAS_NUM_THREADS or 1)")
    p.add_argument("--seconds", type=float, default=2.0, help="timed seconds per config")
    p.add_argument("--repeats", type=int, default=5, help="timed slices (median and min-max over them)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (0: plain SGD), as vecnn bench --momentum")
    p.add_argument("--json", help="write one JSON object per config to this file")
    a = p.parse_args(argv)
    if a.threads < 1 or a.batch < 1 or a.repeats < 1 or a.seconds <= 0:
        p.error("--threads, --batch, --repeats and --seconds must be positive")
    if not 0 <= a.momentum <= 1:
        p.error("--momentum must be in [0, 1], as vecnn bench --momentum")
    return a


def ensure_thread_env(threads):
    """Re-executes this script with OPENBLAS_NUM_THREADS (and OMP_NUM_THREADS)
    set to `threads` unless they already are: OpenBLAS reads them once, when
    torch loads it."""
    want = str(threads)
    if os.environ.get("OPENBLAS_NUM_THREADS") == want and os.environ.get("OMP_NUM_THREADS") == want:
        return
    if os.environ.get("VECNN_TORCH_BENCH_REEXEC"):
        sys.exit("torch_bench: could not set OPENBLAS_NUM_THREADS=%s for myself" % want)
    env = dict(os.environ, OPENBLAS_NUM_THREADS=want, OMP_NUM_THREADS=want, VECNN_TORCH_BENCH_REEXEC="1")
    os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:], env)


def expand_spec(spec):
    """"784-256-10" -> "linear(784,256),relu,linear(256,10)", as vecnn's model-spec parser expands the short form (nn/model_spec.hpp)."""
    if re.fullmatch(r"[0-9-]+", spec):
        dims = spec.split("-")
        if len(dims) < 2 or not all(dims):
            raise ValueError("model '%s': an MLP needs at least two sizes, e.g. 784-256-10" % spec)
        return ",relu,".join("linear(%s,%s)" % (dims[i], dims[i + 1]) for i in range(len(dims) - 1))
    return spec


def window_arguments(args, names, defaults):
    """conv2d's and maxpool2d's arguments: positional, then key=value (with vecnn's short keys s= and p=)."""
    values = dict(defaults)
    positional = [a for a in args if "=" not in a]
    for name, a in zip(names, positional):
        values[name] = int(a)
    for a in args:
        if "=" in a:
            key, v = a.split("=")
            values[{"s": "stride", "p": "padding"}.get(key, key)] = int(v)
    return values


def build_model(torch, spec):
    """A torch.nn.Sequential from a vecnn model spec; returns (model, outputs)."""
    nn = torch.nn
    layers, outputs = [], None
    for token in re.findall(r"[a-z_0-9]+(?:\([^)]*\))?", spec.replace(" ", "")):
        name, _, rest = token.partition("(")
        args = [a for a in rest.rstrip(")").split(",") if a]
        if name == "linear":
            layers.append(nn.Linear(int(args[0]), int(args[1])))
            outputs = int(args[1])
        elif name == "conv2d":
            v = window_arguments(args, ["in", "out", "kernel", "stride", "padding"], {"stride": 1, "padding": 0})
            layers.append(nn.Conv2d(v["in"], v["out"], v["kernel"], stride=v["stride"], padding=v["padding"]))
        elif name == "maxpool2d":
            v = window_arguments(args, ["kernel", "stride", "padding"], {"padding": 0})
            layers.append(nn.MaxPool2d(v["kernel"], stride=v.get("stride", v["kernel"]), padding=v["padding"]))
        elif name == "dropout":
            layers.append(nn.Dropout(float(args[0].split("=")[-1]) if args else 0.5))
        elif name in ("relu", "sigmoid", "tanh", "flatten"):
            layers.append({"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "flatten": nn.Flatten}[name]())
        else:
            raise ValueError("model '%s': unsupported token '%s' (linear, conv2d, maxpool2d, flatten, dropout, relu, "
                             "sigmoid, tanh)" % (spec, token))
    if outputs is None:
        raise ValueError("model '%s' has no linear layer" % spec)
    return nn.Sequential(*layers), outputs


def sample_shape(spec, input_shape):
    """The shape of one input sample: (C, H, W) as given, else the first Linear's width."""
    if input_shape:
        return tuple(input_shape)
    m = re.search(r"linear\((\d+),", spec)
    return (int(m.group(1)),)


def time_per_call(step, budget):
    """Runs step() for about `budget` seconds (at least once); returns (seconds per call, calls)."""
    start = time.perf_counter()
    n = 0
    while True:
        step()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= budget:
            return elapsed / n, n


def bench(torch, spec, batch, seconds, repeats, seed, momentum, input_shape=None):
    F = torch.nn.functional
    torch.manual_seed(seed)
    model, outputs = build_model(torch, expand_spec(spec))
    model = model.float()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=momentum)
    x = torch.rand((batch,) + sample_shape(expand_spec(spec), input_shape), dtype=torch.float32) * 2 - 1
    y = torch.randint(0, outputs, (batch,), dtype=torch.int64)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    slice_s = seconds / repeats
    time_per_call(step, min(0.2, slice_s))  # warm-up: allocator, momentum buffers, caches
    rates, steps = [], 0
    for _ in range(repeats):
        s, n = time_per_call(step, slice_s)
        rates.append(batch / s)
        steps += n
    med = statistics.median(rates)
    return {
        "samples_per_s": round(med, 1),
        "samples_per_s_min": round(min(rates), 1),
        "samples_per_s_max": round(max(rates), 1),
        "step_us": round(1e6 * batch / med, 3),
        "steps": steps,
        "parameters": sum(p.numel() for p in model.parameters()),
    }


def main(argv):
    a = parse_args(argv)
    ensure_thread_env(a.threads)
    try:
        import torch
    except ImportError as e:
        sys.exit("torch_bench: PyTorch is not importable by %s (%s); on Debian: apt-get install python3-torch"
                 % (sys.executable, e))
    torch.set_num_threads(a.threads)
    torch.set_flush_denormal(True)
    shape = tuple(int(d) for d in a.input_shape.split(",")) if a.input_shape else None
    configs = [("custom", a.model, a.batch, shape)] if a.model else [c + (None,) * (4 - len(c)) for c in DEFAULT_SUITE]
    out = open(a.json, "w") if a.json else None
    print("torch_bench: PyTorch %s, float32, SGD (lr 0.01, momentum %g) step incl. cross-entropy, %d thread(s) "
          "(OPENBLAS_NUM_THREADS=%s), %d repeats" % (torch.__version__, a.momentum, a.threads,
                                                    os.environ.get("OPENBLAS_NUM_THREADS"), a.repeats))
    print("%-6s %-22s %5s %12s %23s %10s" % ("config", "model", "batch", "samples/s", "min-max", "us/step"))
    for name, spec, batch, input_shape in configs:
        r = bench(torch, spec, batch, a.seconds, a.repeats, a.seed, a.momentum, input_shape)
        print("%-6s %-22s %5d %12.0f %23s %10.1f" % (name, spec, batch, r["samples_per_s"],
              "%.0f-%.0f" % (r["samples_per_s_min"], r["samples_per_s_max"]), r["step_us"]), flush=True)
        if out:
            rec = {"config": name, "model": expand_spec(spec), "batch": batch, "engine": "pytorch",
                   "threads": a.threads, "momentum": a.momentum, "torch": torch.__version__}
            rec.update(r)
            out.write(json.dumps(rec) + "\n")
            out.flush()
    if out:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
