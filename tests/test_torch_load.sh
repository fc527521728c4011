#!/usr/bin/env bash
# A model saved by `vecnn train --save` loads into PyTorch with the README's
# one-liner (the "vecnn." metadata keys skipped), and gives the outputs
# `vecnn predict` gives, on standardized features too.
# Usage: tests/test_torch_load.sh path/to/vecnn
# Environment: PYTHON (default /usr/bin/python3, Debian's python3-torch).
# Skipped (exit 77) when the interpreter cannot import torch and numpy.
set -euo pipefail
vecnn=$(realpath "$1")
readme=$(cd "$(dirname "$0")/.." && pwd)/README.md
python=${PYTHON:-/usr/bin/python3}
if ! "$python" -c 'import torch, numpy' 2>/dev/null; then
    echo "test_torch_load: SKIPPED: '$python' cannot import torch and numpy (Debian: python3-torch)"
    exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

"$python" - <<'PY'
import numpy as np
rng = np.random.default_rng(0)
x = rng.normal(3.0, 2.0, size=(90, 4)).astype(np.float32)
x[:, 2] = 7.0  # a constant feature: std 0 counts as 1
np.save("x.npy", x)
np.save("y.npy", (np.arange(90) % 3).astype(np.float32))  # float labels, NumPy's habit
PY
"$vecnn" train --quiet --model 'linear(4,8),tanh,linear(8,3)' --x x.npy --y y.npy --epochs 3 --standardize \
    --save m.npz >/dev/null
"$vecnn" predict --params m.npz --x x.npy --out vecnn_out.npy >/dev/null

README_LINE=$(grep -m1 '^model.load_state_dict(' "$readme") || { echo "test_torch_load: FAIL: no load line in the README"; exit 1; }
export README_LINE
"$python" - <<'PY'
import os
import numpy as np
import torch

model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
exec(os.environ["README_LINE"])  # the README's line, as it is there
npz = np.load("m.npz")
assert bytes(npz["vecnn.model"]).decode() == "linear(4,8),tanh,linear(8,3)", bytes(npz["vecnn.model"])
mean, std = npz["vecnn.standardize.mean"], npz["vecnn.standardize.std"]
x = np.load("x.npy").astype(np.float64)
assert np.allclose(mean, x.mean(axis=0)) and std[2] == 1.0, (mean, std)
assert np.allclose(std[[0, 1, 3]], x.std(axis=0)[[0, 1, 3]]), std
with torch.no_grad():
    out = model(torch.from_numpy(((x - mean) / std).astype(np.float32))).numpy()
ref = np.load("vecnn_out.npy")
err = np.abs(out - ref).max()
assert err < 1e-5, f"torch and vecnn predict differ by {err}"
print(f"test_torch_load: loaded into torch.nn.Sequential, outputs agree to {err:.1e}")
PY
