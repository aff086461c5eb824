#!/usr/bin/env bash
# pdec bounds against auto_LiRPA (IBP, CROWN, alpha-CROWN) on an ACAS
# Xu-sized MLP 5-50x6-5, an MLP 784-256-256-10, an 8x512 MLP, a small CNN
# and a tanh/sigmoid MLP with seeded weights, the same L-infinity ball for
# both, pdec and PyTorch on 2 threads; prints the times side by side, the
# largest bound difference and the GFLOP/s of pdec's dense products
# (bench/bounds_vs_autolirpa.py).
#
# auto_LiRPA 0.3 (PyPI) needs torch < 1.13, which has no wheels for
# Python 3.11: the venv (bench/.venv-lirpa) is made with a Python 3.10
# (LIRPA_PYTHON, default python3.10 on PATH or pyenv's), with numpy < 2
# (auto_LiRPA 0.3 breaks with numpy 2) and PyPI's torch 1.12.1.
#
# usage: bench/bounds_vs_autolirpa.sh [PDEC] [--markdown]   (default build/bin/pdec)
set -euo pipefail
DIR=$(cd "$(dirname "$0")/.." && pwd)
PDEC=${1:-$DIR/build/bin/pdec}
shift || true
VENV=$DIR/bench/.venv-lirpa
if [ ! -x "$VENV/bin/python" ]; then
  PY=${LIRPA_PYTHON:-$(command -v python3.10 || ls "$(pyenv root 2>/dev/null)"/versions/3.10*/bin/python3.10 2>/dev/null | head -1)}
  [ -n "$PY" ] || { echo "bounds_vs_autolirpa: no Python 3.10 found (set LIRPA_PYTHON)" >&2; exit 1; }
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q 'numpy<2' 'torch==1.12.1' 'torchvision==0.13.1' 'auto_LiRPA==0.3' tqdm
fi
OUT=$DIR/build/bounds-vs-autolirpa
mkdir -p "$OUT"
OMP_NUM_THREADS=2 "$VENV/bin/python" "$DIR/bench/bounds_vs_autolirpa.py" "$PDEC" "$OUT" "$@" 2> "$OUT/stderr.txt"
