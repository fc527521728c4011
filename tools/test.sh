#!/usr/bin/env bash
# Sets up, builds (warnings as errors) and runs the whole test suite through ctest.
# Usage: tools/test.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
tools/setup.sh "$build_dir" -DVECNN_WERROR=ON
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)"
