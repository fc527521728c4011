#!/usr/bin/env bash
# Installs what vecnn needs from Debian's packages (only what is missing),
# then configures and builds it. Usage: tools/setup.sh [build-dir] [extra cmake args...]
# Environment: VECNN_BUILD_TYPE (default Release), VECNN_JOBS (default: all cores).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${1:-build}
shift || true

packages=(cmake g++ make pkg-config python3
          xtensor-dev xtl-dev libxsimd-dev libxtensor-blas-dev libopenblas-dev
          libspdlog-dev doctest-dev libcli11-dev zlib1g-dev libzip-dev libbenchmark-dev)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${VECNN_BUILD_TYPE:-Release}" "$@" >/dev/null
cmake --build "$build_dir" -j "${VECNN_JOBS:-$(nproc)}"
