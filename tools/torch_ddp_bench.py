#!/usr/bin/python3
"""PyTorch's side of `mpirun -np N vecnn bench`: samples/s of data-parallel training.

One run measures (a) DistributedDataParallel over --ranks processes on this
machine (gloo backend, 127.0.0.1), each with --threads threads and a fixed
random shard of the global --batch (split as evenly as possible, the first
ranks get one row more), and (b) one process, no DDP, the whole batch with
the same threads. The step is tools/torch_bench.py's: zero_grad, forward,
cross-entropy (mean), backward (under DDP: plus the gradient allreduce),
torch.optim.SGD(lr, momentum).step(), float32. The job's samples/s is
global batch / step time, timed on rank 0 after a barrier; the median over
--repeats timed slices (--seconds in all) is reported (min and max too), and
scaling = DDP / single.

As vecnn's rank bench (tools/cli/rank_bench.cpp) does, the single-process
step is timed by rank 0 between the DDP slices while the other ranks wait
in a barrier, so both see the same machine load.

Threads: Debian's torch runs GEMMs in OpenBLAS, which reads
OPENBLAS_NUM_THREADS once, when torch loads it. The ranks import torch
while unpickling their entry point, before any code of ours runs, so the
variables are set here, before torch is imported, and the ranks inherit them.

Usage: /usr/bin/python3 tools/torch_ddp_bench.py [--model 784-1024-1024-10] [--batch 256]
           [--ranks 2] [--threads 1] [--seconds 2] [--repeats 5] [--json out.jsonl]
"""
import argparse
import datetime
import json
import os
import socket
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_bench import build_model, expand_spec  # noqa: E402  (the same model parser as torch_bench.py)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default="784-1024-1024-10", help="model spec or sizes like 784-1024-1024-10")
    p.add_argument("--batch", type=int, default=256, help="global batch: rows per step over all ranks")
    p.add_argument("--ranks", type=int, default=2, help="DDP processes")
    p.add_argument("--threads", type=int, default=1, help="threads per rank (and of the single process)")
    p.add_argument("--seconds", type=float, default=2.0, help="timed seconds in all, split over the repeats (as vecnn bench)")
    p.add_argument("--repeats", type=int, default=5, help="timed slices (median and min-max over them)")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (0: plain SGD)")
    p.add_argument("--lr", type=float, default=0.01, help="SGD learning rate")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", help="append one JSON object per measurement to this file")
    a = p.parse_args(argv)
    if min(a.ranks, a.threads, a.batch, a.repeats) < 1 or a.seconds <= 0 or a.lr <= 0:
        p.error("--ranks, --threads, --batch, --repeats, --seconds and --lr must be positive")
    if a.batch < a.ranks:
        p.error("--batch (%d) must be at least --ranks (%d): every rank needs a row" % (a.batch, a.ranks))
    if not 0 <= a.momentum <= 1:
        p.error("--momentum must be in [0, 1]")
    try:
        expand_spec(a.model)
    except ValueError as e:
        p.error(str(e))
    # Generous: warm-ups, DDP and single slices, process start-up.
    a.slice = a.seconds / a.repeats  # per repeat, as vecnn bench and torch_bench.py split it
    a.time_limit = 20 * a.seconds + 60
    return a


def local_rows(batch, ranks, rank):
    return batch // ranks + (1 if rank < batch % ranks else 0)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_step(torch, spec, rows, seed, data_seed, a, ddp):
    """The training step on a fixed random batch of `rows` rows; the model is wrapped in DDP if `ddp`."""
    torch.manual_seed(seed)  # the same initial parameters everywhere (DDP also broadcasts rank 0's)
    model, inputs, outputs = build_model(torch, expand_spec(spec))
    model = model.float()
    if ddp:
        model = torch.nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum)
    loss_fn = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(data_seed)
    x = torch.rand(rows, inputs, dtype=torch.float32, generator=g) * 2 - 1
    y = torch.randint(0, outputs, (rows,), dtype=torch.int64, generator=g)

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()  # under DDP the allreduce runs (bucketed) inside backward
        opt.step()
    return step


def rank_main(rank, a, result_path):
    """One DDP rank. Every rank must run the same number of steps (each ends in
    a collective), so rank 0 decides every count and broadcasts it."""
    import torch
    import torch.distributed as dist
    torch.set_num_threads(a.threads)
    torch.set_flush_denormal(True)  # as vecnn and torch_bench.py do
    dist.init_process_group("gloo", rank=rank, world_size=a.ranks,
                            timeout=datetime.timedelta(seconds=a.time_limit))

    def from_rank0(value):
        t = torch.tensor([value], dtype=torch.float64)
        dist.broadcast(t, 0)
        return t.item()

    step = make_step(torch, a.model, local_rows(a.batch, a.ranks, rank), a.seed, a.seed + 1 + rank, a, True)
    alone = make_step(torch, a.model, a.batch, a.seed, a.seed + 1, a, False) if rank == 0 else None

    # Warm-up (allocator, momentum buffers, gloo connections) in rounds of 3 steps
    # until rank 0 has seen min(0.3 s, a slice); its pace sets the steps per slice.
    dist.barrier()
    started, warm = time.perf_counter(), 0
    while True:
        for _ in range(3):
            step()
        warm += 3
        elapsed = time.perf_counter() - started
        if not from_rank0(elapsed < min(0.3, a.slice)):
            break
    steps = int(from_rank0(max(1, round(a.slice * warm / elapsed))))
    if rank == 0:
        started, n = time.perf_counter(), 0
        while n < 3 or time.perf_counter() - started < min(0.3, a.slice / 2):
            alone()
            n += 1
        single_steps = max(1, round(a.slice * n / (time.perf_counter() - started)))

    ddp_rates, single_rates = [], []
    for _ in range(a.repeats):
        dist.barrier()
        t = time.perf_counter()
        for _ in range(steps):
            step()
        ddp_rates.append(a.batch * steps / (time.perf_counter() - t))
        dist.barrier()  # the other ranks wait here while rank 0 times the single process
        if rank == 0:
            t = time.perf_counter()
            for _ in range(single_steps):
                alone()
            single_rates.append(a.batch * single_steps / (time.perf_counter() - t))
    dist.barrier()
    if rank == 0:
        with open(result_path, "w") as f:
            json.dump({"ddp": ddp_rates, "single": single_rates, "steps": steps, "single_steps": single_steps}, f)
    dist.destroy_process_group()


def run_ranks(mp, a, result_path):
    """Spawns the ranks and waits for them at most a.time_limit seconds; exits on a failure."""
    ctx = mp.spawn(rank_main, args=(a, result_path), nprocs=a.ranks, join=False)
    deadline = time.monotonic() + a.time_limit
    try:
        while not ctx.join(timeout=max(0.1, deadline - time.monotonic())):
            if time.monotonic() >= deadline:
                for p in ctx.processes:
                    p.terminate()
                for p in ctx.processes:
                    p.join(5)
                sys.exit("torch_ddp_bench: the ranks did not finish within %.0f s; stopped them" % a.time_limit)
    except (mp.ProcessRaisedException, mp.ProcessExitedException) as e:  # join() stopped the other ranks
        sys.exit("torch_ddp_bench: a rank failed: %s" % e)


def summary(rates):
    return {"samples_per_s": round(statistics.median(rates), 1),
            "samples_per_s_min": round(min(rates), 1), "samples_per_s_max": round(max(rates), 1)}


def main(argv):
    a = parse_args(argv)
    # Before torch loads OpenBLAS/OpenMP, here and (inherited) in the ranks.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(a.threads)
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(free_port())
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")  # not whatever the host name resolves to
    try:
        import torch
        import torch.distributed as dist
        import torch.multiprocessing as mp
    except ImportError as e:
        print("torch_ddp_bench: PyTorch is not importable by %s (%s); on Debian: apt-get install python3-torch"
              % (sys.executable, e), file=sys.stderr)
        return 2
    if not (dist.is_available() and dist.is_gloo_available()):
        print("torch_ddp_bench: this PyTorch (%s) has no torch.distributed with gloo" % torch.__version__,
              file=sys.stderr)
        return 2

    try:  # a bad model spec here, not as a traceback from every rank
        build_model(torch, expand_spec(a.model))
    except ValueError as e:
        print("torch_ddp_bench: %s" % e, file=sys.stderr)
        return 2
    print("torch_ddp_bench: PyTorch %s, gloo, %d rank(s) x %d thread(s), float32, SGD (lr %g, momentum %g) "
          "step incl. cross-entropy, %d repeats of %g s" % (torch.__version__, a.ranks, a.threads, a.lr,
                                                             a.momentum, a.repeats, a.seconds), flush=True)
    with tempfile.TemporaryDirectory(prefix="torch_ddp_bench.") as tmp:
        path = os.path.join(tmp, "result.json")
        run_ranks(mp, a, path)
        with open(path) as f:
            res = json.load(f)

    def record(mode, ranks, rates):
        return dict({"framework": "pytorch", "mode": mode, "model": expand_spec(a.model), "batch": a.batch,
                     "ranks": ranks, "threads": a.threads}, **summary(rates))
    ddp, single = record("ddp-gloo", a.ranks, res["ddp"]), record("single", 1, res["single"])
    ddp["scaling"] = round(ddp["samples_per_s"] / single["samples_per_s"], 3)
    print("%-9s %-20s %5s %5s %7s %10s %19s %7s" % ("mode", "model", "batch", "ranks", "threads", "samples/s",
                                                   "min-max", "scaling"))
    for r in (ddp, single):
        print("%-9s %-20s %5d %5d %7d %10.0f %19s %7s" % (
            r["mode"], a.model, a.batch, r["ranks"], r["threads"], r["samples_per_s"],
            "%.0f-%.0f" % (r["samples_per_s_min"], r["samples_per_s_max"]),
            "%.2fx" % r["scaling"] if "scaling" in r else "-"))
    if a.json:
        with open(a.json, "a") as out:
            for r in (ddp, single):
                out.write(json.dumps(dict(r, torch_version=torch.__version__)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
