#!/usr/bin/env bash
# Saves under faults: nothing half-written, ever.
#  1. kill -9 at random instants while a run writes its checkpoint every epoch
#     and its model at the end (30 trials): every file left is the old one or
#     a complete new one, and the next save removes the dead runs' temporaries;
#  2. a full file system (a small tmpfs where this machine allows mounting
#     one, otherwise a file-size limit, which fails writes the same way): the
#     save fails with a message naming the file and the cause, the old file is
#     byte for byte what it was, and no temporary is left.
# Usage: tests/test_faults.sh VECNN
set -uo pipefail
vecnn=${1:?usage: tests/test_faults.sh VECNN}
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
cleanup() {
    kill $(jobs -p) 2>/dev/null
    mountpoint -q "$tmp/full" 2>/dev/null && umount "$tmp/full"
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"
"$python" "$here/hostile_files.py" "$tmp" >/dev/null || { echo "test_faults: FAIL: cannot make the data"; exit 1; }

failures=0
fail() {
    echo "test_faults: FAIL: $*" >&2
    failures=$((failures + 1))
}

# A complete checkpoint or model: a zip whose every member passes its CRC
# and holds a .npy whose header fits the member (python: zipfile, struct).
complete() {
    "$python" - "$1" "$2" <<'EOF'
import struct, sys, zipfile
path, kind = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(path) as z:
    if z.testzip() is not None:
        sys.exit("bad CRC")
    names = set(z.namelist())
    want = {"0.weight.npy", "0.bias.npy", "2.weight.npy", "2.bias.npy"}
    if kind == "checkpoint":
        want |= {"trainer.step.npy", "trainer.config.npy", "optimizer.step.npy"}
    if not want <= names:
        sys.exit("missing members: %s" % sorted(want - names))
    for n in names:
        data = z.read(n)
        if data[:6] != b"\x93NUMPY":
            sys.exit("%s: not a .npy" % n)
EOF
}

model=(--model 'linear(4,64),relu,linear(64,3)')
echo "test_faults: 30 runs killed with SIGKILL at random instants"
"$vecnn" train --quiet "${model[@]}" --x x.npy --y y.npy --epochs 1 --save final.npz >/dev/null 2>&1 ||
    fail "the first save failed"
kills=0
for trial in $(seq 30); do
    cp final.npz before.npz
    "$vecnn" train --quiet "${model[@]}" --x x.npy --y y.npy --epochs 1000000 --resume run --allow-change seed \
        --seed "$trial" --save final.npz >/dev/null 2>&1 &
    pid=$!
    # 20-300 ms: many checkpoints are written in that time, one every few ms.
    sleep "0.$(printf '%03d' $((20 + RANDOM % 280)))"
    kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
    wait "$pid" 2>/dev/null
    if [[ -e run/checkpoint.npz ]]; then
        why=$(complete run/checkpoint.npz checkpoint 2>&1) || fail "trial $trial: the checkpoint is broken: $why"
    fi
    why=$(complete final.npz model 2>&1) || fail "trial $trial: the model file is broken: $why"
    cmp -s final.npz before.npz || fail "trial $trial: the model file changed although the run never got to save it"
    # A short run that does save the model, killed at any instant of its life.
    "$vecnn" train --quiet "${model[@]}" --x x.npy --y y.npy --epochs 3 --seed "$trial" --save final.npz >/dev/null 2>&1 &
    pid=$!
    sleep "0.0$((RANDOM % 10))"
    kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
    wait "$pid" 2>/dev/null
    why=$(complete final.npz model 2>&1) || fail "trial $trial: the model file is broken after a kill during its save: $why"
done
echo "test_faults: $kills processes killed; every file left complete"
left=$(ls final.npz.tmp.* run/checkpoint.npz.tmp.* 2>/dev/null | wc -l)
"$vecnn" train --quiet "${model[@]}" --x x.npy --y y.npy --epochs 1 --save final.npz >/dev/null 2>&1 || fail "a save after the kills failed"
after=$(ls final.npz.tmp.* 2>/dev/null | wc -l)
echo "test_faults: $left temporaries left by killed saves; $after of the model's after the next save"
((after == 0)) || fail "the next save left the dead runs' temporaries of final.npz in place"

echo "test_faults: a full file system"
mkdir full
small=(--model 'linear(4,3)')
big=(--model 'linear(4,4096),relu,linear(4096,3)')
if mount -t tmpfs -o size=12k tmpfs full 2>/dev/null; then
    how="a 12 KiB tmpfs"
    "$vecnn" train --quiet "${small[@]}" --x x.npy --y y.npy --save full/model.npz >/dev/null 2>&1 || fail "the small save failed"
    cp full/model.npz old.npz
    "$vecnn" train --quiet "${big[@]}" --x x.npy --y y.npy --save full/model.npz >/dev/null 2>err
    rc=$?
    expected="No space left on device"
else
    how="a 12 KiB file-size limit (no tmpfs here)"
    "$vecnn" train --quiet "${small[@]}" --x x.npy --y y.npy --save full/model.npz >/dev/null 2>&1 || fail "the small save failed"
    cp full/model.npz old.npz
    (trap '' XFSZ; ulimit -f 24; "$vecnn" train --quiet "${big[@]}" --x x.npy --y y.npy --save full/model.npz >/dev/null 2>err)
    rc=$?
    expected="File too large"
fi
((rc != 0 && rc < 128)) || fail "full file system ($how): exit status $rc"
grep -q "cannot write 'full/model.npz'" err || fail "full file system: the message does not name the file: $(cat err)"
grep -q "$expected" err || fail "full file system: the message does not give the cause: $(cat err)"
cmp -s full/model.npz old.npz || fail "full file system: the old model file changed"
[[ $(ls full) == model.npz ]] || fail "full file system: something was left beside the model: $(ls full)"
echo "test_faults: $how: $(head -c 200 err)"

if ((failures)); then
    echo "test_faults: $failures failure(s)" >&2
    exit 1
fi
echo "test_faults: all cases passed"
