#!/usr/bin/env python3
"""Chart and tables of the vectorization budget, from vecnn_budget's JSON.

  build/vecnn_budget --benchmark_out=run1.json --benchmark_out_format=json
  python3 tools/budget/plot_budget.py run1.json [run2.json ...] --svg docs/budget.svg --markdown

Pools the repetitions of every run given (median CPU time per call, as the
program's own summary), writes an SVG (standard library only) with two
panels -- the speed-up vectorized/loop per kernel, and elements/s of both
flavours -- and with --markdown prints the tables of docs/vectorization_budget.md.
"""
import argparse
import json
import math
import re
import statistics
import sys

KERNELS = ["sum", "relu", "exp", "linear"]
COLORS = {"sum": "#1f77b4", "relu": "#d62728", "exp": "#2ca02c", "linear": "#9467bd"}
UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def load(paths):
    """{(kernel, engine, log2n): [cpu ns per call, ...]} pooled over files, plus the first context."""
    times, context = {}, None
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        context = context or doc.get("context", {})
        for b in doc["benchmarks"]:
            if b.get("run_type") != "iteration" or b.get("error_occurred"):
                continue
            m = re.fullmatch(r"(\w+)/(loop|vectorized)/(\d+)", b["run_name"].split("/repeats:")[0])
            if not m:
                continue
            key = (m.group(1), m.group(2), int(m.group(3)))
            times.setdefault(key, []).append(b["cpu_time"] * UNIT_NS[b["time_unit"]])
    return {k: statistics.median(v) for k, v in times.items()}, {k: len(v) for k, v in times.items()}, context


def fmt_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3), ("ns", 1.0)):
        if ns >= scale or unit == "ns":
            return "%.3g %s" % (ns / scale, unit)


def linear_width(k):
    return min(256, 1 << ((k + 1) // 2))


def verdict(ratios):
    """Crossover and plateau of [(log2n, loop/vectorized)], as vecnn_budget's own summary."""
    if not ratios:
        return None

    def from_on(pred):
        i = len(ratios)
        while i > 0 and pred(ratios[i - 1][1]):
            i -= 1
        return i

    faster, tie = from_on(lambda r: r > 1.05), from_on(lambda r: r >= 0.95)
    if faster == 0:
        cross = "<= 2^%d (faster at every size)" % ratios[0][0]
    elif faster < len(ratios):
        cross = "between 2^%d and 2^%d" % (ratios[faster - 1][0], ratios[faster][0])
    elif tie < len(ratios):
        cross = "never; ties (within 5%%) from 2^%d" % ratios[tie][0]
    else:
        cross = "never (loop faster at 2^%d)" % ratios[-1][0]
    peak_n, peak = max(ratios, key=lambda p: p[1])
    level = [(n, r) for n, r in ratios if r >= 0.9 * peak]
    return (cross, level[0][0], statistics.median(r for _, r in level), peak, peak_n, ratios[-1][1], ratios[-1][0])


def markdown(med, sizes):
    kernels = [k for k in KERNELS if any(key[0] == k for key in med)]
    head = "| elements |" + "".join(" %s loop | %s vectorized | ratio |" % (k, k) for k in kernels)
    print(head)
    print("|---:|" + "---:|---:|---:|" * len(kernels))
    for n in sizes:
        cells = []
        for k in kernels:
            lo, ve = med.get((k, "loop", n)), med.get((k, "vectorized", n))
            cells += [fmt_time(lo) if lo else "-", fmt_time(ve) if ve else "-",
                      "**%.2f**" % (lo / ve) if lo and ve else "-"]
        print("| 2^%d |" % n + "".join(" %s |" % c for c in cells))
    print("\n| kernel | vectorized > 5% faster from | plateau from (ratio >= 0.9 x peak) | plateau ratio (median there) "
          "| peak ratio | ratio at largest size |")
    print("|---|---|---|---:|---:|---:|")
    for k in kernels:
        v = verdict([(n, med[(k, "loop", n)] / med[(k, "vectorized", n)]) for n in sizes
                     if (k, "loop", n) in med and (k, "vectorized", n) in med])
        if v:
            print("| %s | %s | 2^%d | %.2f | %.2f at 2^%d | %.2f at 2^%d |" % ((k,) + v))
    if "linear" in kernels:
        print("\nLinear forward (X (rows x w) times W^T (w x w)) in GFLOP/s:\n")
        print("| elements | shape | loop GFLOP/s | vectorized GFLOP/s |")
        print("|---:|---|---:|---:|")
        for n in sizes:
            w = linear_width(n)
            rows = (1 << n) // w
            flops = 2.0 * rows * w * w
            lo, ve = med.get(("linear", "loop", n)), med.get(("linear", "vectorized", n))
            print("| 2^%d | %dx%d | %s | %s |" % (n, rows, w, "%.2f" % (flops / lo) if lo else "-",
                                                 "%.1f" % (flops / ve) if ve else "-"))


def cache_sizes(context):
    """[(bytes, "L1"), (bytes, "L2")] of one core's data caches, from Google Benchmark's context."""
    found = {}
    for c in context.get("caches", []):
        if c.get("type") in ("Data", "Unified") and c.get("level") in (1, 2) and c.get("level") not in found:
            found[c["level"]] = c["size"]
    return [(found[level], "L%d" % level) for level in (1, 2) if level in found]


def svg(med, sizes, context, path):
    W, H = 980, 455
    panels = [(70, "vectorized / loop (> 1: vectorized faster)"), (560, "elements/s (solid: vectorized, dashed: loop)")]
    pw, ph, top = 380, 300, 78
    xmin, xmax = min(sizes), max(sizes)
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="DejaVu Sans, Arial, sans-serif" font-size="12">' % (W, H, W, H),
           '<rect width="100%" height="100%" fill="white"/>']
    title = "vecnn vectorization budget: float32, 1 thread, CPU time per call (median)"
    sub = "xsimd %s (%s float lanes), %s" % (context.get("xsimd_arch", "?"), context.get("xsimd_float_lanes", "?"),
                                            context.get("openblas", "").split(" MAX_")[0])
    out.append('<text x="%d" y="22" font-size="15" font-weight="bold">%s</text>' % (panels[0][0], title))
    out.append('<text x="%d" y="42" fill="#555">%s</text>' % (panels[0][0], sub))

    def xpos(x0, k):
        return x0 + (k - xmin) / (xmax - xmin) * pw

    def log_axis(x0, lo, hi, label_fmt):
        lo_e, hi_e = math.floor(math.log10(lo)), math.ceil(math.log10(hi))

        def ypos(v):
            return top + ph - (math.log10(v) - lo_e) / (hi_e - lo_e) * ph

        out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>' % (x0, top, pw, ph))
        for e in range(lo_e, hi_e + 1):
            y = ypos(10 ** e)
            out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (x0, x0 + pw, y, y))
            out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (x0 - 5, y + 4, label_fmt(e)))
        for k in range(xmin, xmax + 1, 2):
            x = xpos(x0, k)
            out.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#eee"/>' % (x, x, top, top + ph))
            out.append('<text x="%.1f" y="%d" text-anchor="middle">2<tspan dy="-5" font-size="9">%d</tspan></text>'
                       % (x, top + ph + 16, k))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">elements</text>' % (x0 + pw / 2, top + ph + 34))
        # Where two float arrays (x and y of relu) stop fitting one core's L1d and L2, as the
        # benchmark's context reports them.
        for cache, label in cache_sizes(context):
            k = math.log2(cache / 8)
            if xmin <= k <= xmax:
                x = xpos(x0, k)
                out.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#999" stroke-dasharray="2,3"/>'
                           % (x, x, top, top + ph))
                out.append('<text x="%.1f" y="%d" fill="#777" font-size="10">2 arrays &gt; %s</text>'
                           % (x + 3, top + 12, label))
        return ypos

    def polyline(points, color, dash=None):
        if len(points) < 2:
            return
        d = " ".join("%.1f,%.1f" % p for p in points)
        out.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>'
                   % (d, color, ' stroke-dasharray="6,4"' if dash else ""))
        for x, y in points:
            out.append('<circle cx="%.1f" cy="%.1f" r="2.2" fill="%s"/>' % (x, y, color))

    kernels = [k for k in KERNELS if any(key[0] == k for key in med)]
    # Panel 1: ratio.
    x0 = panels[0][0]
    ratios = {k: [(n, med[(k, "loop", n)] / med[(k, "vectorized", n)]) for n in sizes
                  if (k, "loop", n) in med and (k, "vectorized", n) in med] for k in kernels}
    allr = [r for v in ratios.values() for _, r in v] or [1]
    ypos = log_axis(x0, min(allr + [0.5]), max(allr + [2]), lambda e: ("%g" % 10 ** e) + "x")
    y1 = ypos(1)
    out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#333" stroke-dasharray="4,3"/>'
               % (x0, x0 + pw, y1, y1))
    out.append('<text x="%d" y="%d" font-weight="bold">%s</text>' % (x0, top - 10, panels[0][1]))
    for k in kernels:
        polyline([(xpos(x0, n), ypos(r)) for n, r in ratios[k]], COLORS[k])
    # Panel 2: elements/s.
    x0 = panels[1][0]
    rates = {(k, e): [(n, (1 << n) / med[(k, e, n)] * 1e9) for n in sizes if (k, e, n) in med]
             for k in kernels for e in ("loop", "vectorized")}
    allv = [v for pts in rates.values() for _, v in pts] or [1]
    names = {3: "1k", 4: "10k", 5: "100k", 6: "1M", 7: "10M", 8: "100M", 9: "1G", 10: "10G", 11: "100G"}
    ypos = log_axis(x0, min(allv), max(allv), lambda e: names.get(e, "1e%d" % e) + "/s")
    out.append('<text x="%d" y="%d" font-weight="bold">%s</text>' % (x0, top - 10, panels[1][1]))
    for (k, e), pts in rates.items():
        polyline([(xpos(x0, n), ypos(v)) for n, v in pts], COLORS[k], dash=(e == "loop"))
    # Legend.
    lx = panels[0][0]
    for i, k in enumerate(kernels):
        label = {"sum": "sum (squared_error vs 0)", "relu": "relu_forward", "exp": "exp (sigmoid_forward)",
                 "linear": "linear (gemm X W^T)"}[k]
        x = lx + i * 220
        out.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="3"/>'
                   % (x, x + 22, H - 20, H - 20, COLORS[k]))
        out.append('<text x="%d" y="%d">%s</text>' % (x + 28, H - 16, label))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("json", nargs="+", help="vecnn_budget --benchmark_out files (json format)")
    p.add_argument("--svg", help="write the chart here")
    p.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    a = p.parse_args(argv)
    med, counts, context = load(a.json)
    if not med:
        sys.exit("plot_budget: no vecnn_budget results in " + ", ".join(a.json))
    sizes = sorted({k[2] for k in med})
    if a.markdown:
        print("Median CPU time per call over %d-%d repetitions; ratio = loop / vectorized.\n"
              % (min(counts.values()), max(counts.values())))
        markdown(med, sizes)
    if a.svg:
        svg(med, sizes, context, a.svg)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
