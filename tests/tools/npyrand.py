#!/usr/bin/env python3
"""npyrand.py OUT.npy DTYPE DIMS [--seed S] [--lo L] [--hi H]

Writes a .npy of uniform random values (standard library only, so the
tests need no numpy).  DTYPE: f32, f64 or c64; DIMS: comma-separated, e.g.
4,8 (empty string for a scalar)."""
import argparse
import random
import struct


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("dtype", choices=["f32", "f64", "c64"])
    ap.add_argument("dims")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--lo", type=float, default=-1.0)
    ap.add_argument("--hi", type=float, default=1.0)
    a = ap.parse_args()
    dims = [int(d) for d in a.dims.split(",") if d]
    n = 1
    for d in dims:
        n *= d
    rng = random.Random(a.seed)
    parts = 2 if a.dtype == "c64" else 1
    values = [rng.uniform(a.lo, a.hi) for _ in range(n * parts)]
    descr, fmt = {"f32": ("<f4", "f"), "f64": ("<f8", "d"), "c64": ("<c8", "f")}[a.dtype]
    shape = "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}"
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(a.out, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<" + fmt * len(values), *values))


if __name__ == "__main__":
    main()
