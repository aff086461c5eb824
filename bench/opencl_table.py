#!/usr/bin/env python3
"""opencl_table.py OUT CORES MODEL...: the OpenCL table of `make bench`
from the files bench/opencl.sh wrote into OUT (standard library only)."""
import json
import sys
from pathlib import Path


def load(path):
    return json.loads(Path(path).read_text())


def main():
    out, cores, models = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
    device = (out / "opencl.devices").read_text().splitlines()[0].split("  ", 1)[1]
    print("OpenCL on %s against pdec's C backend on the same CPU (%s threads):" % (device, cores))
    print()
    print("| model | C, %s threads | OpenCL (GPU profile) | C / OpenCL | OpenCL FPGA profile | kernels C / OpenCL "
          "| MB moved per inference |" % cores)
    print("|---|---|---|---|---|---|---|")
    for m in models:
        if not (out / ("%s.cl.json" % m)).exists():
            continue
        c, cl, fpga = (load(out / ("%s.%s.json" % (m, k))) for k in ("cN", "cl", "fpga"))
        print("| %s | %.3f ms | %.3f ms | %.2fx | %.1f ms | %d / %d | %.1f |" % (
            m, c["median_ms"], cl["median_ms"], c["median_ms"] / cl["median_ms"], fpga["median_ms"],
            c["kernels"], cl["kernels"], cl["moved_bytes"] / 1e6))
    print()
    print("fno2d, OpenCL (GPU profile) per kernel, from profiling events:")
    print()
    print("```")
    print((out / "fno2d.cl.kernels").read_text().rstrip())
    print("```")


if __name__ == "__main__":
    main()
