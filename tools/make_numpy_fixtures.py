#!/usr/bin/env python3
"""Writes the numpy-made fixtures of tests/test_npy.cpp and tests/test_npz.cpp.

The committed test suite needs no Python: these small files are committed
under tests/data/numpy/ and the tests check their exact values. Re-run only
to regenerate them (needs numpy):

    python3 tools/make_numpy_fixtures.py tests/data/numpy
"""
import os
import sys

import numpy as np


def main(out):
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name)

    f4 = (np.arange(6, dtype="<f4").reshape(2, 3) - 2.5) / 4  # exact in float32
    np.save(p("f4_2x3.npy"), f4)
    np.save(p("f8_1d.npy"), np.array([0.5, -1.25, 3e10, 1e-300], dtype="<f8"))
    np.save(p("i8_labels.npy"), np.array([0, 2, 1, 9], dtype="<i8"))
    np.save(p("i4_2x2.npy"), np.array([[-7, 2147483647], [0, -2147483648]], dtype="<i4"))
    np.save(p("u1_1d.npy"), np.array([0, 255, 7], dtype="|u1"))
    np.save(p("f8_0d.npy"), np.array(3.5))
    np.save(p("bool_1d.npy"), np.array([True, False, True]))
    # format version 2.0 (numpy picks it only for huge headers, so ask for it)
    with open(p("f8_v2.npy"), "wb") as f:
        np.lib.format.write_array(f, np.array([[1.5, -2.0]]), version=(2, 0))
    # files the reader must refuse, each with its own message
    np.save(p("f4_fortran.npy"), np.asfortranarray(f4))
    np.save(p("f8_bigendian.npy"), np.array([1.0, 2.0], dtype=">f8"))
    np.save(p("f2_1d.npy"), np.array([1.0, 2.0], dtype="<f2"))

    w = np.array([[0.25, -0.5, 1.0], [2.0, 0.0, -3.75]], dtype="<f4")
    b = np.array([0.125, -8.0], dtype="<f8")
    labels = np.array([3, 1, 4, 1, 5], dtype="<i8")
    big = np.tile(np.arange(10, dtype="<f8"), 50)  # compressible, so deflate shows
    np.savez(p("savez.npz"), w=w, b=b, labels=labels, big=big)
    np.savez_compressed(p("savez_compressed.npz"), w=w, b=b, labels=labels, big=big)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/numpy")
