#!/usr/bin/env python3
"""table.py OUT MODEL...: the markdown table of `make bench` from the JSON
files bench/bench.sh wrote into OUT (standard library only)."""
import json
import platform
import sys
import time
from pathlib import Path


def load(path):
    return json.loads(Path(path).read_text())


def main():
    out, models = Path(sys.argv[1]), sys.argv[2:]
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
          "| GFLOP/s (2 threads) | of peak | arena | interpreter |")
    print("|---|---|---|---|---|---|---|---|---|")
    for m in models:
        c1, c2, it = load(out / ("%s.c1.json" % m)), load(out / ("%s.c2.json" % m)), load(out / ("%s.interp.json" % m))
        t = peer[m]["median_ms"]
        print("| %s | %.3f ms | %.3f ms | %.3f ms | %.1fx | %.1f | %.0f%% | %d KiB | %.2f ms |" % (
            m, c1["median_ms"], c2["median_ms"], t, t / c2["median_ms"], c2["gflops"],
            100 * c2["gflops"] / peak["gflops_all"], c2["arena_bytes"] // 1024, it["median_ms"]))
    print()
    print("Medians of %d runs after warm-up; GFLOP/s from pdec's flop count of each model (ir/cost.h)." % c1["iters"])


if __name__ == "__main__":
    main()
