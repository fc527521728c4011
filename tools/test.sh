#!/usr/bin/env bash
# Sets up, builds (warnings as errors) and runs the whole test suite through
# ctest; then installs that build into a temporary prefix and builds and runs
# an out-of-tree project against it, by find_package and by add_subdirectory
# (tests/test_consumer.sh); then runs every parser's libFuzzer harness for
# 30 s under ASan + UBSan with an RSS limit (tools/fuzz.sh, in
# <build-dir>-fuzz); then builds the suite again in Debug with AddressSanitizer
# and UBSan (any report fails the test) in <build-dir>-sanitize and runs it there too.
# Usage: tools/test.sh [build-dir]
# Environment: VECNN_TEST_SANITIZE=0 skips the sanitizer pass;
# VECNN_TEST_FUZZ_SECONDS (default 30) sets each harness's time, 0 skips fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
build_dir=${build_dir%/}  # "<build-dir>-sanitize" beside it, not inside
tools/setup.sh "$build_dir" -DVECNN_WERROR=ON
(cd "$build_dir" && ctest --output-on-failure -j "$(nproc)")
tests/test_consumer.sh "$build_dir"
fuzz_seconds=${VECNN_TEST_FUZZ_SECONDS:-30}
if [[ $fuzz_seconds != 0 ]]; then
    echo "test: every parser's fuzz harness, $fuzz_seconds s each (tools/fuzz.sh)"
    tools/fuzz.sh --seconds "$fuzz_seconds" --build "$build_dir-fuzz"
fi
if [[ ${VECNN_TEST_SANITIZE:-1} != 0 ]]; then
    echo "test: the same suite under AddressSanitizer and UBSan (Debug build in $build_dir-sanitize)"
    VECNN_BUILD_TYPE=Debug tools/setup.sh "$build_dir-sanitize" -DVECNN_WERROR=ON -DVECNN_SANITIZE=ON
    (cd "$build_dir-sanitize" && ctest --output-on-failure -j "$(nproc)")
fi
