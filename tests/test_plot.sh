#!/usr/bin/env bash
# tools/plot.py on tiny hand-made inputs in a temporary folder: every subcommand
# writes a well-formed SVG with the expected number of elements, and bad inputs
# end with exit status 1 and one stderr line naming the file (and the line).
# Needs python3 only (the script is standard-library only). Registered in CTest as plot_svg.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
plot="$here/../tools/plot.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

failures=0
fail() {
    echo "test_plot: FAIL: $*" >&2
    failures=$((failures + 1))
}

# count FILE TAG [ID]: elements TAG in the SVG (inside the element with id ID if given);
# fails if FILE is not well-formed XML or its root is not <svg>.
count() {
    python3 - "$@" <<'EOF'
import sys, xml.dom.minidom
path, tag = sys.argv[1], sys.argv[2]
try:
    doc = xml.dom.minidom.parse(path)
except Exception as e:
    sys.exit("%s: not well-formed XML: %s" % (path, e))
root = doc.documentElement
if root.tagName != "svg" or root.getAttribute("xmlns") != "http://www.w3.org/2000/svg":
    sys.exit("%s: root is not an SVG element" % path)
if len(sys.argv) > 3:
    found = [e for e in doc.getElementsByTagName("*") if e.getAttribute("id") == sys.argv[3]]
    if len(found) != 1:
        sys.exit("%s: no single element with id %s" % (path, sys.argv[3]))
    root = found[0]
print(len(root.getElementsByTagName(tag)))
EOF
}

# expect_count FILE TAG [ID] N
expect_count() {
    local n=${*: -1} got
    local args=("${@:1:$#-1}")
    got=$(count "${args[@]}") || { fail "$1 is not a well-formed SVG"; return; }
    [[ $got == "$n" ]] || fail "$1: expected $n <$2> elements${args[2]:+ in #${args[2]}}, found $got"
}

# expect_ok ARGS...: plot.py succeeds
expect_ok() {
    python3 "$plot" "$@" 2>err.txt || fail "plot.py $* failed: $(cat err.txt)"
}

# expect_error WHERE ARGS...: exit status 1, one stderr line containing WHERE
# (the file name, with ":LINE" when the line is known), no traceback, no output written.
expect_error() {
    local where=$1 status=0
    shift
    rm -f out.svg
    python3 "$plot" "$@" 2>err.txt || status=$?
    if [[ $status != 1 ]]; then
        fail "plot.py $*: exit status $status, expected 1"
    elif [[ $(wc -l <err.txt) != 1 ]] || grep -q Traceback err.txt; then
        fail "plot.py $*: expected one error line, got: $(cat err.txt)"
    elif ! grep -qF "$where" err.txt; then
        fail "plot.py $*: error does not name '$where': $(cat err.txt)"
    elif [[ -e out.svg ]]; then
        fail "plot.py $*: wrote out.svg despite the error"
    fi
}

# ---------------------------------------------------------------- curves
cat >log.jsonl <<'EOF'
{"epoch":1,"step":10,"loss":0.9,"accuracy":0.6,"val_loss":1.0,"val_accuracy":0.55,"samples_per_s":100}
{"epoch":2,"step":20,"loss":0.5,"accuracy":0.8,"val_loss":null,"val_accuracy":0.7}
{"epoch":3,"step":30,"loss":0.3,"accuracy":0.9,"val_loss":0.4,"val_accuracy":0.8}

{"epoch":4,"step":40,"loss":0.2,"accuracy":0.95,"val_loss":0.35,"val_accuracy":0.85}
EOF
expect_ok curves log.jsonl curves.svg --title "tiny log"
# loss: training 1 line, validation broken by the null into a lone point and a line of 2;
# accuracy: 1 line each. Markers: 4 + 3 (loss), 4 + 4 (accuracy).
expect_count curves.svg polyline 4
expect_count curves.svg circle 15
grep -q 'tiny log' curves.svg || fail "curves.svg: title missing"

printf '{"epoch":1,"loss":0.7,"accuracy":0.5}\n{"epoch":2,"loss":0.6,"accuracy":0.6}\n' >train_only.jsonl
expect_ok curves train_only.jsonl train_only.svg
expect_count train_only.svg polyline 2
expect_count train_only.svg circle 4

printf '{"epoch":1,"loss":0.7,"accuracy":0.5}\n{"epoch":2,"loss":0.6\n' >broken.jsonl
expect_error broken.jsonl:2 curves broken.jsonl out.svg
printf '{"epoch":1,"loss":0.7}\n' >no_accuracy.jsonl
expect_error no_accuracy.jsonl:1 curves no_accuracy.jsonl out.svg
grep -q "accuracy" err.txt || fail "missing field: the error does not name the field: $(cat err.txt)"
printf '{"epoch":1,"loss":"high","accuracy":0.5}\n' >string_loss.jsonl
expect_error string_loss.jsonl:1 curves string_loss.jsonl out.svg
printf '[1,2]\n' >not_object.jsonl
expect_error not_object.jsonl:1 curves not_object.jsonl out.svg
: >empty.jsonl
expect_error empty.jsonl curves empty.jsonl out.svg
expect_error missing.jsonl curves missing.jsonl out.svg

# ---------------------------------------------------------------- regions
# 3x3 grid, class 0 most common (the background rectangle); class 1 is the same run
# (columns 2-3) in rows 1 and 2, merged into one rectangle.
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
expect_ok regions regions.csv regions.svg
expect_count regions.svg rect regions 2
expect_count regions.svg circle points 3

printf 'kind,x,y,label\ngrid,0,0,0\n' >bad_header.csv
expect_error bad_header.csv:1 regions bad_header.csv out.svg
printf 'kind,x,y,class\ngrid,0,0,0\ngrid,1,0,one\n' >bad_class.csv
expect_error bad_class.csv:3 regions bad_class.csv out.svg
printf 'kind,x,y,class\ngrid,0,0,0\nline,1,0,1\n' >bad_kind.csv
expect_error bad_kind.csv:3 regions bad_kind.csv out.svg
printf 'kind,x,y,class\ngrid,0,0,0\ngrid,1,0\n' >short_row.csv
expect_error short_row.csv:3 regions short_row.csv out.svg
printf 'kind,x,y,class\ngrid,0,0,0\ngrid,1,0,1\ngrid,0,1,1\n' >holey.csv
expect_error holey.csv regions holey.csv out.svg
printf 'kind,x,y,class\npoint,0,0,0\n' >no_grid.csv
expect_error no_grid.csv regions no_grid.csv out.svg

# ---------------------------------------------------------------- bench
cat >bench.jsonl <<'EOF'
{"config":"A","model":"784-256-10","batch":64,"engine":"vectorized","threads":2,"samples_per_s":30000.5,"gemm_bound_samples_per_s":90000,"speedup_vs_loop":100}
{"config":"A","model":"784-256-10","batch":64,"engine":"loop","threads":2,"samples_per_s":300,"gemm_bound_samples_per_s":88000}
{"config":"C","model":"2-16-16-2","batch":32,"engine":"vectorized","samples_per_s":500000,"gemm_bound_samples_per_s":2000000}
{"config":"C","model":"2-16-16-2","batch":32,"engine":"loop","samples_per_s":50000,"gemm_bound_samples_per_s":2100000}
{"config":"custom","model":"16-32-4","batch":16,"engine":"vectorized","samples_per_s":7,"gemm_bound_samples_per_s":12}
EOF
expect_ok bench bench.jsonl bench.svg
# 5 bars, one GEMM-bound mark per config, a ratio only where both engines ran.
expect_count bench.svg rect bars 5
expect_count bench.svg line bounds 3
expect_count bench.svg text ratios 2
grep -q '>100×<' bench.svg || fail "bench.svg: ratio 100× for config A missing"
grep -q '>10×<' bench.svg || fail "bench.svg: ratio 10× for config C missing"

printf '{"config":"A","model":"m","batch":1,"engine":"gpu","samples_per_s":1,"gemm_bound_samples_per_s":2}\n' >bad_engine.jsonl
expect_error bad_engine.jsonl:1 bench bad_engine.jsonl out.svg
printf '{"config":"A","model":"m","batch":1,"engine":"loop","samples_per_s":1,"gemm_bound_samples_per_s":2}\n{"config":"A","model":"m","batch":1,"engine":"loop","samples_per_s":0}\n' >no_bound.jsonl
expect_error no_bound.jsonl:2 bench no_bound.jsonl out.svg
grep -q "gemm_bound_samples_per_s" err.txt || fail "missing bound: the error does not name the field: $(cat err.txt)"
printf '{"config":"A","model":"m","batch":1,"engine":"loop","samples_per_s":0,"gemm_bound_samples_per_s":2}\n' >zero_rate.jsonl
expect_error zero_rate.jsonl:1 bench zero_rate.jsonl out.svg

if ((failures)); then
    echo "test_plot: $failures failure(s)" >&2
    exit 1
fi
echo "test_plot: all checks passed"
