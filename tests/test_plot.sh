#!/usr/bin/env bash
# tools/plot.py (matplotlib) on tiny hand-made inputs in a temporary folder. For every
# subcommand: the SVG is well-formed with an <svg> root and holds the expected text (title,
# axis labels, legend entries, ratios) and the expected marks (markers per line, bars,
# dashed or solid lines, the colours of the region grid, bar heights on a log scale); the
# PNG has the PNG signature and the expected size in pixels; the same input twice gives
# byte-identical SVG. Every bad input ends with exit status 1, one stderr line naming the
# file (and the line), and no output file, not even a temporary one.
#
# Usage: tests/test_plot.sh
# Environment: PYTHON, the interpreter (default /usr/bin/python3, which can import Debian's
#   python3-matplotlib). Without matplotlib the test FAILS: it is not skipped.
# Registered in CTest (tests/CMakeLists.txt).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
plot="$here/../tools/plot.py"
python=${PYTHON:-/usr/bin/python3}
if ! "$python" -c 'import matplotlib' 2>/dev/null; then
    echo "test_plot: FAIL: '$python' cannot import matplotlib; install Debian's python3-matplotlib" \
         "(apt-get install python3-matplotlib) and run with PYTHON=/usr/bin/python3 (the default)" >&2
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

failures=0 checks=0
fail() {
    echo "test_plot: FAIL: $*" >&2
    failures=$((failures + 1))
}

# The checker: `check.py FILE CHECK...` prints one line per failed check and exits 1 if any failed.
#   svg                     FILE is well-formed XML with an <svg> root (always checked for .svg)
#   png:W:H                 FILE starts with the PNG signature and is W x H pixels
#   text:S                  some <text> element reads exactly S
#   ids:PREFIX:N            N elements have an id starting with PREFIX
#   uses:ID:N               the element with id ID holds N <use> elements (markers)
#   dashed:ID / solid:ID    the line drawn in element ID has / has no stroke-dasharray
#   idtext:ID:S             the element with id ID holds a <text> reading exactly S
#   height:ID1:ID2:R        the drawn height of ID1 over that of ID2 is R (within 2%)
#   pixels:ID:R1/R2/...     the <image> with id ID shows these rows, top row first, each a
#                           comma-separated list of #rrggbb colours, as the SVG transform places them
cat >check.py <<'EOF'
import base64, io, re, sys, xml.etree.ElementTree as ET

path, checks = sys.argv[1], sys.argv[2:]
problems = []
NS = "{http://www.w3.org/2000/svg}"

if checks and checks[0].startswith("png:"):
    _, w, h = checks[0].split(":")
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("%s: not a PNG (no PNG signature)" % path)
    got = (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))
    if got != (int(w), int(h)):
        sys.exit("%s: PNG is %dx%d pixels, expected %sx%s" % ((path,) + got + (w, h)))
    sys.exit(0)

try:
    root = ET.parse(path).getroot()
except Exception as e:
    sys.exit("%s: not well-formed XML: %s" % (path, e))
if root.tag != NS + "svg":
    sys.exit("%s: root element is %s, not <svg>" % (path, root.tag))


def text_of(e):
    return "".join(e.itertext()).strip()


def texts(under):
    return [text_of(e) for e in under.iter(NS + "text")]


by_id = {}
for e in root.iter():
    if e.get("id"):
        by_id.setdefault(e.get("id"), e)


def element(i):
    if i not in by_id:
        problems.append("%s: no element with id '%s'" % (path, i))
    return by_id.get(i)


def drawn_paths(e):
    """<path> elements drawn in e (marker shapes inside <defs> left out)."""
    defs = {id(p) for d in e.iter(NS + "defs") for p in d.iter()}
    return [p for p in e.iter(NS + "path") if id(p) not in defs]


def height(i):
    e = element(i)
    if e is None:
        return None
    ys = []
    for p in drawn_paths(e):
        nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", p.get("d", ""))]
        ys += nums[1::2]
    return max(ys) - min(ys) if ys else None


for c in checks:
    kind, _, rest = c.partition(":")
    if kind == "svg":
        pass
    elif kind == "text":
        if rest not in texts(root):
            problems.append("%s: no text '%s' (texts: %s)" % (path, rest, " | ".join(texts(root))[:400]))
    elif kind == "ids":
        prefix, n = rest.rsplit(":", 1)
        got = sum(1 for i in by_id if i.startswith(prefix))
        if got != int(n):
            problems.append("%s: %d ids start with '%s', expected %s" % (path, got, prefix, n))
    elif kind == "uses":
        i, n = rest.rsplit(":", 1)
        e = element(i)
        if e is not None and len(list(e.iter(NS + "use"))) != int(n):
            problems.append("%s: #%s has %d markers, expected %s" % (path, i, len(list(e.iter(NS + "use"))), n))
    elif kind in ("dashed", "solid"):
        e = element(rest)
        if e is not None:
            styles = [p.get("style", "") for p in drawn_paths(e)]
            dashed = any("stroke-dasharray" in s for s in styles)
            if not styles or dashed != (kind == "dashed"):
                problems.append("%s: #%s is not drawn %s (styles: %s)" % (path, rest, kind, styles))
    elif kind == "idtext":
        i, s = rest.split(":", 1)
        e = element(i)
        if e is not None and s not in texts(e):
            problems.append("%s: #%s does not read '%s' (%s)" % (path, i, s, texts(e)))
    elif kind == "height":
        a, b, r = rest.split(":")
        ha, hb = height(a), height(b)
        if ha is None or hb is None or not hb or abs(ha / hb - float(r)) > 0.02 * float(r):
            problems.append("%s: height of #%s / #%s is %s, expected %s" % (path, a, b, ha / hb if ha and hb else None, r))
    elif kind == "pixels":
        i, rows = rest.split(":", 1)
        e = element(i)
        if e is None:
            continue
        href = e.get("{http://www.w3.org/1999/xlink}href", "")
        if not href.startswith("data:image/png;base64,"):
            problems.append("%s: #%s is not an inline PNG image" % (path, i))
            continue
        import matplotlib.image
        img = matplotlib.image.imread(io.BytesIO(base64.b64decode(href.split(",", 1)[1])), format="png")
        grid = [["#%02x%02x%02x" % tuple(round(255 * v) for v in px[:3]) for px in row] for row in img]
        m = re.search(r"matrix\(([^)]*)\)", e.get("transform", ""))
        a, b_, c_, d = (float(v) for v in m.group(1).replace(",", " ").split()[:4]) if m else (1, 0, 0, 1)
        if d < 0:  # drawn upside down: the last PNG row is the top row on screen
            grid = grid[::-1]
        if a < 0:
            grid = [row[::-1] for row in grid]
        want = [r.split(",") for r in rows.split("/")]
        if grid != want:
            problems.append("%s: #%s shows %s, expected %s" % (path, i, grid, want))
    else:
        problems.append("unknown check '%s'" % c)

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
EOF

# check FILE CHECK...: runs the checker, one failure per problem it finds.
check() {
    local out
    checks=$((checks + 1))
    if ! out=$("$python" check.py "$@" 2>&1); then
        while IFS= read -r line; do fail "$line"; done <<<"$out"
    fi
}

# expect_ok ARGS...: plot.py succeeds, quietly.
expect_ok() {
    checks=$((checks + 1))
    if ! "$python" "$plot" "$@" >stdout.txt 2>err.txt; then
        fail "plot.py $* failed: $(cat err.txt)"
    elif [[ -s err.txt ]]; then
        fail "plot.py $* wrote to stderr: $(cat err.txt)"
    fi
}

# expect_same ARGS... : the SVG written twice from the same input is byte-identical.
expect_same() {
    checks=$((checks + 1))
    "$python" "$plot" "$@" again1.svg 2>err.txt && "$python" "$plot" "$@" again2.svg 2>>err.txt \
        || { fail "plot.py $* failed: $(cat err.txt)"; return; }
    cmp -s again1.svg again2.svg || fail "plot.py $*: two runs on the same input gave different SVG"
    rm -f again1.svg again2.svg
}

# expect_error WHERE OUT ARGS...: exit status 1, one stderr line "plot.py: error: ..." containing WHERE
# (the file name, with ":LINE" when the line is known), no traceback, OUT not written, no temporary left.
expect_error() {
    local where=$1 out=$2 status=0
    shift 2
    checks=$((checks + 1))
    rm -f "$out"
    "$python" "$plot" "$@" >stdout.txt 2>err.txt || status=$?
    if [[ $status != 1 ]]; then
        fail "plot.py $*: exit status $status, expected 1 ($(cat err.txt))"
    elif [[ $(wc -l <err.txt) != 1 ]] || ! grep -q '^plot.py: error: ' err.txt; then
        fail "plot.py $*: expected one line 'plot.py: error: ...', got: $(cat err.txt)"
    elif ! grep -qF -- "$where" err.txt; then
        fail "plot.py $*: error does not name '$where': $(cat err.txt)"
    elif [[ -e $out ]]; then
        fail "plot.py $*: wrote $out despite the error"
    elif compgen -G ".$(basename "$out").*" >/dev/null; then
        fail "plot.py $*: left a temporary file behind: $(echo .$(basename "$out").*)"
    fi
}

# ---------------------------------------------------------------- curves
cat >log.jsonl <<'EOF'
{"epoch":1,"step":10,"loss":0.9,"accuracy":0.6,"val_loss":1.0,"val_accuracy":0.55,"samples_per_s":100}
{"epoch":2,"step":20,"loss":0.5,"accuracy":0.8,"val_loss":null,"val_accuracy":0.7}
{"epoch":3,"step":30,"loss":0.3,"accuracy":0.9,"val_loss":0.4,"val_accuracy":0.8}

{"epoch":4,"step":40,"loss":0.2,"accuracy":0.95,"val_loss":0.35,"val_accuracy":0.85}
EOF
expect_ok curves log.jsonl curves.svg --title "tiny log" --note "four epochs"
# loss: training one line of 4 points; validation broken by the null into a lone point and a
# line of 2. accuracy: one line of 4 each. Training solid, validation dashed.
check curves.svg svg "text:tiny log" "text:four epochs" text:epoch text:loss text:accuracy \
    "text:training (last 0.2000)" "text:validation (last 0.3500)" \
    "text:training (last 95.00%)" "text:validation (last 85.00%)" text:100% text:50% \
    ids:loss-training-:1 uses:loss-training-1:4 solid:loss-training-1 \
    ids:loss-validation-:2 uses:loss-validation-1:1 uses:loss-validation-2:2 dashed:loss-validation-2 \
    ids:accuracy-training-:1 uses:accuracy-training-1:4 solid:accuracy-training-1 \
    ids:accuracy-validation-:1 uses:accuracy-validation-1:4 dashed:accuracy-validation-1
expect_ok curves log.jsonl curves.png --title "tiny log"
check curves.png png:1500:660
expect_same curves log.jsonl

printf '{"epoch":1,"loss":0.7,"accuracy":0.5}\n{"epoch":2,"loss":0.6,"accuracy":0.6}\n' >train_only.jsonl
expect_ok curves train_only.jsonl train_only.svg
check train_only.svg "text:Training curves" ids:loss-training-:1 uses:loss-training-1:2 ids:loss-validation-:0 \
    ids:accuracy-validation-:0 "text:training (last 60.00%)"
# Past 40 epochs the lines carry no markers.
for e in $(seq 1 50); do echo "{\"epoch\":$e,\"loss\":$((100 - e))e-2,\"accuracy\":0.$((10 + e))}"; done >long.jsonl
expect_ok curves long.jsonl long.svg
check long.svg uses:loss-training-1:0 uses:accuracy-training-1:0 "text:training (last 0.5000)"

printf '{"epoch":1,"loss":0.7,"accuracy":0.5}\n{"epoch":2,"loss":0.6\n' >broken.jsonl
expect_error broken.jsonl:2 out.svg curves broken.jsonl out.svg
printf '{"epoch":1,"loss":0.7}\n' >no_accuracy.jsonl
expect_error no_accuracy.jsonl:1 out.svg curves no_accuracy.jsonl out.svg
grep -q "accuracy" err.txt || fail "missing field: the error does not name the field: $(cat err.txt)"
printf '{"epoch":1,"loss":"high","accuracy":0.5}\n' >string_loss.jsonl
expect_error string_loss.jsonl:1 out.svg curves string_loss.jsonl out.svg
printf '[1,2]\n' >not_object.jsonl
expect_error not_object.jsonl:1 out.png curves not_object.jsonl out.png
printf '{"epoch":1,"loss":null,"accuracy":null}\n' >all_null.jsonl
expect_error all_null.jsonl out.svg curves all_null.jsonl out.svg
: >empty.jsonl
expect_error empty.jsonl out.svg curves empty.jsonl out.svg
expect_error missing.jsonl out.svg curves missing.jsonl out.svg
# The output's extension picks the format: anything but .svg and .png is refused before any work.
expect_error "out.pdf" out.pdf curves log.jsonl out.pdf
grep -q "'.pdf'" err.txt || fail "unknown extension: the error does not name '.pdf': $(cat err.txt)"
expect_error "outfile" outfile curves log.jsonl outfile
expect_error "no_such_dir/out.svg" no_such_dir/out.svg curves log.jsonl no_such_dir/out.svg

# ---------------------------------------------------------------- regions
# 3x3 grid: class 1 in columns x=1,2 of rows y=0,1, class 0 elsewhere; three training points.
cat >regions.csv <<'EOF'
kind,x,y,class
grid,0,0,0
grid,1,0,1
grid,2,0,1
grid,0,1,0
grid,1,1,1
grid,2,1,1
grid,0,2,0
grid,1,2,0
grid,2,2,0
point,0.1,0.2,0
point,1.5,0.5,1
point,0.5,1.9,0
EOF
expect_ok regions regions.csv regions.svg --note "a 3 x 3 grid"
# Region shades: Tableau blue (class 0) and orange (class 1) mixed with white, 28% colour.
c0='#c0d9ea' c1='#ffdbbc'
check regions.svg "text:Decision regions" "text:a 3 x 3 grid" text:x text:y "text:class 0" "text:class 1" \
    "text:shade: predicted" "text:dots: training" "text:3 x 3 grid" "text:3 points" \
    "pixels:regions:$c0,$c0,$c0/$c0,$c1,$c1/$c0,$c1,$c1" \
    uses:points-class-0:2 uses:points-class-1:1
expect_ok regions regions.csv regions.png
check regions.png png:990:840
expect_same regions regions.csv

printf 'kind,x,y,label\ngrid,0,0,0\n' >bad_header.csv
expect_error bad_header.csv:1 out.svg regions bad_header.csv out.svg
printf 'kind,x,y,class\ngrid,0,0,0\ngrid,1,0,one\n' >bad_class.csv
expect_error bad_class.csv:3 out.svg regions bad_class.csv out.svg
printf 'kind,x,y,class\ngrid,0,0,0\nline,1,0,1\n' >bad_kind.csv
expect_error bad_kind.csv:3 out.png regions bad_kind.csv out.png
printf 'kind,x,y,class\ngrid,0,0,0\ngrid,1,0\n' >short_row.csv
expect_error short_row.csv:3 out.svg regions short_row.csv out.svg
printf 'kind,x,y,class\ngrid,0,0,0\ngrid,1,0,1\ngrid,0,1,1\n' >holey.csv
expect_error holey.csv out.svg regions holey.csv out.svg
printf 'kind,x,y,class\npoint,0,0,0\n' >no_grid.csv
expect_error no_grid.csv out.svg regions no_grid.csv out.svg
expect_error "out.jpg" out.jpg regions regions.csv out.jpg

# ---------------------------------------------------------------- bench
cat >bench.jsonl <<'EOF'
{"config":"A","model":"784-256-10","batch":64,"engine":"vectorized","threads":2,"samples_per_s":30000,"gemm_bound_samples_per_s":90000,"speedup_vs_loop":100}
{"config":"A","model":"784-256-10","batch":64,"engine":"loop","threads":2,"samples_per_s":300,"gemm_bound_samples_per_s":88000}
{"config":"C","model":"2-16-16-2","batch":32,"engine":"vectorized","samples_per_s":500000,"gemm_bound_samples_per_s":2000000}
{"config":"C","model":"2-16-16-2","batch":32,"engine":"loop","samples_per_s":50000,"gemm_bound_samples_per_s":2100000}
{"config":"custom","model":"16-32-4","batch":16,"engine":"vectorized","samples_per_s":7,"gemm_bound_samples_per_s":12}
EOF
expect_ok bench bench.jsonl bench.svg --title "tiny bench"
# 5 bars, one dashed GEMM-bound mark per config, a ratio only where both engines ran. The bars
# rise from 1 (the decade under the smallest value) on a log scale: loop A (300) is
# log 300 / log 30000 = 0.553 of vectorized A (on a linear scale it would be 0.01).
check bench.svg "text:tiny bench" "text:samples/s (log scale)" text:A text:C text:custom \
    text:784-256-10 "text:batch 64" text:2-16-16-2 "text:batch 32" "text:batch 16" \
    text:1 text:1k text:1M "text:loop engine" "text:vectorized engine" "text:GEMM-only bound" \
    "text:vectorized / loop" "text:n×" \
    ids:bar-loop-:2 ids:bar-vectorized-:3 ids:bound-:3 ids:ratio-:2 \
    idtext:ratio-0:100× idtext:ratio-1:10× dashed:bound-0 dashed:bound-2 \
    height:bar-loop-0:bar-vectorized-0:0.5530 height:bar-loop-1:bar-vectorized-1:0.8245
expect_ok bench bench.jsonl bench.png
check bench.png png:1125:810
expect_same bench bench.jsonl

printf '{"config":"A","model":"m","batch":1,"engine":"gpu","samples_per_s":1,"gemm_bound_samples_per_s":2}\n' >bad_engine.jsonl
expect_error bad_engine.jsonl:1 out.svg bench bad_engine.jsonl out.svg
printf '{"config":"A","model":"m","batch":1,"engine":"loop","samples_per_s":1,"gemm_bound_samples_per_s":2}\n{"config":"A","model":"m","batch":1,"engine":"loop","samples_per_s":0}\n' >no_bound.jsonl
expect_error no_bound.jsonl:2 out.svg bench no_bound.jsonl out.svg
grep -q "gemm_bound_samples_per_s" err.txt || fail "missing bound: the error does not name the field: $(cat err.txt)"
printf '{"config":"A","model":"m","batch":1,"engine":"loop","samples_per_s":0,"gemm_bound_samples_per_s":2}\n' >zero_rate.jsonl
expect_error zero_rate.jsonl:1 out.png bench zero_rate.jsonl out.png
expect_error "out.SVGZ" out.SVGZ bench bench.jsonl out.SVGZ

# ---------------------------------------------------------------- budget
# Google Benchmark JSON as vecnn_budget writes it, cut down: sum, relu and linear at 2^4, 2^8,
# 2^12 (some with 2 repetitions, times in ns, us and ms), an aggregate row, an errored run and
# a foreign benchmark that must all be left out. L1d of 32 KiB: two float arrays outgrow it at
# 2^12 elements (marked); L2 (1 MiB, at 2^17) is off the chart.
cat >run.json <<'EOF'
{
  "context": {"xsimd_arch": "avx2", "xsimd_float_lanes": "8", "openblas": "OpenBLAS 0.3.21 Haswell MAX_THREADS=64",
              "caches": [{"type": "Data", "level": 1, "size": 32768, "num_sharing": 1},
                         {"type": "Instruction", "level": 1, "size": 32768, "num_sharing": 1},
                         {"type": "Unified", "level": 2, "size": 1048576, "num_sharing": 1}]},
  "benchmarks": [
    {"name": "sum/loop/4", "run_name": "sum/loop/4", "run_type": "iteration", "cpu_time": 10, "time_unit": "ns"},
    {"name": "sum/loop/4", "run_name": "sum/loop/4", "run_type": "iteration", "cpu_time": 12, "time_unit": "ns"},
    {"name": "sum/loop/4_median", "run_name": "sum/loop/4", "run_type": "aggregate", "cpu_time": 1000, "time_unit": "ns"},
    {"name": "sum/vectorized/4", "run_name": "sum/vectorized/4", "run_type": "iteration", "cpu_time": 11, "time_unit": "ns"},
    {"name": "sum/vectorized/4", "run_name": "sum/vectorized/4", "run_type": "iteration", "cpu_time": 11, "time_unit": "ns"},
    {"name": "sum/loop/8", "run_name": "sum/loop/8", "run_type": "iteration", "cpu_time": 100, "time_unit": "ns"},
    {"name": "sum/loop/8", "run_name": "sum/loop/8", "run_type": "iteration", "cpu_time": 120, "time_unit": "ns"},
    {"name": "sum/vectorized/8", "run_name": "sum/vectorized/8", "run_type": "iteration", "cpu_time": 20, "time_unit": "ns"},
    {"name": "sum/vectorized/8", "run_name": "sum/vectorized/8", "run_type": "iteration", "cpu_time": 24, "time_unit": "ns"},
    {"name": "sum/loop/12", "run_name": "sum/loop/12", "run_type": "iteration", "cpu_time": 2.0, "time_unit": "us"},
    {"name": "sum/loop/12", "run_name": "sum/loop/12", "run_type": "iteration", "cpu_time": 2.2, "time_unit": "us"},
    {"name": "sum/vectorized/12", "run_name": "sum/vectorized/12", "run_type": "iteration", "cpu_time": 100, "time_unit": "ns"},
    {"name": "sum/vectorized/12", "run_name": "sum/vectorized/12", "run_type": "iteration", "cpu_time": 110, "time_unit": "ns"},
    {"name": "relu/loop/4", "run_name": "relu/loop/4", "run_type": "iteration", "cpu_time": 8, "time_unit": "ns"},
    {"name": "relu/vectorized/4", "run_name": "relu/vectorized/4", "run_type": "iteration", "cpu_time": 10, "time_unit": "ns"},
    {"name": "relu/loop/8", "run_name": "relu/loop/8", "run_type": "iteration", "cpu_time": 20, "time_unit": "ns"},
    {"name": "relu/vectorized/8", "run_name": "relu/vectorized/8", "run_type": "iteration", "cpu_time": 20, "time_unit": "ns"},
    {"name": "relu/loop/12", "run_name": "relu/loop/12", "run_type": "iteration", "cpu_time": 200, "time_unit": "ns"},
    {"name": "relu/vectorized/12", "run_name": "relu/vectorized/12", "run_type": "iteration", "cpu_time": 180, "time_unit": "ns"},
    {"name": "relu/vectorized/12", "run_name": "relu/vectorized/12", "run_type": "iteration", "cpu_time": 1, "time_unit": "ns", "error_occurred": true},
    {"name": "linear/loop/4", "run_name": "linear/loop/4", "run_type": "iteration", "cpu_time": 50, "time_unit": "ns"},
    {"name": "linear/vectorized/4", "run_name": "linear/vectorized/4", "run_type": "iteration", "cpu_time": 150, "time_unit": "ns"},
    {"name": "linear/loop/8", "run_name": "linear/loop/8", "run_type": "iteration", "cpu_time": 1, "time_unit": "us"},
    {"name": "linear/vectorized/8", "run_name": "linear/vectorized/8", "run_type": "iteration", "cpu_time": 250, "time_unit": "ns"},
    {"name": "linear/loop/12", "run_name": "linear/loop/12", "run_type": "iteration", "cpu_time": 0.07, "time_unit": "ms"},
    {"name": "linear/vectorized/12", "run_name": "linear/vectorized/12", "run_type": "iteration", "cpu_time": 6000, "time_unit": "ns"},
    {"name": "BM_other/3", "run_name": "BM_other/3", "run_type": "iteration", "cpu_time": 5, "time_unit": "ns"}
  ]
}
EOF
# The tables of docs/vectorization_budget.md, as the earlier tools/budget/plot_budget.py printed them for this input.
cat >expected.md <<'EOF'
Median CPU time per call over 1-2 repetitions; ratio = loop / vectorized.

| elements | sum loop | sum vectorized | ratio | relu loop | relu vectorized | ratio | linear loop | linear vectorized | ratio |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| 2^4 | 11 ns | 11 ns | **1.00** | 8 ns | 10 ns | **0.80** | 50 ns | 150 ns | **0.33** |
| 2^8 | 110 ns | 22 ns | **5.00** | 20 ns | 20 ns | **1.00** | 1 µs | 250 ns | **4.00** |
| 2^12 | 2.1 µs | 105 ns | **20.00** | 200 ns | 180 ns | **1.11** | 70 µs | 6 µs | **11.67** |

| kernel | vectorized > 5% faster from | plateau from (ratio >= 0.9 x peak) | plateau ratio (median there) | peak ratio | ratio at largest size |
|---|---|---|---:|---:|---:|
| sum | between 2^4 and 2^8 | 2^12 | 20.00 | 20.00 at 2^12 | 20.00 at 2^12 |
| relu | between 2^8 and 2^12 | 2^8 | 1.06 | 1.11 at 2^12 | 1.11 at 2^12 |
| linear | between 2^4 and 2^8 | 2^12 | 11.67 | 11.67 at 2^12 | 11.67 at 2^12 |

Linear forward (X (rows x w) times W^T (w x w)) in GFLOP/s:

| elements | shape | loop GFLOP/s | vectorized GFLOP/s |
|---:|---|---:|---:|
| 2^4 | 4x4 | 2.56 | 0.9 |
| 2^8 | 16x16 | 8.19 | 32.8 |
| 2^12 | 64x64 | 7.49 | 87.4 |
EOF
mkdir md
cd md
expect_ok budget ../run.json --markdown
cd ..
cmp -s md/stdout.txt expected.md || fail "budget --markdown: tables differ from the expected ones: $(diff expected.md md/stdout.txt | head -20)"
[[ $(ls md) == $'err.txt\nstdout.txt' ]] || fail "budget --markdown without OUT wrote files: $(ls md)"
# Two files are pooled: every size now has 2-4 samples.
expect_ok budget run.json run.json --markdown
[[ $(head -1 stdout.txt) == "Median CPU time per call over 2-4 repetitions; ratio = loop / vectorized." ]] \
    || fail "budget with two files: not pooled: $(head -1 stdout.txt)"
expect_ok budget run.json --markdown budget.svg
cmp -s stdout.txt expected.md || fail "budget --markdown OUT: tables differ: $(diff expected.md stdout.txt | head -5)"
check budget.svg "text:vecnn vectorization budget: float32, 1 thread, CPU time per call (median)" \
    "text:xsimd avx2 (8 float lanes), OpenBLAS 0.3.21 Haswell" \
    "text:speed-up: loop time / vectorized time (> 1: vectorized faster)" "text:elements/s (solid: vectorized, dashed: loop)" \
    "text:sum (squared_error vs 0)" text:relu_forward "text:linear (gemm X W^T)" \
    text:elements text:2⁴ text:2⁸ text:2¹² text:1× text:10× text:1G/s "text:2 arrays > L1" \
    ids:cache-ratio-L1:1 ids:cache-rate-L1:1 ids:cache-ratio-L2:0 ids:ratio-exp:0 dashed:ratio-one \
    ids:ratio-sum:1 uses:ratio-sum:3 solid:ratio-sum uses:ratio-relu:3 uses:ratio-linear:3 \
    solid:rate-sum-vectorized dashed:rate-sum-loop uses:rate-linear-loop:3 dashed:rate-linear-loop
expect_ok budget run.json budget.png --title "tiny budget" --note "hand-made"
check budget.png png:1650:810
expect_same budget run.json

# The bf16 GEMM kernel gets its own GFLOP/s table; the openblas flavour (a third column of
# vecnn_budget's own summary) is left out of the pooled tables.
cat >bf16.json <<'EOF'
{"benchmarks": [
  {"run_name": "linear_bf16/loop/8", "run_type": "iteration", "cpu_time": 4096, "time_unit": "ns"},
  {"run_name": "linear_bf16/vectorized/8", "run_type": "iteration", "cpu_time": 128, "time_unit": "ns"},
  {"run_name": "linear/openblas/8", "run_type": "iteration", "cpu_time": 1, "time_unit": "ns"}
]}
EOF
expect_ok budget bf16.json --markdown
grep -qx '| linear_bf16 | <= 2^8 (faster at every size) | 2^8 | 32.00 | 32.00 at 2^8 | 32.00 at 2^8 |' stdout.txt \
    || fail "budget: no linear_bf16 verdict: $(cat stdout.txt)"
grep -qx 'The same products with bf16 operands (float32 sums) in GFLOP/s:' stdout.txt \
    && grep -qx '| 2^8 | 16x16 | 2.00 | 64.0 |' stdout.txt || fail "budget: no bf16 GFLOP/s table: $(cat stdout.txt)"
grep -q "openblas\|Linear forward" stdout.txt && fail "budget: the openblas flavour or a float32 table leaked in: $(cat stdout.txt)"

expect_error missing.json out.svg budget missing.json out.svg
printf '{\n  "benchmarks": [\n    {"run_name": "sum/loop/4",}\n  ]\n}\n' >bad_syntax.json
expect_error bad_syntax.json:3 out.svg budget bad_syntax.json out.svg
printf '{"benchmarks": [{"run_name": "BM_x/1", "run_type": "iteration", "cpu_time": 1, "time_unit": "ns"}]}\n' >no_results.json
expect_error no_results.json out.svg budget run.json no_results.json out.svg
printf '{"benchmarks": [{"run_name": "sum/loop/4", "run_type": "iteration", "cpu_time": "fast", "time_unit": "ns"}]}\n' >bad_time.json
expect_error bad_time.json out.svg budget bad_time.json out.svg
grep -q "cpu_time" err.txt || fail "bad cpu_time: the error does not name the field: $(cat err.txt)"
printf '[1, 2]\n' >not_benchmark.json
expect_error not_benchmark.json out.png budget not_benchmark.json out.png
expect_error "out.json" out.json budget run.json out.json

# ---------------------------------------------------------------- lessons-distance, lessons-cache
# vecnn lessons --json, cut down: the distance-matrix lesson at n = 10, 100, 1000 (the broadcast
# version skipped at 1000, over a 1 MiB budget: median_s null and a note; the chunked identity's
# name changing with n), its float32 table (no n: left out), the cache lesson at four sizes, and
# a row of another lesson, to be left out by both.
cat >lessons.jsonl <<'EOF'
{"lesson":"strides","table":"t","version":"loop","size":"small","median_s":1e-6,"runs":1,"ratio_vs_loop":1.0,"peak_heap_bytes":0}
{"lesson":"distance","table":"distance matrix, n = m = 10, d = 1, float64","version":"loops","size":"small","median_s":1e-5,"runs":3,"ratio_vs_loop":1.0,"peak_heap_bytes":0,"n":10}
{"lesson":"distance","table":"distance matrix, n = m = 10, d = 1, float64","version":"broadcast: (n, m, d) difference evaluated","size":"small","median_s":2e-5,"runs":3,"ratio_vs_loop":0.5,"peak_heap_bytes":6400,"max_abs_diff":0.0,"max_rel_diff":0.0,"agrees":true,"n":10}
{"lesson":"distance","table":"distance matrix, n = m = 10, d = 1, float64","version":"broadcast, xtensor's lazy reducer","size":"small","median_s":1.5e-5,"runs":3,"ratio_vs_loop":0.67,"peak_heap_bytes":1000,"n":10}
{"lesson":"distance","table":"distance matrix, n = m = 10, d = 1, float64","version":"identity, x.y^T by BLAS (xt::linalg::dot)","size":"small","median_s":5e-6,"runs":3,"ratio_vs_loop":2.0,"peak_heap_bytes":2000,"n":10,"gflops":0.1}
{"lesson":"distance","table":"distance matrix, n = m = 10, d = 1, float64","version":"identity in chunks of 10 rows (budget 1 MiB)","size":"small","median_s":6e-6,"runs":3,"ratio_vs_loop":1.7,"peak_heap_bytes":2000,"n":10,"budget_bytes":1048576}
{"lesson":"distance","table":"distance matrix, n = m = 100, d = 1, float64","version":"loops","size":"small","median_s":1e-3,"runs":3,"ratio_vs_loop":1.0,"peak_heap_bytes":0,"n":100}
{"lesson":"distance","table":"distance matrix, n = m = 100, d = 1, float64","version":"broadcast: (n, m, d) difference evaluated","size":"small","median_s":3e-3,"runs":3,"ratio_vs_loop":0.33,"peak_heap_bytes":640000,"n":100}
{"lesson":"distance","table":"distance matrix, n = m = 100, d = 1, float64","version":"broadcast, xtensor's lazy reducer","size":"small","median_s":1.2e-3,"runs":3,"ratio_vs_loop":0.83,"peak_heap_bytes":5000,"n":100}
{"lesson":"distance","table":"distance matrix, n = m = 100, d = 1, float64","version":"identity, x.y^T by BLAS (xt::linalg::dot)","size":"small","median_s":1e-4,"runs":3,"ratio_vs_loop":10,"peak_heap_bytes":160000,"n":100}
{"lesson":"distance","table":"distance matrix, n = m = 100, d = 1, float64","version":"identity in chunks of 100 rows (budget 1 MiB)","size":"small","median_s":1.1e-4,"runs":3,"ratio_vs_loop":9,"peak_heap_bytes":160000,"n":100,"budget_bytes":1048576}
{"lesson":"distance","table":"distance matrix, n = m = 1000, d = 1, float64","version":"loops","size":"small","median_s":0.1,"runs":3,"ratio_vs_loop":1.0,"peak_heap_bytes":0,"n":1000}
{"lesson":"distance","table":"distance matrix, n = m = 1000, d = 1, float64","version":"broadcast: (n, m, d) difference evaluated","size":"small","median_s":null,"runs":0,"ratio_vs_loop":null,"peak_heap_bytes":0,"note":"skipped: its intermediate needs 7.63 MiB, over the budget of 1 MiB","n":1000}
{"lesson":"distance","table":"distance matrix, n = m = 1000, d = 1, float64","version":"broadcast, xtensor's lazy reducer","size":"small","median_s":0.12,"runs":3,"ratio_vs_loop":0.83,"peak_heap_bytes":50000,"n":1000}
{"lesson":"distance","table":"distance matrix, n = m = 1000, d = 1, float64","version":"identity, x.y^T by BLAS (xt::linalg::dot)","size":"small","median_s":8e-3,"runs":3,"ratio_vs_loop":12.5,"peak_heap_bytes":16000000,"n":1000}
{"lesson":"distance","table":"distance matrix, n = m = 1000, d = 1, float64","version":"identity in chunks of 65 rows (budget 1 MiB)","size":"small","median_s":9e-3,"runs":3,"ratio_vs_loop":11.1,"peak_heap_bytes":1000000,"n":1000,"budget_bytes":1048576}
{"lesson":"distance","table":"the identity's cancellation in float32","version":"identity, float32, no clamping","size":"small","median_s":1e-5,"runs":3,"ratio_vs_loop":1.0,"peak_heap_bytes":99,"negative_squares":10,"nan":10}
{"lesson":"cache","table":"sum of a (16, 16) float64 array (2 KiB)","version":"row by row (contiguous)","size":"small","median_s":0.01,"runs":1,"ratio_vs_loop":1.0,"peak_heap_bytes":0,"bytes":2048,"ns_per_element":0.5}
{"lesson":"cache","table":"sum of a (16, 16) float64 array (2 KiB)","version":"column by column (stride n)","size":"small","median_s":0.01,"runs":1,"ratio_vs_loop":1.0,"peak_heap_bytes":0,"bytes":2048,"ns_per_element":0.5}
{"lesson":"cache","table":"sum of a (64, 64) float64 array (32 KiB)","version":"row by row (contiguous)","size":"small","median_s":0.01,"runs":1,"ratio_vs_loop":1.0,"peak_heap_bytes":0,"bytes":32768,"ns_per_element":0.5}
{"lesson":"cache","table":"sum of a (64, 64) float64 array (32 KiB)","version":"column by column (stride n)","size":"small","median_s":0.012,"runs":1,"ratio_vs_loop":0.83,"peak_heap_bytes":0,"bytes":32768,"ns_per_element":0.6}
{"lesson":"cache","table":"sum of a (181, 181) float64 array (256 KiB)","version":"row by row (contiguous)","size":"small","median_s":0.01,"runs":1,"ratio_vs_loop":1.0,"peak_heap_bytes":0,"bytes":262144,"ns_per_element":0.55}
{"lesson":"cache","table":"sum of a (181, 181) float64 array (256 KiB)","version":"column by column (stride n)","size":"small","median_s":0.03,"runs":1,"ratio_vs_loop":0.37,"peak_heap_bytes":0,"bytes":262144,"ns_per_element":1.5}
{"lesson":"cache","table":"sum of a (724, 724) float64 array (4 MiB)","version":"row by row (contiguous)","size":"small","median_s":0.01,"runs":1,"ratio_vs_loop":1.0,"peak_heap_bytes":0,"bytes":4194304,"ns_per_element":0.6}
{"lesson":"cache","table":"sum of a (724, 724) float64 array (4 MiB)","version":"column by column (stride n)","size":"small","median_s":0.1,"runs":1,"ratio_vs_loop":0.1,"peak_heap_bytes":0,"bytes":4194304,"ns_per_element":6.0}
EOF
expect_ok lessons-distance lessons.jsonl distance.svg --title "tiny distance"
# Versions in order: 0 loops, 1 broadcast (timed at n = 10 and 100 only), 2 lazy, 3 BLAS, 4 chunks
# (one version whatever its name says of the rows per chunk; dashed). The loops' peak of 0 B is
# said in words, not drawn; the skipped broadcast is a cross marked "skipped" on the time panel and
# a circle at the 7.63 MiB its note says it needed on the memory panel, over the dashed 1 MiB budget.
check distance.svg "text:tiny distance" \
    "text:vecnn lessons --size small; n points against n in d = 1 dimensions, float64; median time per call and peak heap on top of the inputs" \
    text:time text:memory "text:n (points, log scale)" "text:median time per call (log scale)" \
    "text:peak extra heap (log scale)" text:10 text:100 text:1000 "text:10 µs" "text:1 ms" "text:100 ms" \
    "text:1 KiB" "text:1 MiB" text:loops "text:broadcast: (n, m, d) difference evaluated" \
    "text:broadcast, xtensor's lazy reducer" "text:identity, x.y^T by BLAS (xt::linalg::dot)" \
    "text:identity in chunks (budget 1 MiB)" "text:chunk budget (--chunk-budget)" "text:skipped: not run (no time)" \
    "text:budget 1 MiB" "text:loops: 0 B" \
    ids:time-0-:1 uses:time-0-1:3 solid:time-0-1 ids:time-1-:1 uses:time-1-1:2 uses:time-2-1:3 \
    uses:time-3-1:3 uses:time-4-1:3 dashed:time-4-1 ids:time-5-:0 \
    ids:heap-0-:0 uses:heap-1-1:2 uses:heap-2-1:3 uses:heap-3-1:3 uses:heap-4-1:3 dashed:heap-4-1 \
    ids:skip-time-:2 uses:skip-time-1:1 idtext:skip-time-label-1:skipped \
    ids:skip-heap-:2 uses:skip-heap-1:1 "idtext:skip-heap-label-1:skipped: needs 7.63 MiB" \
    ids:budget-:1 dashed:budget-1
expect_ok lessons-distance lessons.jsonl distance.png
check distance.png png:1650:870
expect_same lessons-distance lessons.jsonl

# A version not timed whose note gives no size: no circle, said in words; median_s null without a
# note reads "no time".
grep -v '"n":1000' lessons.jsonl >unsized.jsonl
cat >>unsized.jsonl <<'EOF'
{"lesson":"distance","table":"t","version":"loops","size":"small","median_s":0.1,"runs":3,"ratio_vs_loop":1.0,"peak_heap_bytes":0,"n":1000}
{"lesson":"distance","table":"t","version":"broadcast: (n, m, d) difference evaluated","size":"small","median_s":null,"runs":0,"ratio_vs_loop":null,"peak_heap_bytes":0,"note":"skipped: too big","n":1000}
{"lesson":"distance","table":"t","version":"broadcast, xtensor's lazy reducer","size":"full","median_s":null,"runs":0,"ratio_vs_loop":null,"peak_heap_bytes":0,"n":1000}
EOF
expect_ok lessons-distance unsized.jsonl unsized.svg --note "no sizes"
check unsized.svg "text:no sizes" ids:skip-time-:4 idtext:skip-time-label-1:skipped "idtext:skip-time-label-2:no time" \
    ids:skip-heap-:0 "text:skipped, size unknown: broadcast: (n, m, d) difference evaluated, broadcast, xtensor's lazy reducer" \
    uses:time-2-1:2 uses:time-3-1:2

expect_ok lessons-cache lessons.jsonl cache.svg --title "tiny cache" --l1 32KiB --l2 1048576 --l3 64M
# From 0.5 to 6 ns per element (over 10x): a log scale. L1 and L2 inside the sizes measured, L3
# (64 MiB) past the largest: said in words. Column time / row time above each pair.
check cache.svg "text:tiny cache" "text:array size (log scale)" "text:ns per element (log scale)" \
    "text:2 KiB" "text:32 KiB" "text:2 MiB" text:0.5 text:1 text:5 \
    "text:row by row (contiguous)" "text:column by column (stride n)" "text:column time / row time" text:n× \
    text:L1 text:L2 "text:1 MiB" "text:off the chart: L3 64 MiB" ids:cache-L:2 dashed:cache-L1 dashed:cache-L2 \
    idtext:cache-label-L1:L1 idtext:cache-label-L2:L2 \
    ids:walk-0-:1 uses:walk-0-1:4 solid:walk-0-1 ids:walk-1-:1 uses:walk-1-1:4 ids:walk-2-:0 \
    ids:ratio-:4 idtext:ratio-1:1.0× idtext:ratio-2:1.2× idtext:ratio-3:2.7× idtext:ratio-4:10×
expect_ok lessons-cache lessons.jsonl cache.png --l1 32KiB
check cache.png png:1275:840
expect_same lessons-cache lessons.jsonl --l1 32KiB --l2 1MiB
# No cache sizes given: no lines. A narrow range (under 10x): a linear scale from 0.
grep -v '"bytes":4194304' lessons.jsonl >narrow.jsonl
expect_ok lessons-cache narrow.jsonl narrow.svg
check narrow.svg "text:ns per element" text:0.0 text:2.0 ids:cache-:0 ids:ratio-:3 uses:walk-1-1:3

# Bad inputs: missing fields (named, with the line), no rows of the lesson, malformed JSON, a bad cache size.
sed '3s/"peak_heap_bytes":6400,//' lessons.jsonl >no_peak.jsonl
expect_error no_peak.jsonl:3 out.svg lessons-distance no_peak.jsonl out.svg
grep -q "'peak_heap_bytes'" err.txt || fail "lessons-distance: the error does not name the field: $(cat err.txt)"
sed '16s/,"budget_bytes":1048576//' lessons.jsonl >no_budget.jsonl
expect_error no_budget.jsonl:16 out.png lessons-distance no_budget.jsonl out.png
grep -q "'budget_bytes'" err.txt || fail "lessons-distance: the error does not name budget_bytes: $(cat err.txt)"
sed '2s/"lesson":"distance",//' lessons.jsonl >no_lesson.jsonl
expect_error no_lesson.jsonl:2 out.svg lessons-distance no_lesson.jsonl out.svg
sed '4s/"median_s":1.5e-5/"median_s":0/' lessons.jsonl >zero_time.jsonl
expect_error zero_time.jsonl:4 out.svg lessons-distance zero_time.jsonl out.svg
sed '7s/"n":100/"n":10/' lessons.jsonl >twice.jsonl
expect_error twice.jsonl:7 out.svg lessons-distance twice.jsonl out.svg
grep -v '"lesson":"distance"' lessons.jsonl >no_distance.jsonl
expect_error no_distance.jsonl out.svg lessons-distance no_distance.jsonl out.svg
grep -q 'no rows of the distance-matrix lesson' err.txt || fail "lessons-distance without its rows: $(cat err.txt)"
grep -v '"n":' lessons.jsonl >float32_only.jsonl
expect_error float32_only.jsonl out.svg lessons-distance float32_only.jsonl out.svg
grep -q 'only its float32 table' err.txt || fail "lessons-distance with only the float32 table: $(cat err.txt)"
sed '5s/}$//' lessons.jsonl >broken_lessons.jsonl
expect_error broken_lessons.jsonl:5 out.svg lessons-distance broken_lessons.jsonl out.svg
expect_error broken_lessons.jsonl:5 out.svg lessons-cache broken_lessons.jsonl out.svg
sed '21s/,"ns_per_element":0.6//' lessons.jsonl >no_ns.jsonl
expect_error no_ns.jsonl:21 out.svg lessons-cache no_ns.jsonl out.svg
grep -q "'ns_per_element'" err.txt || fail "lessons-cache: the error does not name the field: $(cat err.txt)"
sed '22s/"bytes":262144,//' lessons.jsonl >no_bytes.jsonl
expect_error no_bytes.jsonl:22 out.png lessons-cache no_bytes.jsonl out.png
grep -v '"lesson":"cache"' lessons.jsonl >no_cache.jsonl
expect_error no_cache.jsonl out.svg lessons-cache no_cache.jsonl out.svg
grep -q 'no rows of the cache lesson' err.txt || fail "lessons-cache without its rows: $(cat err.txt)"
expect_error missing.jsonl out.svg lessons-cache missing.jsonl out.svg
expect_error "--l2" out.svg lessons-cache lessons.jsonl out.svg --l2 lots
expect_error "out.txt" out.txt lessons-cache lessons.jsonl out.txt

# ---------------------------------------------------------------- without matplotlib
# One line saying what to install, exit status 1, nothing written.
checks=$((checks + 1))
status=0
"$python" -c 'import runpy, sys; sys.modules["matplotlib"] = None; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name="__main__")' \
    "$plot" curves log.jsonl nompl.svg 2>err.txt || status=$?
if [[ $status != 1 || $(wc -l <err.txt) != 1 ]] || ! grep -q "python3-matplotlib" err.txt || [[ -e nompl.svg ]]; then
    fail "without matplotlib: expected exit status 1 and one line naming python3-matplotlib, got $status: $(cat err.txt)"
fi

if ((failures)); then
    echo "test_plot: $failures failure(s) in $checks checks" >&2
    exit 1
fi
echo "test_plot: all $checks checks passed"
