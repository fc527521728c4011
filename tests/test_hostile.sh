#!/usr/bin/env bash
# The vecnn command line against hostile and special files (issue list of
# "what failed" before, each a case here): memory bounded by what a file can
# really hold, special files never replaced, one run per folder, finite in and
# finite out, pipes that never hang, clear messages for numbers out of range,
# stale temporaries removed. Each failure must be a non-zero exit with one
# message naming the file; the section-1 files must also stay under 100 MB
# of peak memory (GNU time) and 5 s.
# Usage: tests/test_hostile.sh VECNN [sanitized]   ("sanitized": skip the memory bound,
# which AddressSanitizer's shadow memory would break)
set -uo pipefail
vecnn=${1:?usage: tests/test_hostile.sh VECNN [sanitized]}
sanitized=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp"
"$python" "$here/hostile_files.py" "$tmp" || { echo "test_hostile: FAIL: cannot make the files"; exit 1; }

failures=0
fail() {
    echo "test_hostile: FAIL: $*" >&2
    failures=$((failures + 1))
}

# refused NAME FRAGMENT... -- ARGS: vecnn ARGS must exit non-zero (not by a
# signal), within 5 s, under 100 MB, with every fragment on stderr.
refused() {
    local name=$1
    shift
    local fragments=()
    while [[ $1 != -- ]]; do
        fragments+=("$1")
        shift
    done
    shift
    /usr/bin/time -o "$tmp/time" -f "%M %e" timeout 20 "$vecnn" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if ((rc == 0)); then
        fail "$name: exit status 0 (expected a refusal)"
        return
    fi
    if ((rc >= 124)); then
        fail "$name: exit status $rc (a timeout or a signal): $(tail -c 300 "$tmp/err")"
        return
    fi
    for f in "${fragments[@]}"; do
        grep -qF -- "$f" "$tmp/err" || fail "$name: the message lacks '$f': $(head -c 400 "$tmp/err")"
    done
    if grep -q "terminate called\|bad_alloc\|Aborted" "$tmp/err"; then fail "$name: crashed: $(head -c 300 "$tmp/err")"; fi
    local kb seconds
    read -r kb seconds < <(tail -n 1 "$tmp/time")
    echo "test_hostile: $name: refused in ${seconds} s, peak ${kb} KB: $(head -n 1 "$tmp/err" | cut -c1-150)"
    if [[ -z $sanitized ]] && ((kb > 100 * 1024)); then fail "$name: peak memory $kb KB is over 100 MB"; fi
    if awk -v s="$seconds" 'BEGIN { exit !(s > 5) }'; then fail "$name: took $seconds s"; fi
}

ok() {  # ok NAME -- ARGS: vecnn ARGS must succeed
    local name=$1
    shift 2
    if ! timeout 60 "$vecnn" "$@" >"$tmp/out" 2>"$tmp/err"; then fail "$name: failed: $(head -c 400 "$tmp/err")"; fi
}

model=(--model 'linear(4,3)')
train=(train --quiet "${model[@]}")
ok "a small model to predict with" -- "${train[@]}" --x x.npy --y y.npy --epochs 2 --save m.npz
ok "a 784-input model" -- train --quiet --model 'linear(784,10)' --x images_10.idx --y labels_10.idx --save m784.npz

# ---- 1. memory sized by what a file claims
refused "npz member declaring 4 GB" "member_4gb.npz" "declares 4294967040 bytes" -- \
    predict "${model[@]}" --params member_4gb.npz --x x.npy --out o.npy
refused "npz member declaring 4 EiB in zip64 fields" "member_zip64.npz" "declares" -- \
    predict "${model[@]}" --params member_zip64.npz --x x.npy --out o.npy
refused "gzip IDX of 2^30 labels, rows cross-checked from the headers" "labels_2p30.idx.gz" "1073741824" -- \
    "${train[@]}" --x x.npy --y labels_2p30.idx.gz
refused "gzip IDX of 2^30 labels read alone: over the input limit" "labels_2p30.idx.gz" "more than the input limit" -- \
    train --quiet --model 'linear(1,10)' --x labels_2p30.idx.gz --y labels_2p30.idx.gz
refused "gzip IDX of 2^20 images against 100 labels" "images_2p20.idx.gz" "1048576" "labels_100.idx" -- \
    train --quiet --model 'linear(784,10)' --x images_2p20.idx.gz --y labels_100.idx
refused "gzip IDX of 2^20 images under a 100 MB input limit" "images_2p20.idx.gz" "more than the input limit" -- \
    predict --model 'linear(784,10)' --params m784.npz --x images_2p20.idx.gz --out o.npy --max-input-bytes 100000000
refused "8 MB gzip whose header claims 7,840 bytes" "tail_8mb.idx.gz" "trailing bytes" "at least" -- \
    train --quiet --model 'linear(784,10)' --x tail_8mb.idx.gz --y labels_10.idx
for dev in /dev/zero /dev/urandom; do
    ln -sf "$dev" "link$(basename "$dev").csv"
    refused "$dev as --x" "$dev" "binary data" -- "${train[@]}" --x "$dev" --y y.npy
    refused "$dev as --params" "$dev" "not a valid .npz" -- predict "${model[@]}" --params "$dev" --x x.npy --out o.npy
    refused "a .csv link to $dev" "link$(basename "$dev").csv" "binary data" -- \
        "${train[@]}" --x "link$(basename "$dev").csv" --y y.npy
done
head -c 3000000 /dev/zero | tr '\0' '1' | sed 's/1\{10\}/1,1,1,1\n/g' >big.csv
refused "a CSV over a 1 MB input limit" "big.csv" "input limit" -- "${train[@]}" --x big.csv --y y.npy --max-input-bytes 1000000
head -c 400000 /dev/zero | tr '\0' '\n' | sed 's/^$/0/' >long.csv
refused "a CSV whose parsed values outgrow a 1 MB input limit" "long.csv" "the values parsed so far" -- \
    "${train[@]}" --x long.csv --y y.npy --max-input-bytes 1000000

# ---- 2. special files are written to, never replaced; links are followed
mkfifo out.fifo
refused "--out on a FIFO nobody reads" "out.fifo" "nothing reads" -- predict "${model[@]}" --params m.npz --x x.npy --out out.fifo
[[ -p out.fifo ]] || fail "the FIFO was replaced"
(cat out.fifo >from_fifo.npy) &
sleep 0.2
ok "--out on a FIFO with a reader" -- predict "${model[@]}" --params m.npz --x x.npy --out out.fifo
wait
ok "--out to a file" -- predict "${model[@]}" --params m.npz --x x.npy --out o.npy
cmp -s from_fifo.npy o.npy || fail "what came through the FIFO differs from the file"
[[ -p out.fifo ]] || fail "the FIFO is gone after writing to it"
if mknod null.dev c 1 3 2>/dev/null; then
    ok "--out on a character device" -- predict "${model[@]}" --params m.npz --x x.npy --out null.dev
    [[ -c null.dev ]] || fail "the character device was replaced by a regular file"
else
    echo "test_hostile: (no mknod here: the character-device case uses /dev/null itself)"
    ok "--out /dev/null" -- predict "${model[@]}" --params m.npz --x x.npy --out /dev/null
    [[ -c /dev/null ]] || fail "/dev/null is no longer a character device"
fi
timeout 20 "$vecnn" predict "${model[@]}" --params m.npz --x x.npy --out - >stdout.npy 2>/dev/null || fail "--out - failed"
cmp -s stdout.npy o.npy || fail "--out - did not write the array to standard output"
# /dev/fd/1 rather than /dev/stdout: the same rule (paths under /dev/ and /proc/
# are written in place), but a broken vecnn that renames over it fails
# harmlessly instead of replacing the machine's /dev/stdout.
timeout 20 "$vecnn" predict "${model[@]}" --params m.npz --x x.npy --out /dev/fd/1 >devstdout.npy 2>/dev/null ||
    fail "--out /dev/fd/1 failed"
cmp -s devstdout.npy o.npy || fail "--out /dev/fd/1 did not write the array"
echo old >target.npz
ln -s target.npz link.npz
ok "--save through a symbolic link" -- "${train[@]}" --x x.npy --y y.npy --save link.npz
[[ -L link.npz && $(readlink link.npz) == target.npz ]] || fail "the symbolic link was replaced"
[[ $(head -c 2 target.npz) == PK ]] || fail "the link's target was not written"
ln -s nowhere/none.npz dangling.npz
refused "--save through a link to nowhere" "dangling.npz" "does not exist" -- "${train[@]}" --x x.npy --y y.npy --save dangling.npz

# ---- 3. one run per folder; resuming checks the settings
(timeout 60 "$vecnn" "${train[@]}" --x x.npy --y y.npy --epochs 100000 --resume run >/dev/null 2>&1) &
holder=$!
for _ in $(seq 50); do [[ -s run/lock ]] && break; sleep 0.1; done
refused "a second run on a folder in use" "another run is using this folder" "process" -- \
    "${train[@]}" --x x.npy --y y.npy --epochs 1 --resume run
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
rm -rf run
ok "a run with a checkpoint folder" -- "${train[@]}" --x x.npy --y y.npy --epochs 1 --resume run
refused "resuming with another lr and seed" "different run" "lr: checkpoint 0.01, this run 0.05" "seed: checkpoint 0, this run 3" -- \
    "${train[@]}" --x x.npy --y y.npy --epochs 2 --resume run --lr 0.05 --seed 3
ok "resuming with a new lr, allowed" -- "${train[@]}" --x x.npy --y y.npy --epochs 2 --resume run --lr 0.05 --allow-change lr

# ---- 4. finite in, finite out
refused "--lr 1e39 in float32" "learning rate 1e+39" "float32" -- "${train[@]}" --x x.npy --y y.npy --lr 1e39
refused "--weight-decay 1e39 in float32" "weight_decay 1e+39" "float32" -- "${train[@]}" --x x.npy --y y.npy --weight-decay 1e39
refused "Adam --lr 1e39" "Adam" "1e+39" -- "${train[@]}" --x x.npy --y y.npy --optimizer adam --lr 1e39
refused "--init with a NaN weight" "nan_init.npz" "'0.weight' [1, 1] is NaN" -- "${train[@]}" --x x.npy --y y.npy --init nan_init.npz
refused "predict --params with a NaN weight" "nan_init.npz" "is NaN" -- predict "${model[@]}" --params nan_init.npz --x x.npy --out o.npy
cp run/checkpoint.npz checkpoint_before.npz
# (--max-loss-growth 0: the loss explodes first, and is refused first; this checks the parameters behind it)
refused "an update that overflows" "optimizer step" "'0.weight'" "inf" -- \
    "${train[@]}" --x x.npy --y y.npy --epochs 5 --resume run --lr 1 --weight-decay 1e38 --allow-change lr,weight_decay \
    --max-loss-growth 0 --save diverged.npz
cmp -s run/checkpoint.npz checkpoint_before.npz || fail "the last good checkpoint was not kept"
[[ ! -e diverged.npz ]] || fail "a diverged model was saved"
refused "a loss that explodes" "training diverged" "more than 1e+06 times the first epoch's mean loss" -- \
    "${train[@]}" --x x.npy --y y.npy --epochs 5 --resume run --lr 1 --weight-decay 1e38 --allow-change lr,weight_decay \
    --save diverged.npz
cmp -s run/checkpoint.npz checkpoint_before.npz || fail "a loss that explodes: the last good checkpoint was not kept"
[[ ! -e diverged.npz ]] || fail "a loss that explodes: the model was saved"

# ---- 5. pipes and FIFOs
mkfifo in.fifo
refused "a FIFO nobody writes to" "in.fifo" "no data arrived for 1 s" -- "${train[@]}" --x in.fifo --y y.npy --input-timeout 1
ok "--x <(cat x.npy)" -- "${train[@]}" --x <(cat x.npy) --y <(cat y.npy) --epochs 2
(sleep 0.3; cat x.npy >in.fifo) &
ok "a FIFO whose writer comes late" -- predict "${model[@]}" --params m.npz --x in.fifo --out fifo_in.npy
wait
cmp -s fifo_in.npy o.npy || fail "predictions through a FIFO differ"
timeout 20 "$vecnn" predict "${model[@]}" --params m.npz --x - --out piped.npy <x.npy >/dev/null 2>&1 || fail "--x - failed"
cmp -s piped.npy o.npy || fail "predictions from standard input differ"

# ---- 6. messages and numbers
refused "linear(100000,100000)" "linear(100000,100000)" "parameters need" "more than the limit" -- \
    train --quiet --model 'linear(100000,100000)' --x x.npy --y y.npy
refused "--threads 100000" "--threads" "out of range" -- "${train[@]}" --x x.npy --y y.npy --threads 100000
refused "--epochs 0" "--epochs: 0 is out of range" -- "${train[@]}" --x x.npy --y y.npy --epochs 0
grep -qE '[0-9]{40}' "$tmp/err" && fail "--epochs 0 still prints a huge number"
refused "--batch-size 2^64" "--batch-size" "out of range" -- "${train[@]}" --x x.npy --y y.npy --batch-size 18446744073709551616
refused "--seed -1" "--seed" "'-1'" -- "${train[@]}" --x x.npy --y y.npy --seed -1
refused "--save ''" "--save" "empty" -- "${train[@]}" --x x.npy --y y.npy --save ''
refused "a .idx.gz with a flipped CRC byte" "crc.idx.gz" "corrupt gzip" "CRC" -- "${train[@]}" --x x.npy --y crc.idx.gz
refused "a .idx.gz cut to 25 bytes" "cut.idx.gz" "corrupt gzip" "truncated" -- "${train[@]}" --x x.npy --y cut.idx.gz

# ---- 7. stale temporaries of a killed save
dead=4000000
while kill -0 "$dead" 2>/dev/null; do dead=$((dead + 1)); done
touch "saved.npz.tmp.$dead.0" "saved.npz.tmp.$$.7"
ok "a save next to stale temporaries" -- "${train[@]}" --x x.npy --y y.npy --save saved.npz
[[ ! -e saved.npz.tmp.$dead.0 ]] || fail "the temporary of a dead process was not removed"
[[ -e saved.npz.tmp.$$.7 ]] || fail "the temporary of a live process was removed"

if ((failures)); then
    echo "test_hostile: $failures failure(s)" >&2
    exit 1
fi
echo "test_hostile: all cases passed"
