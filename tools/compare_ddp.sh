#!/usr/bin/env bash
# vecnn vs PyTorch, data-parallel on this machine, side by side: runs
# `mpirun -np N vecnn bench` (N ranks x 1 thread, and rank 0 alone on the
# whole batch in the same run), then tools/torch_ddp_bench.py (DDP over gloo,
# N ranks x 1 thread, and one process alone in the same run), same model,
# same global batch, same SGD cross-entropy step, float32, and prints
# samples/s (median and min-max over the repeats), each side's scaling
# against its own single rank, and vecnn N ranks / PyTorch DDP.
#
# Usage: tools/compare_ddp.sh [--build DIR] [--model M] [--batch B] [--seconds S]
#                             [--repeats R] [--ranks N] [--vecnn PATH]
#        tools/compare_ddp.sh --print-only VECNN.jsonl TORCH.jsonl
#   --build DIR   the build folder holding the vecnn binary (default build)
#   --vecnn PATH  the vecnn binary (default: $VECNN, else DIR/vecnn)
#   --model M     model (default 784-1024-1024-10)
#   --batch B     global batch over all ranks (default 256)
#   --seconds S   passed to both sides as --seconds (default 2)
#   --repeats R   timed repeats on both sides (default 5)
#   --ranks N     processes on both sides, at least 2 (default 2)
#   --print-only  run nothing: print the table from saved JSON lines of
#                 `vecnn bench --json` (under mpirun) and torch_ddp_bench.py --json
# Environment: PYTHON (default /usr/bin/python3).
set -euo pipefail
cd "$(dirname "$0")/.."

build=build model=784-1024-1024-10 batch=256 seconds=2 repeats=5 ranks=2 vecnn="" print_only=()
python=${PYTHON:-/usr/bin/python3}
value() {  # the value after option $1, or an error naming the option
    (($# >= 2)) || { echo "compare_ddp: $1 needs a value (see --help)" >&2; exit 2; }
    echo "$2"
}
while (($#)); do
    case "$1" in
        --build) build=$(value "$@"); shift 2 ;;
        --vecnn) vecnn=$(value "$@"); shift 2 ;;
        --model) model=$(value "$@"); shift 2 ;;
        --batch) batch=$(value "$@"); shift 2 ;;
        --seconds) seconds=$(value "$@"); shift 2 ;;
        --repeats) repeats=$(value "$@"); shift 2 ;;
        --ranks) ranks=$(value "$@"); shift 2 ;;
        --print-only) (($# >= 3)) || { echo "compare_ddp: --print-only needs two JSON files" >&2; exit 2; }
                      print_only=("$2" "$3"); shift 3 ;;
        -h|--help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
        *) echo "compare_ddp: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
vecnn=${vecnn:-${VECNN:-$build/vecnn}}

# The table, from one JSON file of each side (also run alone by --print-only).
print_table() {
    "$python" - "$1" "$2" <<'EOF'
import json, re, sys

def short(model):
    """linear(784,256),relu,linear(256,10) -> 784-256-10 (a ReLU MLP); anything else as is."""
    dims = []
    for p in model.split(",relu,"):
        m = re.fullmatch(r"linear\((\d+),(\d+)\)", p)
        if not m or (dims and dims[-1] != m.group(1)):
            return model
        dims += [m.group(1), m.group(2)] if not dims else [m.group(2)]
    return "-".join(dims)

def records(path, what):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError) as e:
        sys.exit("compare_ddp: cannot read %s's JSON lines from %s: %s" % (what, path, e))

vec = [r for r in records(sys.argv[1], "vecnn") if "single_rank_samples_per_s" in r]
if not vec:
    sys.exit("compare_ddp: %s has no data-parallel line of vecnn bench (did it run under mpirun with 2+ ranks?)"
             % sys.argv[1])
v = vec[-1]
torch_ = {r.get("mode"): r for r in records(sys.argv[2], "PyTorch") if r.get("framework") == "pytorch"}
if "ddp-gloo" not in torch_ or "single" not in torch_:
    sys.exit("compare_ddp: %s lacks PyTorch's ddp-gloo and single lines" % sys.argv[2])
t, ts = torch_["ddp-gloo"], torch_["single"]
if (short(v["model"]), v["batch"], v["ranks"]) != (short(t["model"]), t["batch"], t["ranks"]):
    print("compare_ddp: warning: the sides differ: vecnn %s batch %s, %s ranks; PyTorch %s batch %s, %s ranks"
          % (short(v["model"]), v["batch"], v["ranks"], short(t["model"]), t["batch"], t["ranks"]), file=sys.stderr)

def rate(r, key="samples_per_s"):
    if key + "_min" not in r:  # older vecnn lines: the median alone
        return "%.0f" % r[key]
    return "%.0f (%.0f-%.0f)" % (r[key], r[key + "_min"], r[key + "_max"])

n, th = v["ranks"], v.get("threads", 1)
rows = [
    ("vecnn (%d ranks x %d thread)" % (n, th), rate(v), "%.2fx" % (v["samples_per_s"] / v["single_rank_samples_per_s"])),
    ("vecnn (1 rank x %d thread, same run)" % th, rate(v, "single_rank_samples_per_s"), "1.00x"),
    ("PyTorch DDP gloo (%d x %d)" % (t["ranks"], t["threads"]), rate(t), "%.2fx" % (t["samples_per_s"] / ts["samples_per_s"])),
    ("PyTorch single (1 x %d)" % ts["threads"], rate(ts), "1.00x"),
]
header = ("run", "samples/s (min-max)", "scaling vs own 1 rank")
widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(3)]
print("vecnn vs PyTorch %s, data-parallel: %s, global batch %d, float32, SGD momentum %g; median of the repeats"
      % (t.get("torch_version", "?"), short(v["model"]), v["batch"], v.get("momentum", 0.9)))
for r in (header,) + tuple(rows):
    print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
print("vecnn %d ranks / PyTorch DDP: %.2f" % (n, v["samples_per_s"] / t["samples_per_s"]))
if "allreduce_us" in v and "step_us" in v:
    print("vecnn allreduce: %.0f us of a %.0f us step (%.0f%% hidden behind compute)"
          % (v["allreduce_us"], v["step_us"], 100 * v.get("allreduce_hidden_fraction", 0)))
EOF
}

if ((${#print_only[@]})); then
    print_table "${print_only[@]}"
    exit
fi

[[ $ranks =~ ^[0-9]+$ ]] && ((ranks >= 2)) || { echo "compare_ddp: --ranks must be an integer of at least 2, got '$ranks'" >&2; exit 2; }
[[ $repeats =~ ^[1-9][0-9]*$ ]] || { echo "compare_ddp: --repeats must be a positive integer, got '$repeats'" >&2; exit 2; }
[[ $batch =~ ^[1-9][0-9]*$ ]] && ((batch >= ranks)) || { echo "compare_ddp: --batch must be an integer of at least --ranks, got '$batch'" >&2; exit 2; }
[[ $seconds =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)$ ]] && awk -v s="$seconds" 'BEGIN { exit !(s > 0) }' ||
    { echo "compare_ddp: --seconds must be a positive number, got '$seconds'" >&2; exit 2; }
if ! command -v mpirun >/dev/null 2>&1; then
    echo "compare_ddp: mpirun not found; vecnn's side needs Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev, then rebuild vecnn)" >&2
    exit 3
fi
if ! "$python" -c 'import torch.distributed as d; assert d.is_available() and d.is_gloo_available()' >/dev/null 2>&1; then
    echo "compare_ddp: $python cannot import torch with torch.distributed (gloo); install it (Debian: apt-get install python3-torch)" >&2
    exit 3
fi
if [[ ! -x $vecnn ]]; then
    echo "compare_ddp: no vecnn binary at '$vecnn'; build it (tools/setup.sh) or pass --build DIR or --vecnn PATH" >&2
    exit 3
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mpi=(mpirun -np "$ranks" --oversubscribe --bind-to none)
if [[ $(id -u) == 0 ]]; then mpi+=(--allow-run-as-root); fi

echo "compare_ddp: $model, batch $batch, $ranks ranks x 1 thread, --seconds $seconds, $repeats repeats; load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "compare_ddp: vecnn bench under mpirun" >&2
"${mpi[@]}" "$vecnn" bench --model "$model" --batch "$batch" --threads 1 --seconds "$seconds" \
    --repeats "$repeats" --json "$tmp/vecnn.jsonl" >"$tmp/vecnn.txt" ||
    { cat "$tmp/vecnn.txt" >&2; echo "compare_ddp: vecnn bench under mpirun failed" >&2; exit 1; }
echo "compare_ddp: tools/torch_ddp_bench.py" >&2
"$python" tools/torch_ddp_bench.py --model "$model" --batch "$batch" --ranks "$ranks" --threads 1 \
    --seconds "$seconds" --repeats "$repeats" --json "$tmp/torch.jsonl" >"$tmp/torch.txt" ||
    { cat "$tmp/torch.txt" >&2; echo "compare_ddp: tools/torch_ddp_bench.py failed" >&2; exit 1; }
print_table "$tmp/vecnn.jsonl" "$tmp/torch.jsonl"
