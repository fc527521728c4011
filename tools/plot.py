#!/usr/bin/env python3
"""Pictures of vecnn runs as SVG files, with nothing but the Python standard library.

    tools/plot.py curves  LOG.jsonl     OUT.svg   loss and accuracy per epoch (train, validation)
    tools/plot.py regions REGIONS.csv   OUT.svg   decision regions and training points (spirals)
    tools/plot.py bench   BENCH.jsonl   OUT.svg   loop vs vectorized samples/s per config, log scale

Inputs are what the programs write: `vecnn train --log-json F` and
`examples/mnist --log-json F` (one JSON object per epoch: epoch, loss,
accuracy, optionally val_loss, val_accuracy; null where a value is missing),
`examples/spirals --save-regions F` (CSV `kind,x,y,class`, rows `grid,...`
and `point,...`) and `vecnn bench --json F` (one JSON object per config and
engine). Every subcommand takes --title and --note (a grey line under the
title). tools/make_pictures.sh runs the programs and this script to rebuild
the pictures in docs/.

Why SVG and only the standard library: it runs on a fresh Debian with just
`python3` (no numpy or matplotlib to install), the output is plain text that
diffs and reviews like code, stays small, and GitHub renders it inline in
the README.

A bad input (missing or unreadable file, malformed line, missing or wrongly
typed field) ends the program with one line on stderr naming the file and,
when one line is at fault, the line: `plot.py: error: FILE:LINE: what`, exit
status 1, and no output file.
"""

import argparse
import csv
import json
import math
import re
import sys
from xml.sax.saxutils import escape, quoteattr

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
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


class InputError(Exception):
    """A problem with an input file; str() is the one line shown to the user."""

    def __init__(self, path, line, what):
        where = "%s:%d" % (path, line) if line else str(path)
        super().__init__("%s: %s" % (where, what))


# --------------------------------------------------------------------------- SVG writer

def num(v):
    """A coordinate with at most two decimals and no trailing zeros."""
    s = "%.2f" % v
    s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def text_width(s, size):
    """Rough width of s in a sans-serif font: enough to lay out legends and labels."""
    return 0.58 * size * len(s)


class Svg:
    """Collects elements and writes one self-contained SVG document."""

    def __init__(self, width, height):
        self.width, self.height = width, height
        self.parts = []
        self.depth = 1

    def _attrs(self, attrs):
        out = []
        for k, v in attrs.items():
            if v is None:
                continue
            if isinstance(v, float):
                v = num(v)
            out.append(" %s=%s" % (k.rstrip("_").replace("_", "-"), quoteattr(str(v))))
        return "".join(out)

    def element(self, tag, text=None, **attrs):
        pad = "  " * self.depth
        if text is None:
            self.parts.append("%s<%s%s/>" % (pad, tag, self._attrs(attrs)))
        else:
            self.parts.append("%s<%s%s>%s</%s>" % (pad, tag, self._attrs(attrs), escape(text), tag))

    def open(self, tag, **attrs):
        self.parts.append("%s<%s%s>" % ("  " * self.depth, tag, self._attrs(attrs)))
        self.depth += 1

    def close(self, tag):
        self.depth -= 1
        self.parts.append("%s</%s>" % ("  " * self.depth, tag))

    def rect(self, x, y, w, h, **attrs):
        self.element("rect", x=float(x), y=float(y), width=float(w), height=float(h), **attrs)

    def line(self, x1, y1, x2, y2, **attrs):
        self.element("line", x1=float(x1), y1=float(y1), x2=float(x2), y2=float(y2), **attrs)

    def text(self, x, y, s, size=12, anchor="start", **attrs):
        self.element("text", s, x=float(x), y=float(y), font_size=size,
                     text_anchor=None if anchor == "start" else anchor, **attrs)

    def polyline(self, points, **attrs):
        self.element("polyline", points=" ".join("%s,%s" % (num(x), num(y)) for x, y in points),
                     fill="none", **attrs)

    def circle(self, x, y, r, **attrs):
        self.element("circle", cx=float(x), cy=float(y), r=float(r), **attrs)

    def title(self, title, note):
        """The picture's title (and a grey note under it), centred at the top."""
        if title:
            self.element("title", title)  # the name screen readers and tooltips show
            self.text(self.width / 2, 24, title, size=16, anchor="middle", font_weight="bold", fill=INK)
        if note:
            self.text(self.width / 2, 42, note, size=11, anchor="middle", fill=GREY)

    def write(self, path):
        head = ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
                'font-family=%s>' % (self.width, self.height, self.width, self.height, quoteattr(FONT)))
        body = "\n".join(self.parts)
        doc = '<?xml version="1.0" encoding="UTF-8"?>\n%s\n  <rect width="100%%" height="100%%" fill="white"/>\n%s\n</svg>\n' % (head, body)
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(doc)
        except OSError as e:
            raise InputError(path, None, "cannot write: %s" % (e.strerror or e))


# --------------------------------------------------------------------------- axes

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


def linear_ticks(lo, hi, step):
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [k * step for k in range(first, last + 1)]


def step_decimals(step):
    d = 0
    while d < 8 and abs(step * 10 ** d - round(step * 10 ** d)) > 1e-6:
        d += 1
    return d


def fixed_formatter(step, suffix="", scale=1.0):
    d = step_decimals(step * scale)
    return lambda v: ("%.*f" % (d, v * scale)) + suffix


def si_label(v):
    """1, 10, 100, 1k, 10k, 100k, 1M ... for decades."""
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= factor:
            q = v / factor
            return ("%g" % q) + suffix
    return "%g" % v


class Axes:
    """A plot area at (x, y) of size w x h in pixels, mapping data limits to it."""

    def __init__(self, svg, x, y, w, h, xlim, ylim, ylog=False):
        self.svg, self.x, self.y, self.w, self.h = svg, x, y, w, h
        self.xlim, self.ylim, self.ylog = xlim, ylim, ylog

    def px(self, v):
        lo, hi = self.xlim
        return self.x + (v - lo) / (hi - lo) * self.w

    def py(self, v):
        lo, hi = self.ylim
        if self.ylog:
            lo, hi, v = math.log10(lo), math.log10(hi), math.log10(v)
        return self.y + self.h - (v - lo) / (hi - lo) * self.h

    def grid_and_ticks(self, xticks, yticks, xfmt, yfmt, yminor=()):
        s = self.svg
        s.open("g", class_="grid", stroke=GRID, stroke_width=1)
        for v in yminor:
            s.line(self.x, self.py(v), self.x + self.w, self.py(v), stroke="#f3f3f3")
        for v in yticks:
            s.line(self.x, self.py(v), self.x + self.w, self.py(v))
        for v in xticks:
            s.line(self.px(v), self.y, self.px(v), self.y + self.h)
        s.close("g")
        s.rect(self.x, self.y, self.w, self.h, fill="none", stroke=INK, stroke_width=1)
        s.open("g", class_="ticks", fill=INK)
        for v in xticks:
            s.line(self.px(v), self.y + self.h, self.px(v), self.y + self.h + 4, stroke=INK)
            s.text(self.px(v), self.y + self.h + 17, xfmt(v), size=11, anchor="middle")
        for v in yticks:
            s.line(self.x - 4, self.py(v), self.x, self.py(v), stroke=INK)
            s.text(self.x - 7, self.py(v) + 4, yfmt(v), size=11, anchor="end")
        s.close("g")

    def labels(self, xlabel, ylabel, ylabel_offset=48):
        if xlabel:
            self.svg.text(self.x + self.w / 2, self.y + self.h + 36, xlabel, size=12, anchor="middle", fill=INK)
        if ylabel:
            cx, cy = self.x - ylabel_offset, self.y + self.h / 2
            self.svg.text(cx, cy, ylabel, size=12, anchor="middle", fill=INK,
                          transform="rotate(-90 %s %s)" % (num(cx), num(cy)))

    def legend(self, entries, corner="top-right"):
        """entries: (label, draw) with draw(svg, x, y) painting a 20 px wide key centred on y."""
        if not entries:
            return
        size, row = 11, 17
        width = 34 + max(text_width(label, size) for label, _ in entries) + 8
        height = row * len(entries) + 8
        bx = self.x + self.w - width - 8 if corner.endswith("right") else self.x + 8
        by = self.y + 8 if corner.startswith("top") else self.y + self.h - height - 8
        s = self.svg
        s.open("g", class_="legend")
        s.rect(bx, by, width, height, fill="white", fill_opacity=0.9, stroke="#bbbbbb", rx=3)
        for i, (label, draw) in enumerate(entries):
            cy = by + 4 + row * i + row / 2
            draw(s, bx + 6, cy)
            s.text(bx + 32, cy + 4, label, size=size, fill=INK)
        s.close("g")


def line_key(colour, dash=None):
    def draw(s, x, y):
        s.line(x, y, x + 20, y, stroke=colour, stroke_width=2, stroke_dasharray=dash)
    return draw


def box_key(colour, stroke=None):
    def draw(s, x, y):
        s.rect(x + 3, y - 6, 14, 12, fill=colour, stroke=stroke)
    return draw


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


def field(path, n, obj, name, kind="number", optional=False, nullable=False):
    """obj[name] checked against kind ('number', 'string'); None if absent/null and allowed."""
    if name not in obj:
        if optional:
            return None
        raise InputError(path, n, "missing field '%s'" % name)
    v = obj[name]
    if v is None:
        if nullable:
            return None
        raise InputError(path, n, "field '%s' is null" % name)
    if kind == "number" and not is_number(v):
        raise InputError(path, n, "field '%s' should be a number, got %s" % (name, json.dumps(v)))
    if kind == "string" and not isinstance(v, str):
        raise InputError(path, n, "field '%s' should be a string, got %s" % (name, json.dumps(v)))
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


def panel(svg, box, epochs, train, val, ylabel, percent, markers):
    x, y, w, h = box
    values = [v for v in train + val if v is not None]
    lo_e, hi_e = min(epochs), max(epochs)
    if hi_e == lo_e:
        lo_e, hi_e = lo_e - 1, hi_e + 1
    xstep = max(1, nice_step(hi_e - lo_e, 6))
    xticks = [t for t in linear_ticks(lo_e, hi_e, xstep)]
    if not values:
        ylo, yhi, ystep = 0.0, 1.0, 0.25
    elif percent:
        ylo, yhi, ystep = nice_limits(min(values), max(values))
        ylo, yhi = max(0.0, ylo), min(1.0, yhi)
    else:
        ylo, yhi, ystep = nice_limits(min(0.0, min(values)), max(values))
    # A little room around the data so markers at the limits (100% accuracy) are not cut by the frame.
    xpad, ypad = 0.02 * (hi_e - lo_e), 0.025 * (yhi - ylo)
    ax = Axes(svg, x, y, w, h, (lo_e - xpad, hi_e + xpad), (ylo - ypad, yhi + ypad))
    yfmt = fixed_formatter(ystep, "%", 100.0) if percent else fixed_formatter(ystep)
    ax.grid_and_ticks(xticks, linear_ticks(ylo, yhi, ystep), lambda v: "%g" % v, yfmt)
    ax.labels("epoch", ylabel)
    entries = []
    last_fmt = (lambda v: "%.2f%%" % (100 * v)) if percent else (lambda v: "%.4f" % v)
    for name, ys, colour, dash in (("training", train, TRAIN_COLOUR, None),
                                   ("validation", val, VAL_COLOUR, "6,3")):
        runs = segments(epochs, ys)
        if not runs:
            continue
        svg.open("g", class_=name, stroke=colour, fill=colour)
        for run in runs:
            pts = [(ax.px(e), ax.py(v)) for e, v in run]
            if len(pts) > 1:
                svg.polyline(pts, stroke_width=2, stroke_dasharray=dash, stroke_linejoin="round")
            if markers or len(pts) == 1:
                for px, py in pts:
                    svg.circle(px, py, 2.5, stroke="none")
        svg.close("g")
        last = [v for v in ys if v is not None][-1]
        entries.append(("%s (last %s)" % (name, last_fmt(last)), line_key(colour, dash)))
    # Loss falls from the top left and accuracy rises to the top right, so the
    # corner the curves usually leave empty is top right for loss, bottom right for accuracy.
    if entries:
        ax.legend(entries, "bottom-right" if percent else "top-right")
    else:
        svg.text(x + w / 2, y + h / 2, "no %s values in the log" % ylabel, size=12, anchor="middle", fill=GREY)


def cmd_curves(args):
    epochs, s = read_curves(args.log)
    if all(v is None for v in s["loss"] + s["val_loss"] + s["accuracy"] + s["val_accuracy"]):
        raise InputError(args.log, None, "every loss and accuracy is null: nothing to plot")
    top = 58 if args.note else 46 if args.title else 14
    pw, ph = 380, 270
    svg = Svg(2 * pw + 170, top + ph + 50)
    svg.title(args.title, args.note)
    markers = len(epochs) <= 40
    panel(svg, (70, top, pw, ph), epochs, s["loss"], s["val_loss"], "loss", False, markers)
    panel(svg, (70 + pw + 90, top, pw, ph), epochs, s["accuracy"], s["val_accuracy"], "accuracy", True, markers)
    svg.write(args.out)


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


def region_rects(xs, ys, grid):
    """(background class, [(i0, i1, j0, j1, class)]): cells i0..i1-1 by rows j0..j1-1.

    One rectangle per maximal horizontal run of a non-background class in a row,
    merged with the same run in the rows above it; the most common class is the
    background. This keeps a 200x200 grid to a few thousand rectangles at most.
    """
    counts = {}
    for c in grid.values():
        counts[c] = counts.get(c, 0) + 1
    background = min(counts, key=lambda c: (-counts[c], c))
    done, open_runs = [], {}
    for j, y in enumerate(ys):
        runs, i = [], 0
        while i < len(xs):
            c = grid[(xs[i], y)]
            k = i
            while k < len(xs) and grid[(xs[k], y)] == c:
                k += 1
            if c != background:
                runs.append((i, k, c))
            i = k
        now = {}
        for run in runs:
            now[run] = open_runs.pop(run, j)  # the row it started in
        for (i0, i1, c), j0 in open_runs.items():
            done.append((i0, i1, j0, j, c))
        open_runs = now
    for (i0, i1, c), j0 in open_runs.items():
        done.append((i0, i1, j0, len(ys), c))
    done.sort(key=lambda r: (r[2], r[0]))
    return background, done


def cmd_regions(args):
    xs, ys, grid, points = read_regions(args.regions)
    xe, ye = cell_edges(xs), cell_edges(ys)
    xlo, xhi = min([xe[0]] + [p[0] for p in points]), max([xe[-1]] + [p[0] for p in points])
    ylo, yhi = min([ye[0]] + [p[1] for p in points]), max([ye[-1]] + [p[1] for p in points])
    side = 460
    if xhi - xlo >= yhi - ylo:
        w, h = side, max(120, side * (yhi - ylo) / (xhi - xlo))
    else:
        w, h = max(120, side * (xhi - xlo) / (yhi - ylo)), side
    classes = sorted(set(grid.values()) | {p[2] for p in points})
    legend_w = 40 + max(text_width("class %d" % c, 12) for c in classes) + 20
    top = 58 if args.note else 46 if args.title else 14
    left = 62
    svg = Svg(int(left + w + legend_w + 24), int(top + h + 52))
    svg.title(args.title, args.note)
    ax = Axes(svg, left, top, w, h, (xlo, xhi), (ylo, yhi))

    colour = lambda c: PALETTE[c % len(PALETTE)]
    background, rects = region_rects(xs, ys, grid)
    svg.open("g", id="regions", shape_rendering="crispEdges")
    svg.rect(ax.px(xe[0]), ax.py(ye[-1]), ax.px(xe[-1]) - ax.px(xe[0]), ax.py(ye[0]) - ax.py(ye[-1]),
             fill=tint(colour(background), 0.28), class_="background")
    for i0, i1, j0, j1, c in rects:
        x0, x1, y0, y1 = ax.px(xe[i0]), ax.px(xe[i1]), ax.py(ye[j1]), ax.py(ye[j0])
        svg.rect(x0, y0, x1 - x0, y1 - y0, fill=tint(colour(c), 0.28))
    svg.close("g")

    xlo_, xhi_, xstep = nice_limits(xlo, xhi)
    ylo_, yhi_, ystep = nice_limits(ylo, yhi)
    xticks = [t for t in linear_ticks(xlo_, xhi_, xstep) if xlo - 1e-9 <= t <= xhi + 1e-9]
    yticks = [t for t in linear_ticks(ylo_, yhi_, ystep) if ylo - 1e-9 <= t <= yhi + 1e-9]
    svg.rect(ax.x, ax.y, ax.w, ax.h, fill="none", stroke=INK)
    svg.open("g", class_="ticks", fill=INK)
    xfmt, yfmt = fixed_formatter(xstep), fixed_formatter(ystep)
    for v in xticks:
        svg.line(ax.px(v), ax.y + ax.h, ax.px(v), ax.y + ax.h + 4, stroke=INK)
        svg.text(ax.px(v), ax.y + ax.h + 17, xfmt(v), size=11, anchor="middle")
    for v in yticks:
        svg.line(ax.x - 4, ax.py(v), ax.x, ax.py(v), stroke=INK)
        svg.text(ax.x - 7, ax.py(v) + 4, yfmt(v), size=11, anchor="end")
    svg.close("g")
    ax.labels("x", "y", ylabel_offset=42)

    svg.open("g", id="points", stroke="white", stroke_width=0.7)
    for x, y, c in points:
        svg.circle(ax.px(x), ax.py(y), 2.6, fill=colour(c))
    svg.close("g")

    # Key to the right of the plot: region swatch and point colour per class.
    lx, ly = left + w + 18, top + 6
    svg.open("g", class_="legend")
    for k, c in enumerate(classes):
        cy = ly + 22 * k + 10
        svg.rect(lx, cy - 8, 16, 16, fill=tint(colour(c), 0.28), stroke="#bbbbbb")
        svg.circle(lx + 8, cy, 3.2, fill=colour(c), stroke="white", stroke_width=0.7)
        svg.text(lx + 24, cy + 4, "class %d" % c, size=12, fill=INK)
    n = len(classes)
    svg.text(lx, ly + 22 * n + 14, "shade: predicted", size=10, fill=GREY)
    svg.text(lx, ly + 22 * n + 28, "dots: training", size=10, fill=GREY)
    svg.text(lx, ly + 22 * n + 42, "%d x %d grid" % (len(xs), len(ys)), size=10, fill=GREY)
    svg.text(lx, ly + 22 * n + 56, "%d points" % len(points), size=10, fill=GREY)
    svg.close("g")
    svg.write(args.out)


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


def cmd_bench(args):
    configs = read_bench(args.bench)
    values = []
    for _, _, _, runs in configs:
        for rate, bound in runs.values():
            values += [rate, bound]
    lo = 10 ** math.floor(math.log10(min(values)))
    hi = max(values) * 4  # room for the ratios above the bars
    configs = [(name, short_model(model), batch, runs) for name, model, batch, runs in configs]
    group = max(118, max(text_width(m, 10) for _, m, _, _ in configs) + 16)
    top = 58 if args.note else 46 if args.title else 14
    left, h = 70, 300
    w = group * len(configs)
    svg = Svg(int(left + w + 20), int(top + h + 96))
    svg.title(args.title, args.note)
    ax = Axes(svg, left, top, w, h, (0, len(configs)), (lo, hi), ylog=True)
    decades = [10 ** k for k in range(int(math.log10(lo)), int(math.floor(math.log10(hi))) + 1)]
    minor = [d * m for d in decades for m in range(2, 10) if d * m < hi]
    ax.grid_and_ticks([], decades, None, si_label, yminor=minor)
    ax.labels(None, "samples/s (log scale)", ylabel_offset=52)

    bar = min(34, (group - 30) / 2)
    svg.open("g", id="bars", stroke="none")
    for k, (_, _, _, runs) in enumerate(configs):
        centre = ax.px(k + 0.5)
        for engine, dx, colour in (("loop", -bar - 2, LOOP_COLOUR), ("vectorized", 2, VEC_COLOUR)):
            if engine in runs:
                y = ax.py(runs[engine][0])
                svg.rect(centre + dx, y, bar, ax.y + ax.h - y, fill=colour, class_=engine)
    svg.close("g")

    svg.open("g", id="bounds", stroke=INK, stroke_width=2)
    for k, (_, _, _, runs) in enumerate(configs):
        centre = ax.px(k + 0.5)
        bound = runs.get("vectorized", runs.get("loop"))[1]
        y = ax.py(bound)
        svg.line(centre - bar - 8, y, centre + bar + 8, y, stroke_dasharray="5,2")
    svg.close("g")

    svg.open("g", id="ratios", fill=INK)
    for k, (_, _, _, runs) in enumerate(configs):
        if "loop" in runs and "vectorized" in runs:
            top_value = max(runs["loop"][0], runs["vectorized"][0], runs["vectorized"][1])
            svg.text(ax.px(k + 0.5), ax.py(top_value) - 6, ratio_label(runs["vectorized"][0] / runs["loop"][0]),
                     size=12, anchor="middle", font_weight="bold")
    svg.close("g")

    svg.open("g", class_="config-labels", fill=INK)
    for k, (name, model, batch, _) in enumerate(configs):
        cx = ax.px(k + 0.5)
        svg.text(cx, ax.y + ax.h + 17, name, size=12, anchor="middle", font_weight="bold")
        svg.text(cx, ax.y + ax.h + 31, model, size=10, anchor="middle", fill=GREY)
        svg.text(cx, ax.y + ax.h + 44, "batch %g" % batch, size=10, anchor="middle", fill=GREY)
    svg.close("g")

    # Key under the config labels, one row.
    entries = [("loop engine", box_key(LOOP_COLOUR)), ("vectorized engine", box_key(VEC_COLOUR)),
               ("GEMM-only bound", line_key(INK, "5,2")),
               ("vectorized / loop", lambda s, x, y: s.text(x + 10, y + 4, "n\u00d7", size=11, anchor="middle",
                                                            font_weight="bold", fill=INK))]
    widths = [30 + text_width(label, 11) + 18 for label, _ in entries]
    x = left + (w - sum(widths)) / 2
    y = ax.y + ax.h + 70
    svg.open("g", class_="legend")
    for (label, draw), wd in zip(entries, widths):
        draw(svg, x, y)
        svg.text(x + 26, y + 4, label, size=11, fill=INK)
        x += wd
    svg.close("g")
    svg.write(args.out)


# --------------------------------------------------------------------------- main

def main(argv):
    p = argparse.ArgumentParser(prog="plot.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", metavar="{curves,regions,bench}")
    sub.required = True

    def add(name, input_name, help_text, input_help, default_title):
        sp = sub.add_parser(name, help=help_text, description=help_text)
        sp.add_argument(input_name, help=input_help)
        sp.add_argument("out", metavar="OUT.svg", help="the SVG file to write")
        sp.add_argument("--title", default=default_title, help="title at the top (default: %(default)s)")
        sp.add_argument("--note", default="", help="a smaller grey line under the title")
        return sp

    add("curves", "log", "loss and accuracy per epoch from a JSON-lines training log",
        "LOG.jsonl from vecnn train --log-json or examples/mnist --log-json", "Training curves")
    add("regions", "regions", "decision regions and training points from examples/spirals --save-regions",
        "REGIONS.csv with header kind,x,y,class", "Decision regions")
    add("bench", "bench", "loop vs vectorized samples/s per config from vecnn bench --json",
        "BENCH.jsonl from vecnn bench --json", "Training-step throughput, loop vs vectorized")
    args = p.parse_args(argv)
    try:
        {"curves": cmd_curves, "regions": cmd_regions, "bench": cmd_bench}[args.command](args)
    except InputError as e:
        print("plot.py: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
