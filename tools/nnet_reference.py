#!/usr/bin/env python3
"""Evaluates a .nnet network with numpy, independently of pdec.

usage: tools/nnet_reference.py NET.nnet X.npy OUT.npy

Used once to make the expected outputs of tests/lit/nnet (committed); the
test suite itself only reads the .npy files.
"""
import sys

import numpy as np


def load(path):
    with open(path) as f:
        lines = [l for l in f if not l.startswith("//")]
    vals = [float(v) for l in lines for v in l.replace(",", " ").split()]
    nl, n_in, n_out, _ = (int(v) for v in vals[:4])
    sizes = [int(v) for v in vals[4:5 + nl]]
    pos = 5 + nl + 1 + 2 * n_in + 2 * (n_in + 1)
    layers = []
    for i in range(nl):
        a, b = sizes[i], sizes[i + 1]
        w = np.array(vals[pos:pos + a * b]).reshape(b, a)
        pos += a * b
        bias = np.array(vals[pos:pos + b])
        pos += b
        layers.append((w, bias))
    return layers


def main():
    layers = load(sys.argv[1])
    h = np.load(sys.argv[2]).astype(np.float64)
    for i, (w, b) in enumerate(layers):
        h = h @ w.T + b
        if i < len(layers) - 1:
            h = np.maximum(h, 0)
    np.save(sys.argv[3], h.astype(np.float32))


if __name__ == "__main__":
    main()
