#!/usr/bin/env python3
"""torch_peer.py: the PyTorch side of `make bench`.

Builds the examples' models as tools/make_goldens.py defines them, loads
the examples' own weights, and times them on the CPU the way the issue
asks: torch.inference_mode(), 2 threads, warm-up, then the median of N
runs.  Prints one JSON object per model, then one describing the settings.
Run inside bench/.venv (bench/bench.sh makes it).

usage: torch_peer.py [--iters N] [--threads T] [--batch64]
"""
import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import make_goldens  # noqa: E402  (model definitions and weight readers)


def load_model(name, models):
    build, make_x = models[name]
    model = build().eval()
    state = {k: torch.from_numpy(np.array(v)) for k, v in make_goldens.load_weights(name).items()}
    model.load_state_dict(state)
    x = torch.from_numpy(np.load(ROOT / "examples" / name / "x.npy"))
    return model, x


def median_ms(model, x, iters, warmup=10):
    with torch.inference_mode():
        for _ in range(warmup):
            model(x)
        times = []
        for _ in range(iters):
            t0 = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    models = make_goldens.torch_models()
    runs = [("mlp", "mlp", None), ("mlp_b64", "mlp", 64), ("cnn", "cnn", None), ("fno1d", "fno1d", None),
            ("fno2d", "fno2d", None)]
    for label, name, batch in runs:
        model, x = load_model(name, models)
        if batch:
            x = x.repeat(batch, *([1] * (x.dim() - 1)))
        med, best = median_ms(model, x, a.iters)
        print(json.dumps({"model": label, "median_ms": med, "min_ms": best}), flush=True)
    settings = {"peer": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
                "mode": "eager, inference_mode",
                "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
                "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "(unset)"),
                "MALLOC_MMAP_THRESHOLD_": os.environ.get("MALLOC_MMAP_THRESHOLD_", "(unset)"),
                "MALLOC_TRIM_THRESHOLD_": os.environ.get("MALLOC_TRIM_THRESHOLD_", "(unset)"),
                "blas": torch.backends.mkldnn.is_available() and "mkldnn" or "default"}
    print(json.dumps(settings), flush=True)


if __name__ == "__main__":
    main()
