#!/usr/bin/env bash
# 1 thread vs 2 threads over a grid of MLPs and batch sizes: is vecnn ever
# slower when given a second thread? Runs `vecnn bench --engine vectorized`
# on each config at 1 and 2 threads, alternating, --runs times, and prints
# per config the median samples/s of each and the ratio 2 threads / 1 thread.
# Ratios below 0.9 are marked "SLOWER" (the machine's run-to-run noise is
# about 10%).
#
# Usage: tools/thread_sweep.sh [--seconds S] [--runs N] [--vecnn PATH] [--markdown] [MODEL:BATCH ...]
#   MODEL:BATCH   configs, e.g. 784-256-10:64 (default: 5 MLPs from 64-64-10
#                 to 784-1024-1024-10, each at batch 1, 8, 64 and 256)
#   --seconds S   timed seconds per config and thread count (default 1)
#   --runs N      alternations of 1 and 2 threads (default 3)
#   --vecnn PATH  the vecnn binary (default: $VECNN, else build/vecnn)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=1 runs=3 markdown=0
vecnn=${VECNN:-build/vecnn}
configs=()
value() {  # the value after option $1, or an error naming the option
    (($# >= 2)) || { echo "thread_sweep: $1 needs a value (see --help)" >&2; exit 2; }
    echo "$2"
}
while (($#)); do
    case "$1" in
        --seconds) seconds=$(value "$@"); shift 2 ;;
        --runs) runs=$(value "$@"); shift 2 ;;
        --vecnn) vecnn=$(value "$@"); shift 2 ;;
        --markdown) markdown=1; shift ;;
        -h|--help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
        -*) echo "thread_sweep: unknown option '$1' (see --help)" >&2; exit 2 ;;
        *:*) configs+=("$1"); shift ;;
        *) echo "thread_sweep: '$1' is not MODEL:BATCH (e.g. 784-256-10:64)" >&2; exit 2 ;;
    esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "thread_sweep: --runs must be a positive integer, got '$runs'" >&2; exit 2; }
[[ $seconds =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)$ ]] && awk -v s="$seconds" 'BEGIN { exit !(s > 0) }' ||
    { echo "thread_sweep: --seconds must be a positive number, got '$seconds'" >&2; exit 2; }
[[ -x $vecnn ]] || { echo "thread_sweep: no vecnn binary at '$vecnn'; build it (tools/setup.sh) or pass --vecnn PATH" >&2; exit 3; }
if ((${#configs[@]} == 0)); then
    for model in 64-64-10 256-256-10 784-256-10 256-512-512-10 784-1024-1024-10; do
        for batch in 1 8 64 256; do configs+=("$model:$batch"); done
    done
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "thread_sweep: ${#configs[@]} configs, ${seconds}s each, $runs run(s); load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ((r = 1; r <= runs; r++)); do
    echo "thread_sweep: run $r/$runs" >&2
    for c in "${configs[@]}"; do
        for t in 1 2; do
            "$vecnn" bench --engine vectorized --threads "$t" --seconds "$seconds" --model "${c%%:*}" \
                --batch "${c##*:}" --json "$tmp/one.jsonl" >/dev/null
            cat "$tmp/one.jsonl" >>"$tmp/$t.jsonl"  # --json rewrites its file
        done
    done
done

python3 - "$tmp" "$markdown" "${configs[@]}" <<'EOF'
import json, statistics, sys

tmp, markdown, configs = sys.argv[1], sys.argv[2] == "1", sys.argv[3:]
# Each thread count's file holds one record per config, in the order run, for every run.
rates = {c: {} for c in configs}  # "MODEL:BATCH" -> {threads: [samples/s per run]}
for t in (1, 2):
    with open("%s/%d.jsonl" % (tmp, t)) as f:
        records = [json.loads(line) for line in f]
    for i, rec in enumerate(records):
        rates[configs[i % len(configs)]].setdefault(t, []).append(rec["samples_per_s"])

header = ["model", "batch", "1 thread", "2 threads", "2t/1t", ""]
rows = []
for c in configs:
    one, two = statistics.median(rates[c][1]), statistics.median(rates[c][2])
    ratio = two / one
    model, batch = c.rsplit(":", 1)
    rows.append([model, batch, "%.0f" % one, "%.0f" % two, "%.2f" % ratio,
                 "SLOWER" if ratio < 0.9 else ""])
print("vecnn bench (vectorized) samples/s, median of %d run(s) per thread count"
      % len(next(iter(rates.values()))[1]))
if markdown:
    print("| " + " | ".join(header[:5]) + " |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        print("| " + " | ".join(r[:4]) + " | " + r[4] + (" (slower)" if r[5] else "") + " |")
else:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    for cells in [header] + rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip())
EOF
