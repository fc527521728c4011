#!/usr/bin/python3
"""Data-parallel cost model of docs/scale-out.md: the one place the model lives.

    tools/scale_model.py table   --config NAME:PARAMS:BATCH:SECONDS_PER_SAMPLE [--config ...]
                                 [--ranks 2,4,8,16,32,64] [--gbps 10,25,100] [--alpha 20e-6]
                                 [--backward-fraction 0.667] [--hide-ranks 8,64]
    tools/scale_model.py predict --params P --batch B --ranks N --seconds-per-sample C
                                 --allreduce-us A --delay-us D [--measured S]
    tools/scale_model.py delay   --params P --ranks N --gbps G [--alpha 20e-6]

Data parallel, strong scaling: the global batch B is fixed and split over N
ranks, ceil(B/N) rows per rank (the busiest rank sets the pace); P parameters;
float32 gradients.

  compute per step on one rank:  t_c = ceil(B/N) * c
      c = seconds per sample of one rank's forward + backward + update,
      measured (an input).
  ring allreduce of the gradient:
      bytes = 4 * P
      T_ar  = 2 (N-1)/N * bytes / bw + 2 (N-1) * alpha
      bw    = Gbps * 1e9 / 8 bytes/s (from a link speed in Gb/s)
      alpha = per-message latency, default 20e-6 s (--alpha)
  without overlap:  t_step = t_c + T_ar
  with overlap (DDP-style buckets during backward): backward is a fraction
      f_b of t_c (default 0.667, about 2/3; --backward-fraction); the allreduce runs during
      backward except for the last bucket:
                    t_step = t_c + max(0, T_ar - f_b * t_c)
  throughput:       samples/s = B / t_step
  speedup:          S(N) = (B * c) / t_step   (one rank's time for the whole
                    batch over the N-rank step time)
  efficiency:       E = S / N
  hiding batches (T_ar does not depend on B, so each is a minimum number of
  rows per rank r; the global batch reported is N * r, the smallest batch
  that splits evenly into r rows per rank; any B > N (r-1) also gives r rows
  on the busiest rank):
      without overlap, communication is never hidden; report the batch where
      it is at most 10% of the step: T_ar <= 0.1 * t_step, i.e.
                    r = smallest r >= 1 with r * c >= 9 * T_ar
      with overlap, fully hidden:
                    r = smallest r >= 1 with f_b * r * c >= T_ar

`predict` models an N-rank run on this machine, where the allreduce is the
measured local shared-memory one (A microseconds per step) plus an injected
delay of D microseconds per step (`vecnn bench --allreduce-delay-us D`, a sleep
standing for network time, so no overlap):
                    t_step = ceil(B/N) * C + (A + D) * 1e-6
                    samples/s = B / t_step
and with --measured S also prints S and the relative error |pred - S| / S.
It exits 0 whatever the error: the caller judges.

`delay` prints the modelled T_ar in microseconds, rounded to an integer, for
`vecnn bench --allreduce-delay-us`.

Standard library only.
"""

import argparse
import math
import sys

DEFAULT_ALPHA = 20e-6
DEFAULT_BACKWARD_FRACTION = 0.667
DEFAULT_RANKS = "2,4,8,16,32,64"
DEFAULT_GBPS = "10,25,100"
DEFAULT_HIDE_RANKS = "8,64"


# ---------------------------------------------------------------- the model

def rows_per_rank(batch, ranks):
    return -(-batch // ranks)  # ceil(B/N), exact on integers


def bandwidth(gbps):
    """Bytes per second of a link of `gbps` Gb/s."""
    return gbps * 1e9 / 8


def allreduce_seconds(params, ranks, gbps, alpha):
    """Ring allreduce of 4*P bytes: 2 (N-1)/N * bytes / bw + 2 (N-1) * alpha."""
    nbytes = 4 * params
    return 2 * (ranks - 1) / ranks * nbytes / bandwidth(gbps) + 2 * (ranks - 1) * alpha


def compute_seconds(batch, ranks, c):
    return rows_per_rank(batch, ranks) * c


def step_seconds(batch, ranks, c, t_ar, overlap, backward_fraction):
    t_c = compute_seconds(batch, ranks, c)
    if overlap:
        return t_c + max(0.0, t_ar - backward_fraction * t_c)
    return t_c + t_ar


def speedup(batch, c, t_step):
    return batch * c / t_step


def efficiency(batch, ranks, c, t_step):
    return speedup(batch, c, t_step) / ranks


def smallest_rows(c, need):
    """Smallest integer r >= 1 with r * c >= need."""
    r = max(1, math.ceil(need / c))
    while r > 1 and (r - 1) * c >= need:  # guard against rounding in need / c
        r -= 1
    while r * c < need:
        r += 1
    return r


def rows_for_10_percent(c, t_ar):
    """Without overlap: T_ar <= 0.1 * (t_c + T_ar)  <=>  r * c >= 9 * T_ar."""
    return smallest_rows(c, 9 * t_ar)


def rows_for_hidden(c, t_ar, backward_fraction):
    """With overlap: f_b * r * c >= T_ar."""
    return smallest_rows(backward_fraction * c, t_ar)


def predict_seconds(batch, ranks, c, allreduce_us, delay_us):
    return compute_seconds(batch, ranks, c) + (allreduce_us + delay_us) * 1e-6


# ---------------------------------------------------------------- formatting

def sig3(x):
    """x to three significant figures, trailing zeros kept: 9.30, 298, 6.00."""
    x = float("%.3g" % x)  # round first, so 0.9997 becomes 1.00, not 1.000
    if x == 0:
        return "0"
    return "%.*f" % (max(0, 2 - int(math.floor(math.log10(abs(x))))), x)


def fmt_time(seconds):
    """Seconds in µs, ms or s, whichever keeps the three figures below 1000."""
    for unit, scale in (("µs", 1e6), ("ms", 1e3)):
        text = sig3(seconds * scale)
        if float(text) < 1000:
            return "%s %s" % (text, unit)
    return "%s s" % sig3(seconds)


def fmt_eff(e):
    return "%.2f" % e if e >= 0.1 else "%.3f" % e


def fmt_num(x):
    """A number as given: 10 rather than 10.0, 2.5 as 2.5."""
    return ("%d" % x) if float(x).is_integer() else ("%g" % x)


def fmt_int(n):
    return "{:,}".format(n)


# ---------------------------------------------------------------- arguments

def positive_int(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a whole number" % text)
    if v <= 0:
        raise argparse.ArgumentTypeError("%r must be positive" % text)
    return v


def _float(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % text)
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError("%r must be finite" % text)
    return v


def positive_float(text):
    v = _float(text)
    if v <= 0:
        raise argparse.ArgumentTypeError("%r must be positive" % text)
    return v


def non_negative_float(text):
    v = _float(text)
    if v < 0:
        raise argparse.ArgumentTypeError("%r must not be negative" % text)
    return v


def fraction(text):
    v = _float(text)
    if not 0 < v <= 1:
        raise argparse.ArgumentTypeError("%r must be in (0, 1]" % text)
    return v


def list_of(item, what):
    def parse(text):
        parts = [p.strip() for p in text.split(",")]
        if not parts or any(p == "" for p in parts):
            raise argparse.ArgumentTypeError("%r: expected a comma-separated list of %s" % (text, what))
        values = [item(p) for p in parts]  # each raises its own ArgumentTypeError
        return sorted(set(values))
    return parse


def config(text):
    """NAME:PARAMS:BATCH:SECONDS_PER_SAMPLE (the name may itself contain colons)."""
    parts = text.rsplit(":", 3)
    if len(parts) != 4 or not parts[0]:
        raise argparse.ArgumentTypeError(
            "%r: expected NAME:PARAMS:BATCH:SECONDS_PER_SAMPLE, e.g. 784-256-10:203530:64:9.3e-6" % text)
    name, params, batch, c = parts
    try:
        return {"name": name, "params": positive_int(params), "batch": positive_int(batch),
                "c": positive_float(c)}
    except argparse.ArgumentTypeError as e:
        raise argparse.ArgumentTypeError("%r: %s" % (text, e))


def build_parser():
    p = argparse.ArgumentParser(
        prog="tools/scale_model.py",
        description="Data-parallel cost model of docs/scale-out.md (formulas in this script's docstring).")
    sub = p.add_subparsers(dest="command", metavar="{table,predict,delay}")
    sub.required = True

    t = sub.add_parser("table", help="Markdown tables of efficiency, T_ar and hiding batches per config")
    t.add_argument("--config", type=config, action="append", required=True,
                   metavar="NAME:PARAMS:BATCH:SECONDS_PER_SAMPLE",
                   help="a model: name, parameter count, global batch, seconds per sample on one rank")
    t.add_argument("--ranks", type=list_of(positive_int, "whole numbers"), default=DEFAULT_RANKS,
                   help="rank counts N, the table's rows (default %(default)s)")
    t.add_argument("--gbps", type=list_of(positive_float, "numbers"), default=DEFAULT_GBPS,
                   help="link speeds in Gb/s (default %(default)s)")
    t.add_argument("--alpha", type=non_negative_float, default=DEFAULT_ALPHA,
                   help="per-message latency in seconds (default %(default)s)")
    t.add_argument("--backward-fraction", type=fraction, default=DEFAULT_BACKWARD_FRACTION,
                   help="share f_b of t_c that is backward, in (0, 1] (default %(default)s)")
    t.add_argument("--hide-ranks", type=list_of(positive_int, "whole numbers"), default=DEFAULT_HIDE_RANKS,
                   help="rank counts at which to report hiding batches (default %(default)s)")

    q = sub.add_parser("predict", help="samples/s of an N-rank run here with a measured allreduce and a delay")
    q.add_argument("--params", type=positive_int, required=True, help="parameter count P")
    q.add_argument("--batch", type=positive_int, required=True, help="global batch B")
    q.add_argument("--ranks", type=positive_int, required=True, help="rank count N")
    q.add_argument("--seconds-per-sample", type=positive_float, required=True, help="c, seconds per sample")
    q.add_argument("--allreduce-us", type=non_negative_float, required=True,
                   help="measured local allreduce per step, microseconds")
    q.add_argument("--delay-us", type=non_negative_float, required=True,
                   help="injected delay per step, microseconds")
    q.add_argument("--measured", type=positive_float, help="measured samples/s, to compare")

    d = sub.add_parser("delay", help="modelled T_ar in whole microseconds, for vecnn bench --allreduce-delay-us")
    d.add_argument("--params", type=positive_int, required=True, help="parameter count P")
    d.add_argument("--ranks", type=positive_int, required=True, help="rank count N")
    d.add_argument("--gbps", type=positive_float, required=True, help="link speed in Gb/s")
    d.add_argument("--alpha", type=non_negative_float, default=DEFAULT_ALPHA,
                   help="per-message latency in seconds (default %(default)s)")
    return p


# ---------------------------------------------------------------- commands

def table(a, out):
    fb = a.backward_fraction
    for cfg in a.config:
        name, P, B, c = cfg["name"], cfg["params"], cfg["batch"], cfg["c"]
        out.write("### %s\n\n" % name)
        out.write("P = %s parameters (%.3g MB of float32 gradient), global batch B = %s, "
                  "c = %s per sample; alpha = %s, f_b = %g.\n\n"
                  % (fmt_int(P), 4 * P / 1e6, fmt_int(B), fmt_time(c), fmt_time(a.alpha), fb))

        out.write("Efficiency E = S/N, without overlap / with overlap:\n\n")
        out.write("| N | rows/rank | t_c | " + " | ".join("%s Gb/s" % fmt_num(g) for g in a.gbps) + " |\n")
        out.write("|--:|--:|--:|" + "--:|" * len(a.gbps) + "\n")
        idle = False
        for n in a.ranks:
            r = rows_per_rank(B, n)
            cells = []
            for g in a.gbps:
                t_ar = allreduce_seconds(P, n, g, a.alpha)
                e0 = efficiency(B, n, c, step_seconds(B, n, c, t_ar, False, fb))
                e1 = efficiency(B, n, c, step_seconds(B, n, c, t_ar, True, fb))
                cells.append("%s / %s" % (fmt_eff(e0), fmt_eff(e1)))
            mark = ""
            if n > B:
                mark, idle = "*", True
            out.write("| %d%s | %d | %s | %s |\n" % (n, mark, r, fmt_time(r * c), " | ".join(cells)))
        if idle:
            out.write("\n\\* N > B: some ranks get no rows.\n")
        out.write("\n")

        lo, hi = a.ranks[0], a.ranks[-1]
        for n in ([lo, hi] if hi != lo else [lo]):
            out.write("T_ar at N=%d: %s.  \n" % (n, ", ".join(
                "%s at %s Gb/s" % (fmt_time(allreduce_seconds(P, n, g, a.alpha)), fmt_num(g)) for g in a.gbps)))
        out.write("\n")

        out.write("Hiding batches (rows per rank → global batch):\n\n")
        out.write("| link | N | T_ar | comm ≤ 10%, no overlap | fully hidden, overlap |\n")
        out.write("|--:|--:|--:|--:|--:|\n")
        for g in a.gbps:
            for n in a.hide_ranks:
                t_ar = allreduce_seconds(P, n, g, a.alpha)
                r10 = rows_for_10_percent(c, t_ar)
                rh = rows_for_hidden(c, t_ar, fb)
                out.write("| %s Gb/s | %d | %s | %s → %s | %s → %s |\n" % (
                    fmt_num(g), n, fmt_time(t_ar), fmt_int(r10), fmt_int(n * r10), fmt_int(rh), fmt_int(n * rh)))
        out.write("\n")


def predict(a, out):
    t_c = compute_seconds(a.batch, a.ranks, a.seconds_per_sample)
    t_step = predict_seconds(a.batch, a.ranks, a.seconds_per_sample, a.allreduce_us, a.delay_us)
    pred = a.batch / t_step
    out.write("params: %s (%.3g MB float32 gradient), batch %s, ranks %d, rows/rank %d\n"
              % (fmt_int(a.params), 4 * a.params / 1e6, fmt_int(a.batch), a.ranks, rows_per_rank(a.batch, a.ranks)))
    out.write("t_c = %.1f us, allreduce %.1f us + delay %.1f us, t_step = %.1f us\n"
              % (t_c * 1e6, a.allreduce_us, a.delay_us, t_step * 1e6))
    out.write("predicted samples/s: %.0f\n" % pred)
    if a.measured is not None:
        out.write("measured samples/s: %.0f\n" % a.measured)
        out.write("relative error: %.3f\n" % (abs(pred - a.measured) / a.measured))


def delay(a, out):
    t_ar = allreduce_seconds(a.params, a.ranks, a.gbps, a.alpha)
    out.write("%d\n" % int(math.floor(t_ar * 1e6 + 0.5)))


def main(argv=None):
    a = build_parser().parse_args(argv)
    {"table": table, "predict": predict, "delay": delay}[a.command](a, sys.stdout)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # e.g. piped into head
        sys.stderr.close()
        sys.exit(0)
