#!/usr/bin/env bash
# vecnn used by a project of someone else's, outside this repository's build:
#  1. installs the (Release) build in BUILD-DIR into a temporary prefix, moves
#     the prefix elsewhere (the package must be relocatable) and checks what
#     landed: only vecnn/ at the top of include/, no -march or xsimd flag in
#     the exported target;
#  2. builds examples/consumer against it with find_package and plain flags
#     (-O2, no -march), runs its programs, and checks that the parameters they
#     train are bit for bit those of the same programs built in the tree;
#  3. builds examples/consumer again with vecnn as a subdirectory, checks that
#     none of the test, tool or benchmark dependencies were looked for, and
#     runs its programs.
# Usage: tests/test_consumer.sh BUILD-DIR   (run by tools/test.sh after the suite)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
build=$(cd "${1:?usage: tests/test_consumer.sh BUILD-DIR}" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jobs=${VECNN_JOBS:-$(nproc)}

fail() {
    echo "test_consumer: FAIL: $*" >&2
    exit 1
}
step() { echo "test_consumer: $*"; }

step "install into a temporary prefix, then move it"
cmake --install "$build" --prefix "$tmp/staged" >"$tmp/install.log"
mv "$tmp/staged" "$tmp/prefix"
prefix=$tmp/prefix
[[ -f $prefix/include/vecnn/vecnn.hpp ]] || fail "no include/vecnn/vecnn.hpp in the prefix"
[[ -f $prefix/lib/cmake/vecnn/vecnnConfig.cmake && -f $prefix/lib/cmake/vecnn/vecnnConfigVersion.cmake ]] ||
    fail "no CMake package in lib/cmake/vecnn"
top=$(ls "$prefix/include")
[[ $top == vecnn ]] || fail "the include folder holds more than vecnn/: $top"
if grep -nE -- "-march|XTENSOR_USE_XSIMD|$repo|$build" "$prefix"/lib/cmake/vecnn/*.cmake; then
    fail "the exported package carries a code-generation flag, a definition or a path of the build"
fi

step "examples/consumer with find_package(vecnn), plain -O2"
cmake -S "$repo/examples/consumer" -B "$tmp/find" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE= \
    -DCMAKE_CXX_FLAGS=-O2 >"$tmp/find.log" || { cat "$tmp/find.log"; fail "configuring against the package"; }
cmake --build "$tmp/find" -j "$jobs" >>"$tmp/find.log" 2>&1 || { cat "$tmp/find.log"; fail "building against the package"; }
if grep -q -- "-march" "$tmp/find/compile_commands.json" 2>/dev/null ||
    grep -rq -- "-march" "$tmp/find/CMakeFiles/train_both_engines.dir/flags.make"; then
    fail "-march reached the consumer's compile line"
fi
mkdir -p "$tmp/run-find" "$tmp/run-tree"
(cd "$tmp/run-find" && "$tmp/find/train_both_engines" && "$tmp/find/swish_layer" >/dev/null) ||
    fail "the consumer's programs failed (find_package build)"
(cd "$tmp/run-tree" && "$build/examples/train_both_engines" >/dev/null) || fail "the in-tree train_both_engines failed"
for engine in vectorized loop; do
    cmp "$tmp/run-find/spirals_$engine.npz" "$tmp/run-tree/spirals_$engine.npz" ||
        fail "the $engine engine trained other parameters in the consumer than in the tree"
done
step "same parameters, bit for bit, as the in-tree build (both engines)"
if grep -q "define VECNN_HAS_MPI 1" "$prefix/include/vecnn/version.hpp"; then
    step "data_parallel (find_package build): 2 MPI ranks, bit for bit one process accumulating 2"
    mpi=(mpirun --oversubscribe --bind-to none --mca btl self,vader -np 2)
    if [[ $(id -u) -eq 0 ]]; then mpi+=(--allow-run-as-root); fi
    (cd "$tmp/run-find" && timeout -k 5 120 "${mpi[@]}" "$tmp/find/data_parallel" two.npz >/dev/null &&
        timeout -k 5 120 "$tmp/find/data_parallel" one.npz 2 >/dev/null && cmp one.npz two.npz) ||
        fail "data_parallel: 2 ranks did not train the parameters of one process accumulating 2"
fi

step "examples/consumer with add_subdirectory(vecnn), plain -O2"
cmake -S "$repo/examples/consumer" -B "$tmp/sub" -DVECNN_SOURCE_DIR="$repo" -DCMAKE_CXX_FLAGS=-O2 \
    >"$tmp/sub.log" || { cat "$tmp/sub.log"; fail "configuring with add_subdirectory"; }
if grep -E "^(CLI11|doctest|benchmark)_DIR:" "$tmp/sub/CMakeCache.txt"; then
    fail "a dependency of vecnn's tests, tools or benchmarks was looked for"
fi
grep -q "^CMAKE_BUILD_TYPE:STRING=$" "$tmp/sub/CMakeCache.txt" || fail "vecnn set the consumer's build type"
cmake --build "$tmp/sub" -j "$jobs" >>"$tmp/sub.log" 2>&1 || { cat "$tmp/sub.log"; fail "building with add_subdirectory"; }
mkdir -p "$tmp/run-sub"
(cd "$tmp/run-sub" && "$tmp/sub/train_both_engines" && "$tmp/sub/swish_layer" >/dev/null) ||
    fail "the consumer's programs failed (add_subdirectory build)"
echo "test_consumer: all checks passed"
