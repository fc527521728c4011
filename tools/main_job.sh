#!/usr/bin/env bash
# The main job: installs what is missing, builds, fetches the MNIST digits
# (data/fetch_mnist.sh), then trains the 784-256-10 network on them and prints
# per-epoch progress, the test accuracy, the confusion matrix and the
# vectorized/loop speed ratio. Extra arguments go to examples/mnist
# (e.g. --optimizer adam, --epochs 5).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --main build
VECNN_BUILD_DIR=build data/fetch_mnist.sh data/mnist
build/examples/mnist --data data/mnist --check "$@"
