#!/usr/bin/python3
"""Pictures of vecnn runs, drawn with matplotlib, as SVG or PNG.

    tools/plot.py curves  LOG.jsonl                 OUT   loss and accuracy per epoch (training, validation)
    tools/plot.py regions REGIONS.csv               OUT   decision regions and training points (spirals)
    tools/plot.py bench   BENCH.jsonl               OUT   loop vs vectorized samples/s per config, log scale
    tools/plot.py budget  RUN.json [RUN.json ...]   OUT   vectorization budget: speed-up and elements/s per size
    tools/plot.py budget  RUN.json [RUN.json ...] [OUT] --markdown   ... and the tables of
                                                                     docs/vectorization_budget.md on stdout
    tools/plot.py lessons-distance LESSONS.jsonl  OUT   distance-matrix lesson: time and peak extra heap per
                                                        version against n, the memory budget, skipped versions
    tools/plot.py lessons-cache LESSONS.jsonl OUT [--l1 B --l2 B --l3 B]
                                                        cache lesson: ns per element of the row and column walks
                                                        against array size, their ratio, the cache sizes given

OUT ends in .svg or .png; that picks the format. SVG keeps its text as text
(searchable, smaller, rendered inline by GitHub) and is byte-for-byte the same
for the same input, so a redrawn picture only shows in a diff if it changed;
PNG is drawn at 150 dpi.

Inputs are what the programs write: `vecnn train --log-json F` and
`examples/mnist --log-json F` (one JSON object per epoch: epoch, loss,
accuracy, optionally val_loss, val_accuracy; null where a value is missing),
`examples/spirals --save-regions F` (CSV `kind,x,y,class`, rows `grid,...`
and `point,...`), `vecnn bench --json F` (one JSON object per config and
engine), `vecnn_budget --benchmark_out=F --benchmark_out_format=json`
(Google Benchmark JSON; `budget` pools the repetitions of every file given,
median CPU time per call, as the program's own summary), and `vecnn lessons
--json F` (one JSON object per lesson, table and version; lessons-distance
reads the rows of lesson "distance" that carry "n", lessons-cache those of
lesson "cache"; a version skipped over the memory budget has median_s null and
a note). Every subcommand takes --title and --note (a grey line under the title).
tools/make_pictures.sh runs the programs and this script to rebuild the
pictures in docs/; docs/vectorization_budget.md says how budget.svg is made.

Why matplotlib: a well-kept plotting library instead of a hand-written SVG
writer (it lays out ticks, labels and legends, and handles log scales), and
PNG and SVG from the same code. Debian packages it as python3-matplotlib
(apt-get install python3-matplotlib) for its own /usr/bin/python3; another
python3 first on PATH (a pyenv or venv one) does not see it, so run this script as
    ${PYTHON:-/usr/bin/python3} tools/plot.py SUBCOMMAND ...
(its first line names /usr/bin/python3, so `tools/plot.py ...` works too).

A bad input (missing or unreadable file, malformed line, missing or wrongly
typed field, no data) ends the program with one line on stderr naming the
file and, when one line is at fault, the line: `plot.py: error: FILE:LINE:
what`, exit status 1, and no output file (the picture is written to a
temporary file beside OUT and renamed). So does an OUT that does not end in
.svg or .png, and a Python without matplotlib.
"""

import argparse
import csv
import json
import math
import os
import re
import statistics
import sys
import tempfile

# Tableau 10; blue and orange, the two used most, stay apart for the common colour-vision deficiencies
# (and validation lines are dashed as well).
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
TRAIN_COLOUR = "#1f77b4"
VAL_COLOUR = "#ff7f0e"
LOOP_COLOUR = "#ff7f0e"
VEC_COLOUR = "#1f77b4"
INK = "#222222"
GREY = "#666666"
GRID = "#e6e6e6"
DPI_PNG = 150
FORMATS = (".svg", ".png")

# Budget: one colour per kernel, as the chart in docs/vectorization_budget.md has always had.
KERNELS = ["sum", "relu", "exp", "linear", "linear_bf16"]
KERNEL_COLOURS = {"sum": "#1f77b4", "relu": "#d62728", "exp": "#2ca02c", "linear": "#9467bd",
                  "linear_bf16": "#8c564b"}
KERNEL_LABELS = {"sum": "sum (squared_error vs 0)", "relu": "relu_forward", "exp": "exp (sigmoid_forward)",
                 "linear": "linear (gemm X W^T)", "linear_bf16": "linear, bf16 operands"}
UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

mpl = None  # matplotlib, imported by load_matplotlib() once the inputs are known to be good


class InputError(Exception):
    """A problem with an input (or the output) file; str() is the one line shown to the user."""

    def __init__(self, path, line, what):
        where = "%s:%d" % (path, line) if line else str(path)
        super().__init__("%s: %s" % (where, what))


class UsageError(Exception):
    """A problem with the command line that argparse cannot see; one line, exit status 1."""


# --------------------------------------------------------------------------- matplotlib

def load_matplotlib():
    """Imports matplotlib with the Agg backend and settings that keep SVG small and deterministic."""
    global mpl
    if mpl is not None:
        return
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.figure  # noqa: F401  (the submodules used below)
        import matplotlib.font_manager  # noqa: F401
        import matplotlib.legend_handler  # noqa: F401
        import matplotlib.lines  # noqa: F401
        import matplotlib.patches  # noqa: F401
        import matplotlib.text  # noqa: F401
        import matplotlib.textpath  # noqa: F401
        import matplotlib.ticker  # noqa: F401
    except ImportError as e:
        raise UsageError("cannot import matplotlib (%s) with %s; install Debian's python3-matplotlib "
                         "(apt-get install python3-matplotlib) and run this script with /usr/bin/python3"
                         % (e, sys.executable))
    matplotlib.rcParams.update({
        "svg.fonttype": "none",        # text stays <text>, not glyph outlines: small files, searchable
        "svg.hashsalt": "vecnn-plot",  # fixed ids (clip paths, markers): same input, same bytes
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", "Helvetica", "Arial"],
        "font.size": 10,
        "axes.edgecolor": INK,
        "axes.labelcolor": INK,
        "axes.linewidth": 0.8,
        "xtick.color": INK,
        "ytick.color": INK,
        "text.color": INK,
        "legend.fontsize": 9,
        "legend.edgecolor": "#bbbbbb",
        "legend.framealpha": 0.9,
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
    })
    mpl = matplotlib


def wrap(text, width_in, size, bold=False):
    """text broken at spaces into lines no wider than width_in inches at font size `size` (points)."""
    prop = mpl.font_manager.FontProperties(size=size, weight="bold" if bold else "normal")
    measure = mpl.textpath.TextToPath()

    def fits(s):
        return measure.get_text_width_height_descent(s, prop, ismath=False)[0] <= width_in * 72

    lines = []
    for word in text.split():
        if lines and fits(lines[-1] + " " + word):
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def new_figure(width, height, title, note, bottom=0.06):
    """A figure of width x height inches with the title (bold) and note (grey) centred at the top.

    The axes go below them through matplotlib's constrained layout, which keeps tick
    labels, axis labels and axes legends clear of each other; `bottom` inches are kept
    free at the foot for a figure legend.
    """
    fig = mpl.figure.Figure(figsize=(width, height), dpi=100, layout="constrained")
    y = 0.12  # inches from the top
    for text, size, bold, colour in ((title, 13, True, INK), (note, 9, False, GREY)):
        if not text:
            continue
        for line in wrap(text, width - 0.4, size, bold):
            fig.text(0.5, 1 - y / height, line, ha="center", va="top", fontsize=size,
                     fontweight="bold" if bold else "normal", color=colour)
            y += size * 1.3 / 72
        y += 0.04
    top = y + 0.04 if (title or note) else 0.0
    # rect is (left, bottom, width, height) in figure fractions.
    fig.get_layout_engine().set(rect=(0, bottom / height, 1, 1 - (top + bottom) / height), w_pad=0.06, h_pad=0.06)
    return fig


def output_format(path):
    ext = os.path.splitext(path)[1].lower()
    if not ext:
        raise UsageError("%s: no extension to tell the picture format; OUT must end in .svg or .png" % path)
    if ext not in FORMATS:
        raise UsageError("%s: unknown picture format '%s'; OUT must end in .svg or .png" % (path, ext))
    return ext[1:]


def save(fig, path):
    """Writes fig to path (format from the extension) through a temporary file in the same folder."""
    fmt = output_format(path)
    folder = os.path.dirname(path) or "."
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix="." + fmt, dir=folder)
    except OSError as e:
        raise InputError(path, None, "cannot write: %s" % (e.strerror or e))
    try:
        with os.fdopen(fd, "wb") as f:
            if fmt == "svg":
                fig.savefig(f, format="svg", metadata={"Date": None})
            else:
                fig.savefig(f, format="png", dpi=DPI_PNG)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it 0600; a picture is as readable as any file
        os.replace(tmp, path)
    except OSError as e:
        os.unlink(tmp)
        raise InputError(path, None, "cannot write: %s" % (e.strerror or e))
    except BaseException:
        os.unlink(tmp)
        raise


def light_grid(ax, axis="both", minor=False):
    ax.set_axisbelow(True)
    ax.grid(True, which="major", axis=axis, color=GRID, linewidth=0.8)
    if minor:
        ax.grid(True, which="minor", axis=axis, color="#f3f3f3", linewidth=0.6)


# --------------------------------------------------------------------------- axis helpers

def nice_step(span, target):
    """A step of 1, 2, 2.5 or 5 times a power of ten giving about `target` intervals."""
    raw = span / max(target, 1)
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * mag >= raw * 0.999:
            return m * mag
    return 10 * mag


def nice_limits(lo, hi, target=5):
    """Limits widened to multiples of a nice step, and that step."""
    if hi - lo < 1e-12 * max(1.0, abs(hi)):
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    step = nice_step(hi - lo, target)
    return math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step, step


def step_decimals(step):
    d = 0
    while d < 8 and abs(step * 10 ** d - round(step * 10 ** d)) > 1e-6:
        d += 1
    return d


def si_label(v):
    """1, 10, 100, 1k, 10k, 100k, 1M ... for decades."""
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= factor * 0.999:
            return ("%g" % (v / factor)) + suffix
    return "%g" % v


SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def power_of_two(k):
    """2 to the k as text with a superscript exponent: 2¹⁶."""
    return "2" + str(k).translate(SUPERSCRIPT)


# --------------------------------------------------------------------------- input reading

def open_text(path):
    try:
        with open(path, "r", encoding="utf-8") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        raise InputError(path, None, "no such file")
    except IsADirectoryError:
        raise InputError(path, None, "is a directory, not a file")
    except UnicodeDecodeError as e:
        raise InputError(path, None, "not UTF-8 text (%s)" % e.reason)
    except OSError as e:
        raise InputError(path, None, "cannot read: %s" % (e.strerror or e))


def read_jsonl(path):
    """(line number, object) for every non-blank line; each line must be a JSON object."""
    records = []
    for n, line in enumerate(open_text(path), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(path, n, "not valid JSON: %s at column %d" % (e.msg, e.colno))
        except ValueError as e:  # e.g. numbers too large to convert
            raise InputError(path, n, "not valid JSON: %s" % e)
        if not isinstance(obj, dict):
            raise InputError(path, n, "expected a JSON object, got %s" % type(obj).__name__)
        records.append((n, obj))
    if not records:
        raise InputError(path, None, "no records (the file is empty)")
    return records


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def field(path, n, obj, name, kind="number", optional=False, nullable=False, where=""):
    """obj[name] checked against kind ('number', 'string'); None if absent/null and allowed."""
    if name not in obj:
        if optional:
            return None
        raise InputError(path, n, "%smissing field '%s'" % (where, name))
    v = obj[name]
    if v is None:
        if nullable:
            return None
        raise InputError(path, n, "%sfield '%s' is null" % (where, name))
    if kind == "number" and not is_number(v):
        raise InputError(path, n, "%sfield '%s' should be a number, got %s" % (where, name, json.dumps(v)))
    if kind == "string" and not isinstance(v, str):
        raise InputError(path, n, "%sfield '%s' should be a string, got %s" % (where, name, json.dumps(v)))
    return v


# --------------------------------------------------------------------------- curves

def read_curves(path):
    epochs, series = [], {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    for n, obj in read_jsonl(path):
        epoch = field(path, n, obj, "epoch")
        if epochs and epoch <= epochs[-1]:
            raise InputError(path, n, "epoch %g does not follow epoch %g" % (epoch, epochs[-1]))
        epochs.append(epoch)
        for name in series:
            v = field(path, n, obj, name, optional=name.startswith("val_"), nullable=True)
            if v is not None and name.endswith("accuracy") and not 0 <= v <= 1:
                raise InputError(path, n, "field '%s' is %g, outside 0..1" % (name, v))
            series[name].append(v)
    if all(v is None for values in series.values() for v in values):
        raise InputError(path, None, "every loss and accuracy is null: nothing to plot")
    return epochs, series


def segments(xs, ys):
    """Runs of consecutive non-null points: a missing value breaks the line."""
    out, run = [], []
    for x, y in zip(xs, ys):
        if y is None:
            if run:
                out.append(run)
            run = []
        else:
            run.append((x, y))
    if run:
        out.append(run)
    return out


def curves_panel(ax, epochs, train, val, name, percent, markers):
    """One panel: training (solid) and validation (dashed) values of `name` per epoch."""
    ticker = mpl.ticker
    lo_e, hi_e = min(epochs), max(epochs)
    if hi_e == lo_e:
        lo_e, hi_e = lo_e - 1, hi_e + 1
    values = [v for v in train + val if v is not None]
    if not values:
        ylo, yhi, ystep = 0.0, 1.0, 0.25
    elif percent:
        ylo, yhi, ystep = nice_limits(min(values), max(values))
        ylo, yhi = max(0.0, ylo), min(1.0, yhi)
    else:
        ylo, yhi, ystep = nice_limits(min(0.0, min(values)), max(values))
    # A little room around the data so markers at the limits (100% accuracy) are not cut by the frame.
    xpad, ypad = 0.02 * (hi_e - lo_e), 0.025 * (yhi - ylo)
    ax.set_xlim(lo_e - xpad, hi_e + xpad)
    ax.set_ylim(ylo - ypad, yhi + ypad)
    ax.xaxis.set_major_locator(ticker.MaxNLocator(nbins=6, steps=[1, 2, 5, 10], integer=True))
    ax.yaxis.set_major_locator(ticker.MultipleLocator(ystep))
    decimals = step_decimals(ystep * (100 if percent else 1))
    if percent:
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: "%.*f%%" % (decimals, 100 * v)))
    else:
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: "%.*f" % (decimals, v)))
    light_grid(ax)
    ax.set_xlabel("epoch")
    ax.set_ylabel(name)
    last_fmt = (lambda v: "%.2f%%" % (100 * v)) if percent else (lambda v: "%.4f" % v)
    plotted = False
    for series, ys, colour, dashes in (("training", train, TRAIN_COLOUR, None),
                                       ("validation", val, VAL_COLOUR, (6, 3))):
        runs = segments(epochs, ys)
        if not runs:
            continue
        last = [v for v in ys if v is not None][-1]
        label = "%s (last %s)" % (series, last_fmt(last))
        for i, run in enumerate(runs):
            style = dict(color=colour, linewidth=2, solid_joinstyle="round", dash_joinstyle="round",
                         marker="o" if markers or len(run) == 1 else None, markersize=4,
                         gid="%s-%s-%d" % (name, series, i + 1), label=label if i == 0 else "_nolegend_")
            if dashes:
                style["dashes"] = dashes
            ax.plot([e for e, _ in run], [v for _, v in run], **style)
        plotted = True
    # Loss falls from the top left and accuracy rises to the top right, so the
    # corner the curves usually leave empty is top right for loss, bottom right for accuracy.
    if plotted:
        ax.legend(loc="lower right" if percent else "upper right")
    else:
        ax.text(0.5, 0.5, "no %s values in the log" % name, transform=ax.transAxes, ha="center", va="center",
                color=GREY)


def cmd_curves(args):
    epochs, s = read_curves(args.log)
    load_matplotlib()
    fig = new_figure(10, 4.4, args.title, args.note)
    loss_ax, acc_ax = fig.subplots(1, 2)
    markers = len(epochs) <= 40
    curves_panel(loss_ax, epochs, s["loss"], s["val_loss"], "loss", False, markers)
    curves_panel(acc_ax, epochs, s["accuracy"], s["val_accuracy"], "accuracy", True, markers)
    save(fig, args.out)


# --------------------------------------------------------------------------- regions

def read_regions(path):
    lines = open_text(path)
    if not lines:
        raise InputError(path, None, "empty file, expected the header 'kind,x,y,class'")
    header = [c.strip() for c in lines[0].lstrip("\ufeff").split(",")]
    if header != ["kind", "x", "y", "class"]:
        got = lines[0] if len(lines[0]) <= 40 else lines[0][:40] + "..."
        raise InputError(path, 1, "expected the header 'kind,x,y,class', got '%s'" % got)
    grid, points = {}, []
    rows = csv.reader(lines[1:])
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as e:
            raise InputError(path, rows.line_num + 1, "not valid CSV: %s" % e)
        n = rows.line_num + 1  # the header is line 1
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != 4:
            raise InputError(path, n, "expected 4 comma-separated values, got %d" % len(row))
        kind = row[0].strip()
        try:
            x, y = float(row[1]), float(row[2])
        except ValueError:
            raise InputError(path, n, "x and y should be numbers, got '%s', '%s'" % (row[1], row[2]))
        if not (math.isfinite(x) and math.isfinite(y)):
            raise InputError(path, n, "x and y should be finite numbers")
        try:
            c = int(row[3])
        except ValueError:
            raise InputError(path, n, "class should be an integer, got '%s'" % row[3])
        if c < 0:
            raise InputError(path, n, "class should not be negative, got %d" % c)
        if kind == "grid":
            if (x, y) in grid:
                raise InputError(path, n, "grid cell (%g, %g) appears twice" % (x, y))
            grid[(x, y)] = c
        elif kind == "point":
            points.append((x, y, c))
        else:
            raise InputError(path, n, "kind should be 'grid' or 'point', got '%s'" % kind)
    if not grid:
        raise InputError(path, None, "no 'grid' rows: nothing to colour")
    xs = sorted({x for x, _ in grid})
    ys = sorted({y for _, y in grid})
    if len(xs) * len(ys) != len(grid):
        raise InputError(path, None, "the grid rows do not form a full grid (%d distinct x, %d distinct y, %d cells)"
                         % (len(xs), len(ys), len(grid)))
    return xs, ys, grid, points


def cell_edges(vs):
    """Cell boundaries around sorted centres: midpoints inside, half a spacing outside."""
    if len(vs) == 1:
        return [vs[0] - 0.5, vs[0] + 0.5]
    mids = [(a + b) / 2 for a, b in zip(vs, vs[1:])]
    return [vs[0] - (vs[1] - vs[0]) / 2] + mids + [vs[-1] + (vs[-1] - vs[-2]) / 2]


def tint(colour, amount):
    """colour mixed with white: amount 1 is the colour, 0 is white."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#%02x%02x%02x" % tuple(round(255 - (255 - c) * amount) for c in (r, g, b))


def rgb(colour):
    return [int(colour[i:i + 2], 16) for i in (1, 3, 5)]


def cmd_regions(args):
    xs, ys, grid, points = read_regions(args.regions)
    load_matplotlib()
    import numpy as np  # matplotlib's own dependency

    colour = lambda c: PALETTE[c % len(PALETTE)]
    shade = lambda c: tint(colour(c), 0.28)
    classes = sorted(set(grid.values()) | {p[2] for p in points})
    xe, ye = cell_edges(xs), cell_edges(ys)
    # Rows from the lowest y up; imshow's origin="lower" puts row 0 at the bottom.
    image = np.array([[rgb(shade(grid[(x, y)])) for x in xs] for y in ys], dtype=np.uint8)

    fig = new_figure(6.6, 5.6, args.title, args.note)
    ax = fig.subplots()
    # One pixel per grid cell, drawn unsmoothed ("none"): in SVG the grid itself is embedded, a small PNG.
    ax.imshow(image, origin="lower", extent=(xe[0], xe[-1], ye[0], ye[-1]), interpolation="none",
              aspect="equal", gid="regions")
    for c in classes:
        mine = [(x, y) for x, y, k in points if k == c]
        if mine:
            ax.plot([p[0] for p in mine], [p[1] for p in mine], linestyle="none", marker="o", markersize=4.5,
                    markerfacecolor=colour(c), markeredgecolor="white", markeredgewidth=0.6,
                    gid="points-class-%d" % c)
    xlo, xhi = min([xe[0]] + [p[0] for p in points]), max([xe[-1]] + [p[0] for p in points])
    ylo, yhi = min([ye[0]] + [p[1] for p in points]), max([ye[-1]] + [p[1] for p in points])
    ax.set_xlim(xlo, xhi)
    ax.set_ylim(ylo, yhi)
    ax.set_xlabel("x")
    ax.set_ylabel("y")

    # Key to the right of the plot: region shade with the point colour on it, per class.
    Line2D, Patch = mpl.lines.Line2D, mpl.patches.Patch
    handles = [(Patch(facecolor=shade(c), edgecolor="#bbbbbb"),
                Line2D([], [], linestyle="none", marker="o", markersize=5, markerfacecolor=colour(c),
                       markeredgecolor="white", markeredgewidth=0.6)) for c in classes]
    ax.legend(handles, ["class %d" % c for c in classes], loc="upper left", bbox_to_anchor=(1.03, 1),
              borderaxespad=0, frameon=False, fontsize=10, handlelength=1.4, handleheight=1.4,
              handler_map={tuple: mpl.legend_handler.HandlerTuple(ndivide=1)})
    ax.text(1.03, 0, "shade: predicted\ndots: training\n%d x %d grid\n%d points" % (len(xs), len(ys), len(points)),
            transform=ax.transAxes, ha="left", va="bottom", fontsize=8.5, color=GREY, linespacing=1.5)
    save(fig, args.out)


# --------------------------------------------------------------------------- bench

def read_bench(path):
    """Configs in file order: [(name, model, batch, {engine: (samples/s, bound)})]."""
    configs, index = [], {}
    for n, obj in read_jsonl(path):
        name = field(path, n, obj, "config", "string")
        model = field(path, n, obj, "model", "string")
        batch = field(path, n, obj, "batch")
        engine = field(path, n, obj, "engine", "string")
        if engine not in ("vectorized", "loop"):
            raise InputError(path, n, "engine should be \"vectorized\" or \"loop\", got %s" % json.dumps(engine))
        rate = field(path, n, obj, "samples_per_s")
        bound = field(path, n, obj, "gemm_bound_samples_per_s")
        for key, v in (("samples_per_s", rate), ("gemm_bound_samples_per_s", bound)):
            if v <= 0:
                raise InputError(path, n, "field '%s' should be positive (log scale), got %g" % (key, v))
        if name not in index:
            index[name] = len(configs)
            configs.append((name, model, batch, {}))
        c = configs[index[name]]
        if c[1] != model or c[2] != batch:
            raise InputError(path, n, "config '%s' has model %s batch %g here but %s batch %g before"
                             % (name, model, batch, c[1], c[2]))
        if engine in c[3]:
            raise InputError(path, n, "config '%s' engine %s appears twice" % (name, engine))
        c[3][engine] = (rate, bound)
    return configs


def short_model(spec):
    """'linear(784,256),relu,linear(256,10)' -> '784-256-10 relu'; other specs shortened to fit."""
    parts = [p.strip() for p in re.split(r",(?![^(]*\))", spec)]
    sizes, acts = [], set()
    for p in parts:
        m = re.fullmatch(r"linear\((\d+),(\d+)\)", p.replace(" ", ""))
        if m:
            if sizes and sizes[-1] != m.group(1):
                break
            sizes = sizes or [m.group(1)]
            sizes.append(m.group(2))
        elif re.fullmatch(r"[a-z_]+", p):
            acts.add(p)
        else:
            break
    else:
        if len(sizes) > 1:
            return "-".join(sizes) + (" " + "/".join(sorted(acts)) if acts else "")
    return spec if len(spec) <= 24 else spec[:23] + "\u2026"


def ratio_label(r):
    return ("%.0f\u00d7" if r >= 9.95 else "%.1f\u00d7") % r


class TextKey:
    """A legend key that is a piece of text (the "n×" standing for the ratio labels)."""

    def __init__(self, text):
        self.text = text


class TextKeyHandler:
    def legend_artist(self, legend, orig_handle, fontsize, handlebox):
        t = mpl.text.Text(handlebox.width / 2 - handlebox.xdescent, handlebox.height / 2 - handlebox.ydescent,
                          orig_handle.text, ha="center", va="center", fontsize=fontsize, fontweight="bold",
                          color=INK)
        handlebox.add_artist(t)
        return t


def cmd_bench(args):
    configs = read_bench(args.bench)
    load_matplotlib()
    values = [v for _, _, _, runs in configs for run in runs.values() for v in run]
    # At least half a decade below the smallest bar, so that it shows.
    lo = 10 ** math.floor(math.log10(min(values)) - 0.5)
    hi = max(values) * 4  # room for the ratios above the bars
    configs = [(name, short_model(model), batch, runs) for name, model, batch, runs in configs]
    # Each config gets room for its model line (8.5 pt text, about 0.066 inch a character).
    group = max(1.2, max(0.066 * len(m) for _, m, _, _ in configs) + 0.25)
    fig = new_figure(max(7.5, 1.1 + group * len(configs)), 5.4, args.title, args.note, bottom=0.1)
    ax = fig.subplots()
    ax.set_yscale("log")
    ax.set_ylim(lo, hi)
    ax.set_xlim(-0.5, len(configs) - 0.5)
    ax.yaxis.set_major_locator(mpl.ticker.LogLocator(base=10, numticks=30))
    ax.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: si_label(v)))
    ax.yaxis.set_minor_locator(mpl.ticker.LogLocator(base=10, subs=range(2, 10), numticks=30))
    ax.yaxis.set_minor_formatter(mpl.ticker.NullFormatter())
    light_grid(ax, axis="y", minor=True)
    ax.set_ylabel("samples/s (log scale)")

    half = 0.19  # bar width 0.36, 0.02 apart
    for k, (_, _, _, runs) in enumerate(configs):
        for engine, dx, colour in (("loop", -half, LOOP_COLOUR), ("vectorized", half, VEC_COLOUR)):
            if engine in runs:
                ax.bar(k + dx, runs[engine][0] - lo, bottom=lo, width=0.36, color=colour, linewidth=0,
                       gid="bar-%s-%d" % (engine, k))
        bound = runs.get("vectorized", runs.get("loop"))[1]
        ax.plot([k - 0.44, k + 0.44], [bound, bound], color=INK, linewidth=2, dashes=(5, 2),
                gid="bound-%d" % k)
        if "loop" in runs and "vectorized" in runs:
            top = max(runs["loop"][0], runs["vectorized"][0], runs["vectorized"][1])
            ax.annotate(ratio_label(runs["vectorized"][0] / runs["loop"][0]), (k, top), xytext=(0, 5),
                        textcoords="offset points", ha="center", va="bottom", fontsize=11, fontweight="bold",
                        gid="ratio-%d" % k)

    # Under each pair: the config name (the tick label, bold), then its model and batch in grey.
    ax.set_xticks(range(len(configs)))
    ax.set_xticklabels([name for name, _, _, _ in configs], fontweight="bold", fontsize=10.5)
    ax.tick_params(axis="x", length=0, pad=5)
    for k, (_, model, batch, _) in enumerate(configs):
        ax.annotate("%s\nbatch %g" % (model, batch), (k, 0), xycoords=("data", "axes fraction"),
                    xytext=(0, -21), textcoords="offset points", ha="center", va="top", fontsize=8.5,
                    color=GREY, annotation_clip=False)

    Patch, Line2D = mpl.patches.Patch, mpl.lines.Line2D
    handles = [Patch(color=LOOP_COLOUR), Patch(color=VEC_COLOUR),
               Line2D([], [], color=INK, linewidth=2, dashes=(5, 2)), TextKey("n\u00d7")]
    ax.legend(handles, ["loop engine", "vectorized engine", "GEMM-only bound", "vectorized / loop"],
              loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, frameon=False, handlelength=2.2,
              columnspacing=1.6, handler_map={TextKey: TextKeyHandler()})
    save(fig, args.out)


# --------------------------------------------------------------------------- budget

def load_budget(paths):
    """Pooled over the files: ({(kernel, engine, log2n): median cpu ns per call}, {key: samples}, context)."""
    times, context = {}, None
    for path in paths:
        text = "\n".join(open_text(path))
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            raise InputError(path, e.lineno, "not valid JSON: %s at column %d" % (e.msg, e.colno))
        except ValueError as e:
            raise InputError(path, None, "not valid JSON: %s" % e)
        if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
            raise InputError(path, None, "expected Google Benchmark JSON (an object with a 'benchmarks' list), "
                             "as vecnn_budget --benchmark_out=F --benchmark_out_format=json writes")
        ctx = doc.get("context", {})
        if not isinstance(ctx, dict):
            raise InputError(path, None, "'context' should be an object")
        context = context or ctx
        found = 0
        for i, b in enumerate(doc["benchmarks"]):
            where = "benchmarks[%d]: " % i
            if not isinstance(b, dict):
                raise InputError(path, None, where + "expected an object, got %s" % type(b).__name__)
            if b.get("run_type") != "iteration" or b.get("error_occurred"):
                continue
            name = field(path, None, b, "run_name", "string", where=where)
            m = re.fullmatch(r"(\w+)/(loop|vectorized)/(\d+)", name.split("/repeats:")[0])
            if not m:
                continue
            where = "benchmarks[%d] (%s): " % (i, name)
            cpu = field(path, None, b, "cpu_time", where=where)
            unit = field(path, None, b, "time_unit", "string", where=where)
            if unit not in UNIT_NS:
                raise InputError(path, None, where + "unknown time_unit %s (expected ns, us, ms or s)"
                                 % json.dumps(unit))
            if cpu <= 0:
                raise InputError(path, None, where + "cpu_time should be positive, got %g" % cpu)
            key = (m.group(1), m.group(2), int(m.group(3)))
            times.setdefault(key, []).append(cpu * UNIT_NS[unit])
            found += 1
        if not found:
            raise InputError(path, None, "no vecnn_budget results (iterations named KERNEL/loop/LOG2N or "
                             "KERNEL/vectorized/LOG2N)")
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


def budget_kernels(med):
    return [k for k in KERNELS if any(key[0] == k for key in med)]


def budget_ratios(med, sizes, k):
    return [(n, med[(k, "loop", n)] / med[(k, "vectorized", n)]) for n in sizes
            if (k, "loop", n) in med and (k, "vectorized", n) in med]


def print_markdown(med, counts, sizes):
    """The tables of docs/vectorization_budget.md."""
    print("Median CPU time per call over %d-%d repetitions; ratio = loop / vectorized.\n"
          % (min(counts.values()), max(counts.values())))
    kernels = budget_kernels(med)
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
        v = verdict(budget_ratios(med, sizes, k))
        if v:
            print("| %s | %s | 2^%d | %.2f | %.2f at 2^%d | %.2f at 2^%d |" % ((k,) + v))
    titles = {"linear": "Linear forward (X (rows x w) times W^T (w x w)) in GFLOP/s:",
              "linear_bf16": "The same products with bf16 operands (float32 sums) in GFLOP/s:"}
    for kernel in (k for k in ("linear", "linear_bf16") if k in kernels):
        print("\n%s\n" % titles[kernel])
        print("| elements | shape | loop GFLOP/s | vectorized GFLOP/s |")
        print("|---:|---|---:|---:|")
        for n in sizes:
            w = linear_width(n)
            rows = (1 << n) // w
            flops = 2.0 * rows * w * w
            lo, ve = med.get((kernel, "loop", n)), med.get((kernel, "vectorized", n))
            print("| 2^%d | %dx%d | %s | %s |" % (n, rows, w, "%.2f" % (flops / lo) if lo else "-",
                                                 "%.1f" % (flops / ve) if ve else "-"))


def cache_sizes(context):
    """[(bytes, "L1"), (bytes, "L2")] of one core's data caches, from Google Benchmark's context."""
    found = {}
    caches = context.get("caches", [])
    for c in caches if isinstance(caches, list) else []:
        if (isinstance(c, dict) and c.get("type") in ("Data", "Unified") and c.get("level") in (1, 2)
                and c.get("level") not in found and is_number(c.get("size")) and c["size"] > 0):
            found[c["level"]] = c["size"]
    return [(found[level], "L%d" % level) for level in (1, 2) if level in found]


def budget_default_note(context):
    return "xsimd %s (%s float lanes), %s" % (context.get("xsimd_arch", "?"), context.get("xsimd_float_lanes", "?"),
                                              str(context.get("openblas", "")).split(" MAX_")[0])


def budget_log_axis(ax, panel, values, fmt, xmin, xmax, context):
    """Log y over whole decades around values, x = log2 of the size with 2ᵏ ticks, cache marks."""
    ticker = mpl.ticker
    lo_e, hi_e = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    if hi_e == lo_e:
        hi_e += 1
    ax.set_yscale("log")
    ax.set_ylim(10 ** lo_e, 10 ** hi_e)
    ax.yaxis.set_major_locator(ticker.LogLocator(base=10, numticks=30))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: fmt(round(math.log10(v)))))
    ax.yaxis.set_minor_locator(ticker.LogLocator(base=10, subs=range(2, 10), numticks=30))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())
    pad = 0.02 * (xmax - xmin) if xmax > xmin else 1  # the end markers whole, not cut by the frame
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_xticks(range(xmin, xmax + 1, 2 if xmax - xmin > 2 else 1))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: power_of_two(int(round(v)))))
    light_grid(ax)
    ax.set_xlabel("elements")
    # Where two float arrays (x and y of relu) stop fitting one core's L1d and L2, as the
    # benchmark's context reports them.
    for cache, label in cache_sizes(context):
        k = math.log2(cache / 8)
        if xmin <= k <= xmax:
            ax.axvline(k, color="#999999", linewidth=1, dashes=(2, 3), gid="cache-%s-%s" % (panel, label))
            right = k > xmin + 0.7 * (xmax - xmin)  # near the right edge the label goes left of the line
            ax.text(k, 0.985, ("2 arrays > %s " if right else " 2 arrays > %s") % label,
                    transform=ax.get_xaxis_transform(), ha="right" if right else "left", va="top", fontsize=8,
                    color="#777777")


def cmd_budget(args):
    files = args.files
    if args.markdown and os.path.splitext(files[-1])[1].lower() not in FORMATS:
        inputs, out = files, None  # tables only
    else:
        if len(files) < 2:
            raise UsageError("budget: expected RUN.json [RUN.json ...] OUT (or --markdown for the tables only)")
        inputs, out = files[:-1], files[-1]
        output_format(out)
    med, counts, context = load_budget(inputs)
    sizes = sorted({k[2] for k in med})
    if args.markdown:
        print_markdown(med, counts, sizes)
    if out is None:
        return
    load_matplotlib()
    note = args.note if args.note is not None else budget_default_note(context)
    fig = new_figure(11, 5.4, args.title, note, bottom=0.4)
    ratio_ax, rate_ax = fig.subplots(1, 2)
    xmin, xmax = min(sizes), max(sizes)
    kernels = budget_kernels(med)

    # Panel 1: the speed-up, loop time / vectorized time.
    ratios = {k: budget_ratios(med, sizes, k) for k in kernels}
    allr = [r for v in ratios.values() for _, r in v]
    budget_log_axis(ratio_ax, "ratio", allr + [0.5, 2], lambda e: "%g\u00d7" % 10 ** e, xmin, xmax, context)
    ratio_ax.axhline(1, color=INK, linewidth=1, dashes=(4, 3), gid="ratio-one")
    ratio_ax.set_title("speed-up: loop time / vectorized time (> 1: vectorized faster)", loc="left", fontweight="bold", fontsize=10)
    for k in kernels:
        if ratios[k]:
            ratio_ax.plot([n for n, _ in ratios[k]], [r for _, r in ratios[k]], color=KERNEL_COLOURS[k],
                          linewidth=2, marker="o", markersize=3.5, gid="ratio-%s" % k)

    # Panel 2: elements/s of both flavours.
    rates = {(k, e): [(n, (1 << n) / med[(k, e, n)] * 1e9) for n in sizes if (k, e, n) in med]
             for k in kernels for e in ("loop", "vectorized")}
    allv = [v for pts in rates.values() for _, v in pts]
    names = {0: "1", 1: "10", 2: "100", 3: "1k", 4: "10k", 5: "100k", 6: "1M", 7: "10M", 8: "100M", 9: "1G",
             10: "10G", 11: "100G", 12: "1T"}
    budget_log_axis(rate_ax, "rate", allv, lambda e: names.get(e, "1e%d" % e) + "/s", xmin, xmax, context)
    rate_ax.set_title("elements/s (solid: vectorized, dashed: loop)", loc="left", fontweight="bold", fontsize=10)
    for (k, e), pts in rates.items():
        style = dict(dashes=(6, 4)) if e == "loop" else {}
        rate_ax.plot([n for n, _ in pts], [v for _, v in pts], color=KERNEL_COLOURS[k], linewidth=2, marker="o",
                     markersize=3.5, gid="rate-%s-%s" % (k, e), **style)

    Line2D = mpl.lines.Line2D
    fig.legend([Line2D([], [], color=KERNEL_COLOURS[k], linewidth=3) for k in kernels],
               [KERNEL_LABELS[k] for k in kernels], loc="lower center", bbox_to_anchor=(0.5, 0.01),
               ncol=len(kernels), frameon=False, fontsize=10, columnspacing=2.5)
    save(fig, out)


# --------------------------------------------------------------------------- lessons (distance, cache)

BYTE_UNITS = {"": 1, "b": 1, "bytes": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
              "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30, "t": 1 << 40, "tb": 1 << 40, "tib": 1 << 40}


def fmt_bytes(b):
    """512 B, 32 KiB, 9.31 GiB: binary units, 3 significant digits, as vecnn prints sizes."""
    units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    u = 0
    while b >= 1024 * 0.9995 and u < len(units) - 1:
        b /= 1024
        u += 1
    return "%g %s" % (float("%.3g" % b), units[u])


def fmt_seconds(s):
    """2 µs, 150 ms, 1.5 s: 3 significant digits in the largest unit that keeps the number >= 1."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= scale * 0.9995 or unit == "ns":
            return "%g %s" % (float("%.3g" % (s / scale)), unit)


def parse_bytes(option, text):
    """A size given on the command line: 49152, 48K, 48KiB, 1.25 MiB (K, KB and KiB all mean 1024)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d*)?)\s*([A-Za-z]*)\s*", text)
    if not m or m.group(2).lower() not in BYTE_UNITS or float(m.group(1)) * BYTE_UNITS[m.group(2).lower()] < 1:
        raise UsageError("%s: expected a size in bytes such as 49152, 48KiB or 1.25MiB, got '%s'" % (option, text))
    return float(m.group(1)) * BYTE_UNITS[m.group(2).lower()]


def log_ticks(lo, hi, most=8):
    """Ticks between lo and hi (> 0) on a log scale: 1-2-5 per decade, 1-3, decades, or every k-th decade."""
    e0, e1 = math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1
    inside = lambda v: lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9)
    for mults in ((1, 2, 5), (1, 3), (1,)):
        ticks = [float("%.6g" % (m * 10.0 ** e)) for e in range(e0, e1 + 1) for m in mults]
        ticks = [v for v in ticks if inside(v)]
        if len(ticks) <= most:
            return ticks
    step = math.ceil((e1 - e0) / most)
    return [10.0 ** e for e in range(e0, e1 + 1) if e % step == 0 and inside(10.0 ** e)]


def pow2_ticks(lo, hi, most=8, anchor=0):
    """Powers of two between lo and hi, every 1, 2, 5, 10 or 20 exponents so that at most `most` show,
    on exponents that differ from `anchor` by a multiple of the step (anchor 0: 1 KiB, 1 MiB, 1 GiB stay ticks)."""
    k0, k1 = math.ceil(math.log2(lo) - 1e-9), math.floor(math.log2(hi) + 1e-9)
    for step in (1, 2, 5, 10, 20):
        ks = [k for k in range(k0, k1 + 1) if (k - anchor) % step == 0]
        if len(ks) <= most:
            return [2.0 ** k for k in ks]
    return [2.0 ** k for k in range(k0, k1 + 1) if k % 40 == 0]


def fixed_log_axis(axis, ticks, fmt):
    """A log axis with exactly these major ticks and labels, no minor ticks (no stray 2×10⁻⁵ labels)."""
    ticker = mpl.ticker
    axis.set_major_locator(ticker.FixedLocator(ticks))
    axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: fmt(v)))
    axis.set_minor_locator(ticker.NullLocator())
    axis.set_minor_formatter(ticker.NullFormatter())


def lesson_records(path, lesson):
    """(line, object) of the rows of `lesson`; every row must name its lesson."""
    return [(n, obj) for n, obj in read_jsonl(path) if field(path, n, obj, "lesson", "string") == lesson]


def run_size(rows):
    """'--size full' when every row has the same "size", else ''."""
    sizes = {obj.get("size") for _, obj in rows}
    return "--size %s" % sizes.pop() if len(sizes) == 1 and isinstance(next(iter(sizes)), str) else ""


MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LABEL_BOX = dict(boxstyle="square,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85)  # readable over lines
CHUNKED = "identity in chunks"  # its version name goes on with the rows per chunk and the budget, which vary


def read_distance(path):
    """The distance-matrix rows (those with a field 'n'):
    (versions in order of first appearance, {(version, n): (median s or None, peak bytes, note)}, budgets, rows)."""
    records = lesson_records(path, "distance")
    versions, points, budgets, used = [], {}, [], []
    for line, obj in records:
        if "n" not in obj:
            continue  # the float32 cancellation table: no n, not a point of these curves
        n = field(path, line, obj, "n")
        if n < 1 or n != int(n):
            raise InputError(path, line, "field 'n' should be a positive whole number, got %s" % json.dumps(n))
        n = int(n)
        version = field(path, line, obj, "version", "string")
        median = field(path, line, obj, "median_s", nullable=True)
        if median is not None and median <= 0:
            raise InputError(path, line, "field 'median_s' should be positive (log scale), got %g" % median)
        peak = field(path, line, obj, "peak_heap_bytes")
        if peak < 0:
            raise InputError(path, line, "field 'peak_heap_bytes' should not be negative, got %g" % peak)
        note = field(path, line, obj, "note", "string", optional=True, nullable=True)
        if version.startswith(CHUNKED):
            version = CHUNKED
            budget = field(path, line, obj, "budget_bytes")
            if budget <= 0:
                raise InputError(path, line, "field 'budget_bytes' should be positive, got %g" % budget)
            if budget not in budgets:
                budgets.append(budget)
        if (version, n) in points:
            raise InputError(path, line, "version '%s' at n = %d appears twice" % (version, n))
        if version not in versions:
            versions.append(version)
        points[(version, n)] = (median, peak, note)
        used.append((line, obj))
    if not used:
        raise InputError(path, None, "no rows of the distance-matrix lesson (lesson \"distance\" with a field 'n')%s: "
                         "nothing to plot" % (", only its float32 table" if records else ""))
    if all(p[0] is None for p in points.values()):
        raise InputError(path, None, "every median_s of the distance-matrix lesson is null: nothing to plot")
    return versions, points, budgets, used


def would_need(note):
    """The bytes a skipped version's note says it needed ('... needs 9.31 GiB, over ...'), or None."""
    m = re.search(r"needs (\d+(?:\.\d+)?) (bytes|B|KiB|MiB|GiB|TiB)\b", note or "")
    return float(m.group(1)) * BYTE_UNITS[m.group(2).lower()] if m else None


def distance_label(version, budgets):
    if version == CHUNKED:
        return CHUNKED + (" (budget %s)" % fmt_bytes(budgets[0]) if len(budgets) == 1 else " (under the budget)")
    return version


def cmd_lessons_distance(args):
    versions, points, budgets, rows = read_distance(args.lessons)
    load_matplotlib()
    ns = sorted({n for _, n in points})
    colour = {v: PALETTE[k % len(PALETTE)] for k, v in enumerate(versions)}
    # A marker shape per version as well, and the chunked identity dashed: where two versions have the
    # same values (the chunked identity is the plain one when a single chunk fits the budget) both show.
    style = {v: dict(color=colour[v], linewidth=2, marker=MARKERS[k % len(MARKERS)], markersize=5,
                     **(dict(dashes=(5, 2.5)) if v == CHUNKED else {})) for k, v in enumerate(versions)}
    if args.note is None:
        ds = {m.group(1) for _, obj in rows for m in [re.search(r"\bd = (\d+)", str(obj.get("table", "")))] if m}
        args.note = "; ".join(s for s in (
            ("vecnn lessons %s" % run_size(rows)).strip(),
            "n points against n in d = %s dimensions, float64" % ds.pop() if len(ds) == 1 else "n points against n",
            "median time per call and peak heap on top of the inputs") if s)
    fig = new_figure(11, 5.8, args.title, args.note, bottom=0.72)
    time_ax, heap_ax = fig.subplots(1, 2)
    Line2D = mpl.lines.Line2D
    xlo, xhi = ns[0] / 1.25, ns[-1] * 1.25
    skipped = [(v, n, p[2]) for (v, n), p in points.items() if p[0] is None]
    skipped.sort(key=lambda s: (ns.index(s[1]), versions.index(s[0])))
    for ax in (time_ax, heap_ax):
        ax.set_xscale("log")
        ax.set_xlim(xlo, xhi)
        fixed_log_axis(ax.xaxis, ns, lambda v: "%d" % round(v))
        ax.set_xlabel("n (points, log scale)")
        light_grid(ax)
    bottom_mark = time_ax.get_xaxis_transform()  # x in data, y in axes fractions

    # Left: median time per call. A version not run at some n (skipped, over the budget) breaks its line
    # and gets a cross at the foot of the panel, in its colour, marked "skipped".
    times = [p[0] for p in points.values() if p[0] is not None]
    tlo, thi = min(times) / (4 if skipped else 2), max(times) * 2
    time_ax.set_yscale("log")
    time_ax.set_ylim(tlo, thi)
    fixed_log_axis(time_ax.yaxis, log_ticks(tlo, thi), fmt_seconds)
    time_ax.set_ylabel("median time per call (log scale)")
    time_ax.set_title("time", loc="left", fontweight="bold", fontsize=10)
    for k, v in enumerate(versions):
        ys = [points[(v, n)][0] if (v, n) in points else None for n in ns]
        for i, run in enumerate(segments(ns, ys)):
            time_ax.plot([x for x, _ in run], [y for _, y in run], gid="time-%d-%d" % (k, i + 1), **style[v])
    stacked = {}
    for j, (v, n, note) in enumerate(skipped):
        level = stacked.get(n, 0)
        stacked[n] = level + 1
        y = 0.05 + 0.08 * level
        time_ax.plot([n], [y], transform=bottom_mark, linestyle="none", marker="x", markersize=7,
                     markeredgewidth=2, color=colour[v], gid="skip-time-%d" % (j + 1))
        last = n == ns[-1] and len(ns) > 1  # at the right edge the word goes left of the cross
        time_ax.annotate("skipped" if (note or "").startswith("skipped") else "no time", (n, y), xycoords=bottom_mark,
                         xytext=(-7 if last else 7, 0), textcoords="offset points", ha="right" if last else "left",
                         va="center", fontsize=8.5,
                         color=colour[v], bbox=LABEL_BOX, gid="skip-time-label-%d" % (j + 1))

    # Right: peak heap on top of the inputs. Zero (the loops allocate nothing) has no place on a log
    # scale: said in words. A skipped version is drawn where its note says it would have needed.
    heaps = [p[1] for (v, n), p in points.items() if p[0] is not None and p[1] > 0]
    needs = [(v, n, would_need(note)) for v, n, note in skipped]
    extent = heaps + budgets + [b for _, _, b in needs if b]
    if not extent:
        extent = [1024.0]
    hlo, hhi = min(extent) / 3, max(extent) * 3
    heap_ax.set_yscale("log", base=2)
    heap_ax.set_ylim(hlo, hhi)
    fixed_log_axis(heap_ax.yaxis, pow2_ticks(hlo, hhi, most=8), fmt_bytes)
    heap_ax.set_ylabel("peak extra heap (log scale)")
    heap_ax.set_title("memory", loc="left", fontweight="bold", fontsize=10)
    for i, b in enumerate(budgets):
        heap_ax.axhline(b, color=INK, linewidth=1.2, dashes=(5, 3), gid="budget-%d" % (i + 1))
        heap_ax.annotate("budget %s" % fmt_bytes(b), (0.01, b), xycoords=heap_ax.get_yaxis_transform(),
                         xytext=(0, -3), textcoords="offset points", ha="left", va="top", fontsize=8.5, color=INK)
    zero = {}
    for k, v in enumerate(versions):
        ys = []
        for n in ns:
            p = points.get((v, n))
            if p is None or p[0] is None:
                ys.append(None)
            elif p[1] == 0:
                ys.append(None)
                zero.setdefault(v, []).append(n)
            else:
                ys.append(p[1])
        for i, run in enumerate(segments(ns, ys)):
            heap_ax.plot([x for x, _ in run], [y for _, y in run], gid="heap-%d-%d" % (k, i + 1), **style[v])
    for j, (v, n, need) in enumerate(needs):
        first = n == ns[0]  # the label goes up and to the left of the circle, or to the right at the first n
        if need:
            heap_ax.plot([n], [need], linestyle="none", marker="o", markersize=7, markerfacecolor="white",
                         markeredgewidth=1.8, color=colour[v], gid="skip-heap-%d" % (j + 1))
            heap_ax.annotate("skipped: needs %s" % fmt_bytes(need), (n, need), xytext=(7 if first else -7, 3),
                             textcoords="offset points", ha="left" if first else "right", va="bottom",
                             fontsize=8.5, color=colour[v], bbox=LABEL_BOX, gid="skip-heap-label-%d" % (j + 1))
    notes = []
    for v, zs in zero.items():
        at = "" if len(zs) == len(ns) else " at n = " + ", ".join("%d" % n for n in zs)
        notes.append("%s: 0 B%s" % (v, at))
    unplaced = [v for v, _, need in needs if not need]
    if unplaced:
        notes.append("skipped, size unknown: " + ", ".join(sorted(set(unplaced), key=versions.index)))
    if notes:
        heap_ax.text(0.99, 0.02, "not on the log scale:\n" + "\n".join(notes), transform=heap_ax.transAxes,
                     ha="right", va="bottom", fontsize=8, color=GREY, linespacing=1.4, gid="heap-zero")

    handles = [Line2D([], [], **style[v]) for v in versions]
    labels = [distance_label(v, budgets) for v in versions]
    if budgets:
        handles.append(Line2D([], [], color=INK, linewidth=1.2, dashes=(5, 3)))
        labels.append("chunk budget (--chunk-budget)")
    if skipped:
        handles.append(Line2D([], [], linestyle="none", marker="x", markersize=7, markeredgewidth=2, color=GREY))
        labels.append("skipped: not run (no time)")
    fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.01), ncol=3, frameon=False,
               fontsize=9.5, columnspacing=2.0, handlelength=2.4)
    save(fig, args.out)


CONTIGUOUS, STRIDED = "row by row", "column by column"


def read_cache(path):
    """Versions in order of first appearance, {(version, bytes): ns per element or None}, the rows."""
    versions, points, records = [], {}, lesson_records(path, "cache")
    for line, obj in records:
        version = field(path, line, obj, "version", "string")
        size = field(path, line, obj, "bytes")
        if size <= 0:
            raise InputError(path, line, "field 'bytes' should be positive (log scale), got %g" % size)
        ns = field(path, line, obj, "ns_per_element", nullable=True)
        if ns is not None and ns <= 0:
            raise InputError(path, line, "field 'ns_per_element' should be positive, got %g" % ns)
        if (version, size) in points:
            raise InputError(path, line, "version '%s' at %g bytes appears twice" % (version, size))
        if version not in versions:
            versions.append(version)
        points[(version, size)] = ns
    if not points:
        raise InputError(path, None, "no rows of the cache lesson (lesson \"cache\"): nothing to plot")
    if all(v is None for v in points.values()):
        raise InputError(path, None, "every ns_per_element of the cache lesson is null: nothing to plot")
    return versions, points, records


def cmd_lessons_cache(args):
    caches = [(label, parse_bytes("--" + label.lower(), text))
              for label, text in (("L1", args.l1), ("L2", args.l2), ("L3", args.l3)) if text is not None]
    versions, points, rows = read_cache(args.lessons)
    load_matplotlib()
    sizes = sorted({s for _, s in points})
    if args.note is None:
        args.note = ("vecnn lessons %s" % run_size(rows)).strip() + ": the same sum over an (n, n) float64 array, " \
                    "in memory order and against it; median time per element (small arrays summed many times per run)"
    fig = new_figure(8.5, 5.6, args.title, args.note)
    ax = fig.subplots()
    colour = {v: PALETTE[k % len(PALETTE)] for k, v in enumerate(versions)}

    xlo, xhi = sizes[0] / 1.3, sizes[-1] * 1.3
    ax.set_xscale("log", base=2)
    ax.set_xlim(xlo, xhi)
    fixed_log_axis(ax.xaxis, pow2_ticks(xlo, xhi, most=9, anchor=round(math.log2(sizes[0]))), fmt_bytes)
    ax.set_xlabel("array size (log scale)")
    values = [v for v in points.values() if v is not None]
    ylog = max(values) / min(values) > 10  # a wide range reads on a log scale; a narrow one on a linear one from 0
    if ylog:
        ylo, yhi = min(values) / 1.6, max(values) * 2.2  # room above the top point for its ratio label
        ax.set_yscale("log")
        ax.set_ylim(ylo, yhi)
        fixed_log_axis(ax.yaxis, log_ticks(ylo, yhi), lambda v: "%g" % v)
        ax.set_ylabel("ns per element (log scale)")
    else:
        _, yhi, ystep = nice_limits(0.0, max(values) * 1.15)
        ax.set_ylim(0, yhi)
        ax.yaxis.set_major_locator(mpl.ticker.MultipleLocator(ystep))
        decimals = step_decimals(ystep)
        ax.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: "%.*f" % (decimals, v)))
        ax.set_ylabel("ns per element")
    light_grid(ax)

    # The caches: a dotted line where an array of that many bytes stops fitting.
    off = []
    for label, size in caches:
        if xlo <= size <= xhi:
            ax.axvline(size, color="#888888", linewidth=1.2, dashes=(1, 2.5), gid="cache-%s" % label)
            ax.annotate(label, (size, 0.985), xycoords=ax.get_xaxis_transform(), xytext=(3, 0),
                        textcoords="offset points", ha="left", va="top", fontsize=9, fontweight="bold",
                        color="#555555", gid="cache-label-%s" % label)
            ax.annotate(fmt_bytes(size), (size, 0.985), xycoords=ax.get_xaxis_transform(), xytext=(3, -12),
                        textcoords="offset points", ha="left", va="top", fontsize=7.5, color="#777777")
        else:
            off.append("%s %s" % (label, fmt_bytes(size)))
    if off:
        ax.text(0.01, 0.985 if not caches or len(off) == len(caches) else 0.90,
                "off the chart: " + ", ".join(off), transform=ax.transAxes, ha="left", va="top", fontsize=8,
                color=GREY, gid="cache-off")

    for k, v in enumerate(versions):
        ys = [points.get((v, s)) for s in sizes]
        for i, run in enumerate(segments(sizes, ys)):
            ax.plot([x for x, _ in run], [y for _, y in run], color=colour[v], linewidth=2, marker="o", markersize=4.5,
                    gid="walk-%d-%d" % (k, i + 1), label=v if i == 0 else "_nolegend_")

    # The price of the stride: column time over row time, above each pair of points.
    rows = [v for v in versions if v.startswith(CONTIGUOUS)]
    cols = [v for v in versions if v.startswith(STRIDED)]
    ratios = 0
    if rows and cols:
        for s in sizes:
            a, b = points.get((rows[0], s)), points.get((cols[0], s))
            if a is not None and b is not None:
                ratios += 1
                top = max(y for y in (points.get((v, s)) for v in versions) if y is not None)  # above every walk
                ax.annotate(ratio_label(b / a), (s, top), xytext=(0, 6), textcoords="offset points",
                            ha="center", va="bottom", fontsize=9.5, fontweight="bold", color=INK,
                            gid="ratio-%d" % ratios)
    handles, labels = ax.get_legend_handles_labels()
    if ratios:
        handles.append(TextKey("n\u00d7"))
        labels.append("column time / row time")
    ax.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False,
              handlelength=2.2, columnspacing=1.6, handler_map={TextKey: TextKeyHandler()})
    save(fig, args.out)


# --------------------------------------------------------------------------- main

def main(argv):
    p = argparse.ArgumentParser(prog="plot.py", description=__doc__.split("\n\n")[0],
                                epilog="OUT ends in .svg or .png. See the top of tools/plot.py for more.")
    sub = p.add_subparsers(dest="command",
                           metavar="{curves,regions,bench,budget,lessons-distance,lessons-cache}")
    sub.required = True

    def add(name, help_text, default_title, **kw):
        sp = sub.add_parser(name, help=help_text, description=help_text, **kw)
        sp.add_argument("--title", default=default_title, help="title at the top (default: %(default)s)")
        return sp

    def add_single(name, input_name, help_text, input_help, default_title):
        sp = add(name, help_text, default_title)
        sp.add_argument(input_name, help=input_help)
        sp.add_argument("out", metavar="OUT", help="the picture to write: .svg or .png")
        sp.add_argument("--note", default="", help="a smaller grey line under the title")

    add_single("curves", "log", "loss and accuracy per epoch from a JSON-lines training log",
               "LOG.jsonl from vecnn train --log-json or examples/mnist --log-json", "Training curves")
    add_single("regions", "regions", "decision regions and training points from examples/spirals --save-regions",
               "REGIONS.csv with header kind,x,y,class", "Decision regions")
    add_single("bench", "bench", "loop vs vectorized samples/s per config from vecnn bench --json",
               "BENCH.jsonl from vecnn bench --json", "Training-step throughput, loop vs vectorized")

    def add_lessons(name, help_text, default_title):
        sp = add(name, help_text, default_title)
        sp.add_argument("lessons", metavar="LESSONS.jsonl", help="the JSON lines of vecnn lessons --json")
        sp.add_argument("out", metavar="OUT", help="the picture to write: .svg or .png")
        sp.add_argument("--note", default=None, help="a smaller grey line under the title (default: what is "
                        "measured, and the --size of the run)")
        return sp

    add_lessons("lessons-distance", "distance-matrix lesson: median time and peak extra heap per version against n",
                "Euclidean distance matrix, four ways: time and memory")
    sp = add_lessons("lessons-cache", "cache lesson: ns per element of the row and column walks against array size",
                     "Cache effects: one sum, walking the array in memory order and across it")
    for level in ("l1", "l2", "l3"):
        sp.add_argument("--" + level, metavar="BYTES", default=None,
                        help="the size of one %s%s cache, drawn as a dotted line: bytes, or with KiB, MiB "
                             "(K, KB mean 1024 too); lscpu -C=NAME,ONE-SIZE -B lists them"
                             % (level.upper(), " data" if level == "l1" else ""))
    sp = add("budget", "vectorization budget (speed-up and elements/s per size) from vecnn_budget JSON files",
             "vecnn vectorization budget: float32, 1 thread, CPU time per call (median)",
             usage="plot.py budget RUN.json [RUN.json ...] OUT [--title T] [--note N] [--markdown]\n"
                   "       plot.py budget RUN.json [RUN.json ...] --markdown")
    sp.add_argument("files", nargs="+", metavar="RUN.json ... OUT",
                    help="vecnn_budget --benchmark_out files (json format), pooled; then the picture to write "
                         "(.svg or .png), which --markdown makes optional")
    sp.add_argument("--note", default=None, help="a smaller grey line under the title (default: the xsimd "
                    "architecture and OpenBLAS build from the first file's context)")
    sp.add_argument("--markdown", action="store_true",
                    help="print the tables of docs/vectorization_budget.md as Markdown on stdout")

    # Positionals may come after options (budget a.json --markdown b.json out.svg): argparse hands back
    # what follows an option as unrecognized, so put those plain words back in order.
    args, extra = p.parse_known_args(argv)
    if extra:
        if args.command != "budget" or any(a.startswith("-") and a != "-" for a in extra):
            p.error("unrecognized arguments: %s" % " ".join(extra))
        args.files += extra
    try:
        if args.command != "budget":
            output_format(args.out)  # before any work: a wrong OUT is named at once
        {"curves": cmd_curves, "regions": cmd_regions, "bench": cmd_bench, "budget": cmd_budget,
         "lessons-distance": cmd_lessons_distance, "lessons-cache": cmd_lessons_cache}[args.command](args)
    except (InputError, UsageError) as e:
        print("plot.py: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
