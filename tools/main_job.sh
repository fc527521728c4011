#!/usr/bin/env bash
# The main job: sets up, builds, then trains on both engines and prints
# loss, accuracy and the loop/vectorized time ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh build
build/examples/xor
