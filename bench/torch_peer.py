#!/usr/bin/env python3
"""torch_peer.py: the PyTorch side of `make bench`.

Builds the examples' models as tools/make_goldens.py defines them, loads
the examples' own weights, and times them on the CPU the way the issue
asks: torch.inference_mode(), 2 threads, warm-up, then the median of N
runs.  Prints one JSON object per model, then one describing the settings.
Run inside bench/.venv (bench/bench.sh makes it).

usage: torch_peer.py [--iters N] [--threads T] [MODEL ...]
(MODEL: mlp, mlp_b64, cnn, fno1d, fno2d, fno2d_256, stack, stack_256, t1_2d)
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


class SpectralStack(torch.nn.Module):
    """fno2d's lifting and its 4 spectral convolutions, nothing between them
    (bench/spectral_stack.pde)."""

    def __init__(self, fno):
        super().__init__()
        self.fno = fno

    def forward(self, x):
        h = self.fno.fc0(x)
        for blk in self.fno.blocks:
            h = blk.spectral(h)
        return h


def variant(label, models):
    """The model and input of a bench row."""
    base = {"mlp_b64": "mlp", "fno2d_256": "fno2d", "stack": "fno2d", "stack_256": "fno2d"}.get(label, label)
    model, x = load_model(base, models)
    if label == "mlp_b64":
        x = x.repeat(64, 1)
    if label.endswith("_256"):
        x = torch.rand(1, 256, 256, 3)
    if label.startswith("stack"):
        model = SpectralStack(model).eval()
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
    ap.add_argument("models", nargs="*", default=["mlp", "mlp_b64", "cnn", "fno1d", "fno2d"])
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    models = make_goldens.torch_models()
    for label in a.models:
        model, x = variant(label, models)
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
