#!/usr/bin/env python3
"""PyTorch's test accuracy with examples/mnist's recipe, on the same files.

    /usr/bin/python3 tools/torch_mnist.py [sgd|adam] [data-dir] [seeds]

784-256-10 ReLU, softmax cross-entropy, batch 64, 20 epochs reshuffled
every epoch; SGD lr 0.1 momentum 0.9, or Adam lr 1e-3; PyTorch's default
initialisation. Prints the test accuracy per seed and the mean: the yardstick
for examples/mnist --check. Needs torch and numpy (Debian: python3-torch).
"""
import sys

import numpy as np
import torch


def idx(path, header):
    return np.fromfile(path, dtype=np.uint8)[header:]


def main():
    opt_name = sys.argv[1] if len(sys.argv) > 1 else "sgd"
    d = (sys.argv[2] if len(sys.argv) > 2 else "data/mnist") + "/"
    seeds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    x_train = torch.from_numpy(idx(d + "train-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float32) / 255)
    y_train = torch.from_numpy(idx(d + "train-labels-idx1-ubyte", 8).astype(np.int64))
    x_test = torch.from_numpy(idx(d + "t10k-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float32) / 255)
    y_test = idx(d + "t10k-labels-idx1-ubyte", 8).astype(np.int64)
    accuracies = []
    for seed in range(seeds):
        torch.manual_seed(seed)
        model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
        if opt_name == "sgd":
            opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        else:
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        for _ in range(20):
            perm = torch.randperm(len(x_train))
            for i in range(0, len(x_train), 64):
                rows = perm[i:i + 64]
                opt.zero_grad()
                torch.nn.functional.cross_entropy(model(x_train[rows]), y_train[rows]).backward()
                opt.step()
        with torch.no_grad():
            acc = float((model(x_test).argmax(1).numpy() == y_test).mean())
        accuracies.append(acc)
        print(f"{opt_name} seed {seed}: test accuracy {100 * acc:.2f}%")
    print(f"{opt_name} mean over {seeds} seeds: {100 * np.mean(accuracies):.2f}%")


if __name__ == "__main__":
    main()
