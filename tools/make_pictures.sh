#!/usr/bin/env bash
# Rebuilds the pictures in docs/ from scratch: sets up and builds vecnn
# (tools/setup.sh), runs the programs, then draws their output with
# tools/plot.py (matplotlib: needs Debian's python3-matplotlib, which only
# /usr/bin/python3 imports).
# Default (the README's three; makes the MNIST files with data/fetch_mnist.sh):
#   docs/mnist_curves.svg     examples/mnist, 20 epochs: loss and accuracy per epoch   (~10 s)
#   docs/spirals_regions.svg  examples/spirals: decision regions and training points   (~10 s)
#   docs/bench.svg            vecnn bench --seconds 2, the default suite               (~2-3 min)
# --lessons (docs/lessons.md's; ~3 min, run it on a quiet machine):
#   docs/lessons_run.txt      vecnn lessons at full size: the terminal tables docs/lessons.md quotes
#   docs/lessons.jsonl        its JSON lines (--json)
#   docs/lessons_distance.svg the distance-matrix methods: time and peak memory over n
#   docs/lessons_cache.svg    the cache curve, with one cache of each level as lscpu reports it
# docs/budget.svg is not made here: it pools several vecnn_budget sweeps, with
# `tools/plot.py budget` (docs/vectorization_budget.md, "How to run").
# Usage: tools/make_pictures.sh [--lessons] [build-dir]   (default: build)
# Environment: VECNN_BENCH_NOTE, the grey line under the bench picture's title
#   (default: "one run on a N-core machine" with N from nproc; say "shared" if it was);
#   PYTHON, the interpreter for tools/plot.py (default /usr/bin/python3).
set -euo pipefail
cd "$(dirname "$0")/.."

lessons=false
if [ "${1:-}" = --lessons ]; then
    lessons=true
    shift
fi
build=${1:-build}
python=${PYTHON:-/usr/bin/python3}
# Checked first, so a missing matplotlib does not show only after minutes of benchmarks.
if ! "$python" -c 'import matplotlib' 2>/dev/null; then
    echo "make_pictures: $python cannot import matplotlib; install Debian's python3-matplotlib" \
         "(apt-get install python3-matplotlib) or set PYTHON" >&2
    exit 1
fi
tools/setup.sh "$build"
mkdir -p docs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if $lessons; then
    cache_flags=()  # none if lscpu cannot say (a VM's getconf can disagree with it)
    while read -r name size; do
        case $name in
            L1d) cache_flags+=(--l1 "$size") ;;
            L2) cache_flags+=(--l2 "$size") ;;
            L3) cache_flags+=(--l3 "$size") ;;
        esac
    done < <(lscpu -C=NAME,ONE-SIZE -B 2>/dev/null | tail -n +2 || true)
    echo "make_pictures: vecnn lessons, full size (about 3 minutes)"
    # Written aside first: a failed run leaves the docs as they were.
    "$build"/vecnn lessons --json "$tmp/lessons.jsonl" | tee "$tmp/lessons_run.txt"
    "$python" tools/plot.py lessons-distance "$tmp/lessons.jsonl" "$tmp/lessons_distance.svg"
    "$python" tools/plot.py lessons-cache "$tmp/lessons.jsonl" "$tmp/lessons_cache.svg" "${cache_flags[@]}"
    for f in lessons_run.txt lessons.jsonl lessons_distance.svg lessons_cache.svg; do
        mv "$tmp/$f" "docs/$f"
    done
    ls -l docs/lessons_run.txt docs/lessons.jsonl docs/lessons_distance.svg docs/lessons_cache.svg
    exit 0
fi

VECNN_BUILD_DIR=$build data/fetch_mnist.sh data/mnist

echo "make_pictures: MNIST, 20 epochs"
"$build"/examples/mnist --data data/mnist --epochs 20 --log-json "$tmp/mnist.jsonl" >"$tmp/mnist.txt"
"$python" tools/plot.py curves "$tmp/mnist.jsonl" docs/mnist_curves.svg \
    --title "MNIST: 784-256-10 ReLU network, SGD lr 0.1 momentum 0.9, batch 64" \
    --note "examples/mnist --epochs 20; training: 8,000 digits, validation: the 2,000 test digits (data/fetch_mnist.sh)"

echo "make_pictures: two spirals"
"$build"/examples/spirals --save-regions "$tmp/regions.csv" >"$tmp/spirals.txt"
"$python" tools/plot.py regions "$tmp/regions.csv" docs/spirals_regions.svg \
    --title "Two spirals: 2-64-64-2 tanh network, Adam" \
    --note "examples/spirals (100 epochs): predicted class on a 200 x 200 grid, training points on top"

echo "make_pictures: vecnn bench (2-3 minutes)"
"$build"/vecnn bench --seconds 2 --json "$tmp/bench.jsonl" >"$tmp/bench.txt"
"$python" tools/plot.py bench "$tmp/bench.jsonl" docs/bench.svg \
    --title "Training-step throughput: loop vs vectorized engine" \
    --note "${VECNN_BENCH_NOTE:-one run on a $(nproc)-core machine}; vecnn bench --seconds 2, float32 SGD step, 2 threads, median of 5"

ls -l docs/mnist_curves.svg docs/spirals_regions.svg docs/bench.svg
