#!/usr/bin/env python3
"""PyTorch's test accuracy with examples/mnist's recipe, on the same files.

    /usr/bin/python3 tools/torch_mnist.py [sgd|adam] [data-dir] [seeds] [--model mlp|cnn] [--lr LR] [--resplits K]

--model mlp (default): 784-256-10 ReLU, as examples/mnist; --model cnn: two
conv-relu-pool blocks of 8 and 16 channels and one Linear, as examples/mnist_cnn
(images as (1, 28, 28)). Softmax cross-entropy, batch 64, 20 epochs reshuffled
every epoch; SGD momentum 0.9 with lr 0.1 (mlp) or 0.05 (cnn), or Adam lr 1e-3;
PyTorch's default initialisation. Prints the test accuracy per seed and the
mean: the yardstick for the examples' --check.

--resplits K pools the training and test files and draws K other stratified
splits of the same sizes (split k: numpy RandomState(k), the same share of
each digit held out as in the files), training `seeds` runs on each: how much
the accuracy depends on which digits land in the test set.
Needs torch and numpy (Debian: python3-torch).
"""
import argparse
import os

import numpy as np
import torch


def idx(path, header):
    return np.fromfile(path, dtype=np.uint8)[header:]


def make_model(kind):
    if kind == "mlp":
        return torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    return torch.nn.Sequential(torch.nn.Unflatten(1, (1, 28, 28)),
                               torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                               torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                               torch.nn.Flatten(), torch.nn.Linear(784, 10))


def train_and_test(kind, opt_name, lr, seed, x_train, y_train, x_test, y_test):
    torch.manual_seed(seed)
    model = make_model(kind)
    if opt_name == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(20):
        perm = torch.randperm(len(x_train))
        for i in range(0, len(x_train), 64):
            rows = perm[i:i + 64]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x_train[rows]), y_train[rows]).backward()
            opt.step()
    with torch.no_grad():
        return float((model(x_test).argmax(1).numpy() == y_test).mean())


def stratified_split(labels, test_counts, rng):
    """Train and test row indices with test_counts[d] rows of digit d in the test set."""
    train, test = [], []
    for d in range(10):
        rows = np.flatnonzero(labels == d)
        rng.shuffle(rows)
        test.extend(rows[:test_counts[d]])
        train.extend(rows[test_counts[d]:])
    return np.array(sorted(train)), np.array(sorted(test))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("optimizer", nargs="?", default="sgd", choices=["sgd", "adam"])
    p.add_argument("data", nargs="?", default="data/mnist")
    p.add_argument("seeds", nargs="?", type=int, default=3)
    p.add_argument("--resplits", type=int, default=0, help="also train on K other stratified splits")
    p.add_argument("--model", default="mlp", choices=["mlp", "cnn"])
    p.add_argument("--lr", type=float, default=0, help="default: sgd 0.1 (mlp) or 0.05 (cnn), adam 1e-3")
    p.add_argument("--threads", type=int, default=1, help="torch's intra-op threads")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    lr = a.lr or (1e-3 if a.optimizer == "adam" else (0.1 if a.model == "mlp" else 0.05))
    if a.seeds < 1:
        p.error("seeds must be at least 1, got %d" % a.seeds)
    if a.resplits < 0:
        p.error("--resplits must be 0 or more, got %d" % a.resplits)
    d = a.data + "/"
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        if not os.path.isfile(d + name):
            p.error("no %s in %s (data/fetch_mnist.sh makes the files)" % (name, a.data))
    x_tr = idx(d + "train-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float32) / 255
    y_tr = idx(d + "train-labels-idx1-ubyte", 8).astype(np.int64)
    x_te = idx(d + "t10k-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float32) / 255
    y_te = idx(d + "t10k-labels-idx1-ubyte", 8).astype(np.int64)

    def runs(name, x_train, y_train, x_test, y_test):
        accs = []
        for seed in range(a.seeds):
            acc = train_and_test(a.model, a.optimizer, lr, seed, torch.from_numpy(x_train), torch.from_numpy(y_train),
                                 torch.from_numpy(x_test), y_test)
            accs.append(acc)
            print(f"{a.model} {a.optimizer} lr {lr:g} {name} seed {seed}: test accuracy {100 * acc:.2f}%", flush=True)
        return accs

    accuracies = runs("files", x_tr, y_tr, x_te, y_te)
    print(f"{a.model} {a.optimizer} mean over {a.seeds} seeds: {100 * np.mean(accuracies):.2f}%")
    if a.resplits > 0:
        x_all, y_all = np.concatenate([x_tr, x_te]), np.concatenate([y_tr, y_te])
        test_counts = np.bincount(y_te, minlength=10)
        means = []
        for k in range(a.resplits):
            train, test = stratified_split(y_all, test_counts, np.random.RandomState(k))
            means.append(np.mean(runs(f"split {k}", x_all[train], y_all[train], x_all[test], y_all[test])))
        print(f"{a.optimizer} over {a.resplits} other splits: mean {100 * np.mean(means):.2f}%, "
              f"split means {100 * min(means):.2f}-{100 * max(means):.2f}%")


if __name__ == "__main__":
    main()
