#!/usr/bin/env bash
# Data-parallel training on MPI ranks (mpirun on this machine only, every
# run bounded in time):
#  1. exactness: 2 ranks against one process with --accumulate 2, bit for bit
#     (float32 and float64, SGD with momentum and Adam, an uneven last batch,
#     the real digits when data/mnist is there); 3 ranks (ranks without rows
#     in the last step) and --accumulate on top of the ranks against one
#     process within rounding; the same job twice: identical;
#  2. resume: two epochs, then two more from the checkpoint, equal to four at
#     once; another rank count refused, naming the setting;
#  3. refusals: ranks reading different data; a rank that errors; a rank
#     killed mid-run (the job ends non-zero, the checkpoint stays complete,
#     and the run resumes from it);
#  4. vecnn bench under mpirun reports the job, the single rank and the allreduce;
#  5. the cost model of docs/scale-out.md against hand-computed values.
# Usage: tests/test_distributed.sh VECNN [MNIST_DIR]
set -uo pipefail
vecnn=${1:?usage: tests/test_distributed.sh VECNN [MNIST_DIR]}
mnist=${2:-}
repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
cleanup() {
    kill $(jobs -p) 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"

failures=0
fail() {
    echo "test_distributed: FAIL: $*" >&2
    failures=$((failures + 1))
}
command -v mpirun >/dev/null || { echo "test_distributed: FAIL: mpirun not found (tools/setup.sh installs openmpi-bin)"; exit 1; }

# In a sanitizer build, OpenMPI's own memory held at exit is not a leak of
# vecnn's: suppressed by module, which needs whole stacks (the slow unwinder:
# OpenMPI has no frame pointers) and its plugins kept loaded.
export LSAN_OPTIONS="suppressions=$repo/tests/lsan_mpi.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS="fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export OMPI_MCA_mca_base_component_disable_dlclose=1
# Every rank on this machine: shared memory between ranks, more ranks than cores allowed.
mpi=(mpirun --oversubscribe --bind-to none --mca btl self,vader)
if [[ $(id -u) -eq 0 ]]; then mpi+=(--allow-run-as-root); fi
ranks() {  # ranks N ARGS...: vecnn on N ranks, at most 120 s
    local n=$1
    shift
    timeout -k 5 120 "${mpi[@]}" -np "$n" "$vecnn" "$@"
}
alone() { timeout -k 5 120 "$vecnn" "$@"; }

# 203 rows of 12 features, 4 classes: batch 20 leaves a last step of 3 rows
# (2 ranks: 2 + 1; 3 ranks of 7 rows: 3 + 0 + 0).
"$python" - <<'PY' || { echo "test_distributed: FAIL: cannot make the data"; exit 1; }
import numpy as np
rng = np.random.default_rng(7)
for name, rows, seed in (("a", 203, 1), ("b", 203, 2)):
    r = np.random.default_rng(seed)
    x = r.normal(size=(rows, 12)).astype(np.float32)
    y = (x[:, :4].argmax(axis=1)).astype(np.int64)
    np.save(name + "_x.npy", x)
    np.save(name + "_y.npy", y)
PY

train=(train --quiet --model 'linear(12,32),tanh,linear(32,4)' --x a_x.npy --y a_y.npy --batch-size 20 --seed 5)

# same A B: the two .npz files hold the same arrays, bit for bit.
same() { cmp -s "$1" "$2"; }
# close A B RTOL: every parameter within RTOL of the other's largest |value| in that tensor.
close() {
    "$python" - "$@" <<'PY'
import sys, numpy as np
a, b, rtol = np.load(sys.argv[1]), np.load(sys.argv[2]), float(sys.argv[3])
worst = 0.0
for k in a.files:
    x, y = a[k].astype(np.float64), b[k].astype(np.float64)
    worst = max(worst, float(np.abs(x - y).max() / max(np.abs(x).max(), 1e-30)))
print("%.2e" % worst)
sys.exit(0 if worst <= rtol else 1)
PY
}

echo "test_distributed: 2 ranks against --accumulate 2, bit for bit"
for dtype in float32 float64; do
    for optim in "--optimizer sgd --lr 0.1 --momentum 0.9" "--optimizer adam --lr 0.01"; do
        label="$dtype ${optim%% --lr*}"
        # shellcheck disable=SC2086
        alone "${train[@]}" --dtype $dtype $optim --epochs 3 --accumulate 2 --save one.npz || fail "$label: one process failed"
        # shellcheck disable=SC2086
        ranks 2 "${train[@]}" --dtype $dtype $optim --epochs 3 --save two.npz || fail "$label: 2 ranks failed"
        same one.npz two.npz || fail "$label: 2 ranks differ from --accumulate 2"
        rm -f one.npz two.npz
    done
done

echo "test_distributed: gradient clipping on the summed gradient, bit for bit"
alone "${train[@]}" --lr 0.5 --momentum 0.9 --epochs 2 --accumulate 2 --clip-grad-norm 0.05 --save one.npz ||
    fail "clip: one process failed"
ranks 2 "${train[@]}" --lr 0.5 --momentum 0.9 --epochs 2 --clip-grad-norm 0.05 --save two.npz || fail "clip: 2 ranks failed"
same one.npz two.npz || fail "clip: 2 ranks differ from --accumulate 2"
rm -f one.npz two.npz

echo "test_distributed: 3 ranks (some without rows) and --accumulate on top, within rounding"
for dtype in float32 float64; do
    rtol=1e-6
    [[ $dtype == float64 ]] && rtol=1e-12
    alone "${train[@]}" --dtype $dtype --lr 0.1 --momentum 0.9 --epochs 3 --accumulate 3 --save one.npz || fail "one process, accumulate 3"
    ranks 3 "${train[@]}" --dtype $dtype --lr 0.1 --momentum 0.9 --epochs 3 --save three.npz || fail "3 ranks failed"
    ranks 3 "${train[@]}" --dtype $dtype --lr 0.1 --momentum 0.9 --epochs 3 --save again.npz || fail "3 ranks failed"
    same three.npz again.npz || fail "$dtype: the same 3-rank job gave different parameters twice"
    echo "  $dtype, 3 ranks against --accumulate 3: largest relative difference $(close one.npz three.npz $rtol)" ||
        true
    close one.npz three.npz $rtol >/dev/null || fail "$dtype: 3 ranks differ from --accumulate 3 by more than $rtol"
    alone "${train[@]}" --dtype $dtype --lr 0.1 --momentum 0.9 --epochs 3 --accumulate 4 --save one.npz || fail "one process, accumulate 4"
    ranks 2 "${train[@]}" --dtype $dtype --lr 0.1 --momentum 0.9 --epochs 3 --accumulate 2 --save two.npz || fail "2 ranks x accumulate 2 failed"
    echo "  $dtype, 2 ranks x --accumulate 2 against --accumulate 4: largest relative difference $(close one.npz two.npz $rtol)"
    close one.npz two.npz $rtol >/dev/null || fail "$dtype: 2 ranks x accumulate 2 differ from --accumulate 4 by more than $rtol"
    rm -f one.npz two.npz three.npz again.npz
done

if [[ -n $mnist && -f $mnist/train-images-idx3-ubyte ]]; then
    echo "test_distributed: the real digits, 2 ranks against --accumulate 2"
    digits=(train --quiet --model 784-256-10 --x "$mnist/train-images-idx3-ubyte" --y "$mnist/train-labels-idx1-ubyte"
            --lr 0.1 --momentum 0.9 --batch-size 64 --epochs 2 --seed 1)
    alone "${digits[@]}" --accumulate 2 --save one.npz || fail "digits: one process failed"
    ranks 2 "${digits[@]}" --save two.npz || fail "digits: 2 ranks failed"
    same one.npz two.npz || fail "digits: 2 ranks differ from --accumulate 2"
    rm -f one.npz two.npz
fi

echo "test_distributed: resume with the same ranks; another rank count refused"
ranks 2 "${train[@]}" --lr 0.1 --momentum 0.9 --epochs 4 --save straight.npz || fail "4 epochs at once failed"
ranks 2 "${train[@]}" --lr 0.1 --momentum 0.9 --epochs 2 --resume run || fail "the first 2 epochs failed"
ranks 2 "${train[@]}" --lr 0.1 --momentum 0.9 --epochs 4 --resume run --save resumed.npz || fail "resuming failed"
same straight.npz resumed.npz || fail "2 + 2 resumed epochs differ from 4 at once"
if ranks 3 "${train[@]}" --lr 0.1 --momentum 0.9 --epochs 6 --resume run 2>err.txt; then
    fail "3 ranks resumed a 2-rank checkpoint"
fi
grep -q "ranks" err.txt || fail "another rank count: the message does not name the ranks: $(head -c 300 err.txt)"

echo "test_distributed: ranks with different data are refused"
if timeout -k 5 120 "${mpi[@]}" -np 1 "$vecnn" "${train[@]}" --epochs 1 : \
    -np 1 "$vecnn" train --quiet --model 'linear(12,32),tanh,linear(32,4)' --x b_x.npy --y b_y.npy \
    --batch-size 20 --seed 5 --epochs 1 2>err.txt; then
    fail "ranks reading different data trained"
fi
grep -q "training data.*differs between ranks" err.txt || fail "different data: unclear message: $(head -c 300 err.txt)"

echo "test_distributed: a rank that errors ends the job, naming the rank"
if timeout -k 5 120 "${mpi[@]}" -np 1 "$vecnn" "${train[@]}" --epochs 1 : \
    -np 1 "$vecnn" train --quiet --model 'linear(12,32),tanh,linear(32,4)' --x missing.npy --y a_y.npy \
    --batch-size 20 --seed 5 --epochs 1 2>err.txt; then
    fail "a job with a failing rank exited 0"
fi
grep -q "rank 1 of 2: .*missing.npy" err.txt || fail "a failing rank: the message does not name rank 1 and the file: $(head -c 300 err.txt)"

echo "test_distributed: a rank killed mid-run"
rm -rf run
"${mpi[@]}" -np 2 "$vecnn" "${train[@]}" --lr 0.1 --epochs 100000000 --resume run 2>err.txt &
job=$!
for _ in $(seq 300); do [[ -f run/checkpoint.npz ]] && break; sleep 0.1; done
victim=""
for pid in $(pgrep -f "$vecnn train"); do
    if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1"; then victim=$pid; fi
done
if [[ -z $victim ]]; then
    fail "could not find rank 1's process"
    kill "$job"
else
    kill -9 "$victim"
fi
status=0
for _ in $(seq 300); do kill -0 "$job" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$job" 2>/dev/null; then
    fail "the job still runs 30 s after rank 1 was killed"
    kill -9 "$job"
fi
wait "$job" 2>/dev/null
status=$?
[[ $status -ne 0 ]] || fail "the job exited 0 after a rank was killed"
grep -qi "rank 1" err.txt || fail "a killed rank: the launcher's message does not name rank 1: $(head -c 300 err.txt)"
done_epochs=$("$python" -c 'import numpy as np, sys; print(int(np.load(sys.argv[1])["trainer.epoch"].ravel()[0]))' \
    run/checkpoint.npz) || fail "the checkpoint left by the killed job does not load"
ranks 2 "${train[@]}" --lr 0.1 --epochs $((${done_epochs:-0} + 1)) --resume run 2>err.txt >resumed.txt ||
    fail "resuming after the killed job failed: $(head -c 300 err.txt)"

echo "test_distributed: vecnn bench under mpirun"
ranks 2 bench --model 16-32-4 --batch 16 --threads 1 --seconds 0.2 --repeats 2 --json bench.json >bench.txt ||
    fail "bench under mpirun failed"
"$python" - bench.json <<'PY' || fail "bench JSON: $(cat bench.json)"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 1, lines
j = lines[0]
assert j["ranks"] == 2 and j["batch"] == 16, j
for key in ("samples_per_s", "single_rank_samples_per_s", "scaling", "step_us", "allreduce_us"):
    assert j[key] > 0, key
assert j["allreduce_bytes"] == 4 * j["parameters"], j
PY

echo "test_distributed: the cost model (tools/scale_model.py) against hand-computed values"
model=$repo/tools/scale_model.py
# 2 ranks, 10 Gb/s: 2 (1/2) 4 P / 1.25e9 + 2 alpha = 5,963.8 + 40 us.
[[ $("$python" "$model" delay --params 1863690 --ranks 2 --gbps 10) == 6004 ]] ||
    fail "scale_model delay: expected 6004 us for B's gradient on 2 ranks at 10 Gb/s"
# 128 rows x 100 us + 1,000 + 2,000 us = 15.8 ms per 256 rows: 16,203 samples/s.
"$python" "$model" predict --params 1000 --batch 256 --ranks 2 --seconds-per-sample 100e-6 --allreduce-us 1000 \
    --delay-us 2000 | grep -q "predicted samples/s: 16203" || fail "scale_model predict: expected 16203 samples/s"
"$python" "$model" delay --params -5 --ranks 2 --gbps 10 2>/dev/null && fail "scale_model took a negative parameter count"

if ((failures)); then
    echo "test_distributed: $failures failure(s)"
    exit 1
fi
echo "test_distributed: all passed"
