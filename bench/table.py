#!/usr/bin/env python3
"""table.py OUT [--spectral "M ..."] MODEL...: the markdown tables of
`make bench` from the files bench/bench.sh wrote into OUT (standard
library only)."""
import json
import platform
import sys
import time
from pathlib import Path


def load(path):
    return json.loads(Path(path).read_text())


def transforms(out, m):
    """Transforms before and after transform_once, from `pdec dump --stats`."""
    for line in (out / ("%s.stats" % m)).read_text().splitlines():
        if line.strip().startswith("transforms"):
            before, after = line.split()[1:3]
            return "%s -> %s" % (before, after)
    return "?"


def transform_ms(out, m, side):
    """Milliseconds per run in transform kernels (pdec bench --kernels)."""
    for line in (out / ("%s.kernels.%s" % (m, side))).read_text().splitlines():
        if line.startswith("transforms:"):
            return float(line.split()[1])
    return float("nan")


def spectral_table(out, models, peer):
    print()
    print("transform_once (pruned transforms, rewrites), one thread unless said:")
    print()
    print("| model | transforms (before -> after) | time in transforms (without -> with) | pdec C without "
          "| pdec C with | speed-up | pdec C with, 2 threads | PyTorch, 2 threads | PyTorch / pdec (2 threads) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for m in models:
        off, on, on2 = (load(out / ("%s.%s.json" % (m, k))) for k in ("off", "c1", "c2"))
        t = peer[m]["median_ms"]
        print("| %s | %s | %.3f -> %.3f ms | %.3f ms | %.3f ms | %.1fx | %.3f ms | %.3f ms | %.1fx |" % (
            m, transforms(out, m), transform_ms(out, m, "off"), transform_ms(out, m, "on"), off["median_ms"],
            on["median_ms"], off["median_ms"] / on["median_ms"], on2["median_ms"], t, t / on2["median_ms"]))


def main():
    out, args = Path(sys.argv[1]), sys.argv[2:]
    spectral = []
    if args[:1] == ["--spectral"]:
        spectral, args = args[1].split(), args[2:]
    models = args
    peak = load(out / "peak.json")
    torch_runs = [json.loads(line) for line in (out / "torch.jsonl").read_text().splitlines() if line.strip()]
    settings = torch_runs[-1]
    peer = {r["model"]: r for r in torch_runs[:-1]}
    print("# pdec C backend vs PyTorch, %s, %s, %d cores" % (time.strftime("%Y-%m-%d"), platform.machine(),
                                                             peak["threads"]))
    print()
    print("Machine: peak f32 FMA %.0f GFLOP/s on 1 thread, %.0f on %d; triad bandwidth %.1f GB/s on 1, %.1f on %d."
          % (peak["gflops_1"], peak["gflops_all"], peak["threads"], peak["gbs_1"], peak["gbs_all"], peak["threads"]))
    print("Peer: PyTorch %s, %s, %d threads; OPENBLAS_CORETYPE=%s, OPENBLAS_NUM_THREADS=%s, "
          "MALLOC_MMAP_THRESHOLD_=%s, MALLOC_TRIM_THRESHOLD_=%s." % (
              settings["torch"], settings["mode"], settings["threads"], settings["OPENBLAS_CORETYPE"],
              settings["OPENBLAS_NUM_THREADS"], settings["MALLOC_MMAP_THRESHOLD_"], settings["MALLOC_TRIM_THRESHOLD_"]))
    print()
    print("| model | pdec C, 1 thread | pdec C, 2 threads | PyTorch, 2 threads | PyTorch / pdec (2 threads) "
          "| GFLOP/s (2 threads) | of peak | GB/s, least traffic | of bandwidth | arena | interpreter |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for m in models:
        c1, c2, it = load(out / ("%s.c1.json" % m)), load(out / ("%s.c2.json" % m)), load(out / ("%s.interp.json" % m))
        t = peer[m]["median_ms"]
        print("| %s | %.3f ms | %.3f ms | %.3f ms | %.1fx | %.1f | %.0f%% | %.1f | %.0f%% | %d KiB | %.2f ms |" % (
            m, c1["median_ms"], c2["median_ms"], t, t / c2["median_ms"], c2["gflops"],
            100 * c2["gflops"] / peak["gflops_all"], c2["gbytes_per_s"], 100 * c2["gbytes_per_s"] / peak["gbs_all"],
            c2["arena_bytes"] // 1024, it["median_ms"]))
    print()
    print("Medians of %d runs after warm-up; GFLOP/s from pdec's flop count of each model (ir/cost.h); "
          "GB/s from the least traffic a run needs (weights, inputs and outputs once)." % c1["iters"])
    if spectral:
        spectral_table(out, spectral, peer)


if __name__ == "__main__":
    main()
