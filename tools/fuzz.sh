#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, ASan + UBSan) in <build-dir> and runs
# each for a bounded time from its seed corpus (tests/fuzz/corpus/<name>/, read
# only: new inputs go to a work folder), with an RSS limit: a crash, a leak,
# an out-of-memory or a hang is a failure, and the input that caused it is
# kept in the work folder (its path is printed).
# Usage: tools/fuzz.sh [--seconds N | --minutes N] [--build DIR] [--work DIR] [harness...]
#   harnesses: npy npz idx idx_gz csv model_spec (default: all)
# Default: 30 s each (what tools/test.sh runs). Installs clang and its
# libFuzzer runtime with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=30
build=build-fuzz
work=
harnesses=()
while (($#)); do
    case $1 in
        --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
        --minutes) seconds=$(( ${2:?--minutes needs a number} * 60 )); shift 2 ;;
        --build) build=${2:?--build needs a folder}; shift 2 ;;
        --work) work=${2:?--work needs a folder}; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        npy|npz|idx|idx_gz|csv|model_spec) harnesses+=("$1"); shift ;;
        *) echo "fuzz: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ $seconds =~ ^[0-9]+$ ]] && ((seconds > 0)) || { echo "fuzz: the time must be a positive whole number" >&2; exit 2; }
((${#harnesses[@]})) || harnesses=(npy npz idx idx_gz csv model_spec)

missing=()
for p in clang libclang-rt-14-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
    echo "fuzz: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVECNN_FUZZ=ON \
    -DVECNN_BUILD_TESTS=OFF -DVECNN_BUILD_TOOLS=OFF -DVECNN_BUILD_EXAMPLES=OFF -DVECNN_BUILD_BENCHMARKS=OFF \
    -DVECNN_INSTALL=OFF >/dev/null
cmake --build "$build" -j "${VECNN_JOBS:-$(nproc)}" --target $(printf 'fuzz_%s ' "${harnesses[@]}") >/dev/null

if [[ -z $work ]]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi
status=0
for name in "${harnesses[@]}"; do
    mkdir -p "$work/$name"
    cp -n tests/fuzz/corpus/"$name"/* "$work/$name/" 2>/dev/null || true
    log="$work/$name.log"
    if "$build/fuzz/fuzz_$name" "$work/$name" -max_total_time="$seconds" -rss_limit_mb=1024 -malloc_limit_mb=512 \
        -timeout=10 -print_final_stats=1 -artifact_prefix="$work/$name-" >"$log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
        echo "fuzz: $name: $runs runs in $seconds s, nothing found"
    else
        status=1
        echo "fuzz: $name: FAILED (log $log):" >&2
        grep -E "ERROR|SUMMARY|Test unit written|out-of-memory|timeout" "$log" | head -20 >&2
        trap - EXIT  # keep the work folder: it holds the input
    fi
done
exit "$status"
