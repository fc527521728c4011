#!/usr/bin/env bash
# vecnn vs PyTorch (CPU), side by side: runs `vecnn bench --engine vectorized`
# and tools/torch_bench.py (same configs, same SGD cross-entropy step,
# float32) with the same thread count, and prints per config: vecnn samples/s,
# PyTorch samples/s and their ratio (vecnn / PyTorch).
#
# Usage: tools/compare_torch.sh [--threads T] [--seconds S] [--repeats R] [--runs N]
#                               [--model SPEC --batch B [--input-shape C,H,W]] [--momentum M] [--vecnn PATH] [--markdown]
#   --threads T   threads on both sides (default 1): `vecnn bench --threads T`;
#                 PyTorch gets OPENBLAS_NUM_THREADS=T and OMP_NUM_THREADS=T in its
#                 environment (torch.set_num_threads does not reach Debian's
#                 OpenBLAS) and torch.set_num_threads(T)
#   --seconds S   timed seconds per config and side (default 2), split in R repeats
#   --runs N      alternate vecnn and PyTorch N times (default 1); the table shows
#                 the median over the runs of each run's median samples/s
#   --momentum M  SGD momentum of the step on both sides (default 0.9; 0: plain SGD)
#   --vecnn PATH  the vecnn binary (default: $VECNN, else build/vecnn)
#   --markdown    print the table as Markdown
# Environment: PYTHON (default /usr/bin/python3).
set -euo pipefail
cd "$(dirname "$0")/.."

threads=1 seconds=2 repeats=5 runs=1 model="" batch=64 markdown=0 momentum=0.9 input_shape=""
vecnn=${VECNN:-build/vecnn}
python=${PYTHON:-/usr/bin/python3}
while (($#)); do
    case "$1" in
        --threads) threads=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --repeats) repeats=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --model) model=$2; shift 2 ;;
        --batch) batch=$2; shift 2 ;;
        --input-shape) input_shape=$2; shift 2 ;;
        --momentum) momentum=$2; shift 2 ;;
        --vecnn) vecnn=$2; shift 2 ;;
        --markdown) markdown=1; shift ;;
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        *) echo "compare_torch: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ $threads =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ ]] || { echo "compare_torch: --threads and --runs must be positive integers" >&2; exit 2; }

if ! command -v "$python" >/dev/null 2>&1; then
    echo "compare_torch: $python not found; PyTorch's side needs python3 with torch (Debian: apt-get install python3-torch)" >&2
    exit 3
fi
if ! "$python" -c 'import torch' >/dev/null 2>&1; then
    echo "compare_torch: $python cannot import torch; install it (Debian: apt-get install python3-torch)" >&2
    exit 3
fi
if [[ ! -x $vecnn ]]; then
    echo "compare_torch: no vecnn binary at '$vecnn'; build it (tools/setup.sh) or pass --vecnn PATH" >&2
    exit 3
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
model_args=()
if [[ -n $model ]]; then model_args=(--model "$model" --batch "$batch"); fi
if [[ -n $input_shape ]]; then model_args+=(--input-shape "$input_shape"); fi

echo "compare_torch: $threads thread(s), ${seconds}s per config and side, $repeats repeats, $runs run(s); load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ((r = 1; r <= runs; r++)); do
    echo "compare_torch: run $r/$runs: vecnn bench" >&2
    "$vecnn" bench --engine vectorized --threads "$threads" --seconds "$seconds" --repeats "$repeats" --momentum "$momentum" \
        "${model_args[@]}" --json "$tmp/vecnn.$r.jsonl" >"$tmp/vecnn.$r.txt"
    echo "compare_torch: run $r/$runs: torch_bench.py" >&2
    OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads "$python" tools/torch_bench.py --threads "$threads" \
        --seconds "$seconds" --repeats "$repeats" --momentum "$momentum" "${model_args[@]}" --json "$tmp/torch.$r.jsonl" >"$tmp/torch.$r.txt"
done

"$python" - "$tmp" "$runs" "$threads" "$markdown" <<'EOF'
import json, re, statistics, sys

tmp, runs, threads, markdown = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"

def short(model):
    """linear(784,256),relu,linear(256,10) -> 784-256-10 (a ReLU MLP); anything else as is."""
    parts = model.split(",relu,")
    dims = []
    for i, p in enumerate(parts):
        m = re.fullmatch(r"linear\((\d+),(\d+)\)", p)
        if not m or (dims and dims[-1] != m.group(1)):
            return model
        dims += [m.group(1), m.group(2)] if not dims else [m.group(2)]
    return "-".join(dims)

def load(side):
    rows = {}  # config -> record of the first run, plus the list of samples/s over runs
    for r in range(1, runs + 1):
        with open("%s/%s.%d.jsonl" % (tmp, side, r)) as f:
            for line in f:
                rec = json.loads(line)
                entry = rows.setdefault(rec["config"], dict(rec, rates=[]))
                entry["rates"].append(rec["samples_per_s"])
    return rows

vec, torch_ = load("vecnn"), load("torch")
header = ["config", "model", "batch", "vecnn samples/s", "PyTorch samples/s", "vecnn/PyTorch"]
rows = []
for name, v in vec.items():
    t = torch_.get(name)
    vs = statistics.median(v["rates"])
    ts = statistics.median(t["rates"]) if t else float("nan")
    def cell(rates, med):
        return "%.0f" % med if len(rates) < 2 else "%.0f (%.0f-%.0f)" % (med, min(rates), max(rates))
    rows.append([name, short(v["model"]), str(v["batch"]), cell(v["rates"], vs),
                 cell(t["rates"], ts) if t else "-", "%.2f" % (vs / ts) if t else "-"])

momentum = next(iter(vec.values())).get("momentum", 0.9) if vec else 0.9
print("vecnn (vectorized) vs PyTorch, float32, SGD momentum %g, %d thread(s), median samples/s of %d run(s)%s"
      % (momentum, threads, runs, " (min-max over runs)" if runs > 1 else ""))
if markdown:
    print("| " + " | ".join(header) + " |")
    print("|---|---|---:|---:|---:|---:|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
else:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    fmt = lambda cells: "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print(fmt(header))
    for r in rows:
        print(fmt(r))
EOF
