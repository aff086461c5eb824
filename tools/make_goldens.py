#!/usr/bin/env python3
"""make_goldens.py — the PyTorch reference for pdec's examples.

For each example (mlp, cnn, fno1d, fno2d) it builds the model in plain
PyTorch exactly as the .pde in examples/NAME/ describes it (channels-last
layout, parameter names = state_dict names), initialises it from a fixed
seed, makes an input, runs it in float32 and writes into examples/NAME/:
the weights file the .pde names, x.npy, y.golden.npy (the float32 output)
and golden.txt (the tolerance).  It also runs the model in float64 and
insists that the float32 output agrees with it, so the golden is not
dominated by float32 rounding.

`--check` re-computes every example with numpy alone (np.fft), from the
files written, and compares with the golden: that catches a wrong parameter
name, layout or file format before pdec ever reads the files.

It does not write the .pde files, and pdec's test suite never runs it: the
outputs are committed.  It creates its own virtual environment
(tools/.venv, from tools/requirements-goldens.txt) on first use and re-runs
itself inside it.  Re-running it rewrites identical bytes.

usage: python3 tools/make_goldens.py [--only NAME] [--check]
"""

import argparse
import io
import json
import math
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "tools" / ".venv"
REQUIREMENTS = ROOT / "tools" / "requirements-goldens.txt"
EXAMPLES_DIR = ROOT / "examples"
EXAMPLES = ["mlp", "cnn", "fno1d", "fno2d", "t1_2d"]
SEEDS = {"mlp": 1, "cnn": 2, "fno1d": 3, "fno2d": 4, "t1_2d": 5}
GOLDEN_RTOL = "1e-4"      # what pdec's output must meet (golden.txt)
F32_VS_F64_LIMIT = 1e-5   # what the float32 golden must meet vs float64
CHECK_LIMIT = 1e-5        # what the numpy re-computation must meet


def bootstrap():
    """Re-executes this script inside tools/.venv, creating it if needed.

    The stamp file records the requirements the venv was made from, so an
    edit of the requirements reinstalls and an unchanged one costs nothing.
    """
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    py = VENV / "bin" / "python"
    stamp = VENV / ".goldens-requirements"
    want = REQUIREMENTS.read_bytes()
    if not (py.exists() and stamp.exists() and stamp.read_bytes() == want):
        if not py.exists():
            subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
        subprocess.check_call([str(py), "-m", "pip", "install", "-q",
                               "-r", str(REQUIREMENTS)])
        stamp.write_bytes(want)
    os.execv(str(py), [str(py), str(Path(__file__).resolve())] + sys.argv[1:])


if __name__ == "__main__":
    bootstrap()

import numpy as np  # noqa: E402  (only after the venv is in place)


# ---- file writers (deterministic: same arrays, same bytes) -----------------

def write_atomic(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def npy_bytes(arr):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ascontiguousarray(arr),
                              allow_pickle=False)
    return buf.getvalue()


def save_npy(path, arr):
    write_atomic(path, npy_bytes(arr))


def save_npz(path, arrays):
    """What np.savez writes (stored .npy members), with fixed timestamps
    so that a re-run gives the same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            z.writestr(info, npy_bytes(arrays[name]))
    write_atomic(path, buf.getvalue())


ST_DTYPES = {np.dtype("<f4"): "F32", np.dtype("<f8"): "F64",
             np.dtype("<i8"): "I64", np.dtype("<c8"): "C64"}


def safetensors_bytes(arrays):
    """The safetensors format by hand: u64 LE header length, JSON header
    {name: {dtype, shape, data_offsets}}, raw little-endian data.  Used only
    when the installed safetensors cannot store complex64."""
    header, blobs, offset = {}, [], 0
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        data = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": ST_DTYPES[a.dtype.newbyteorder("<")],
                        "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def save_safetensors(path, arrays):
    try:
        import safetensors.numpy
        data = safetensors.numpy.save(
            {k: np.ascontiguousarray(v) for k, v in arrays.items()})
    except (ValueError, TypeError, KeyError) as e:
        print(f"  safetensors cannot store these dtypes ({e}); writing by hand")
        data = safetensors_bytes(arrays)
    write_atomic(path, data)


# ---- the models, in PyTorch ------------------------------------------------

def torch_models():
    """Returns {name: (builder, input maker)}; imports torch lazily so that
    --check runs without it."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 256)
            self.fc2 = nn.Linear(256, 256)
            self.fc3 = nn.Linear(256, 10)

        def forward(self, x):
            return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

    class CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
            self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
            self.fc1 = nn.Linear(1568, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):                     # x [B, H, W, C]
            h = x.permute(0, 3, 1, 2)
            h = F.max_pool2d(F.relu(self.conv1(h)), 2, 2)
            h = F.max_pool2d(F.relu(self.conv2(h)), 2, 2)
            h = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)   # HWC order
            return self.fc2(F.relu(self.fc1(h)))

    def spectral_init(cin, cout, *modes):
        # The original code draws scale * rand with scale = 1/(cin*cout): all
        # positive and so small that the spectral path barely moves the
        # output, which makes a weak golden (a tanh-GELU or a dropped
        # spectral path would pass 1e-4).  Zero-mean entries of size 1/cin
        # make the spectral path dominate, so the golden checks it.
        w = torch.rand(cin, cout, *modes, dtype=torch.cfloat)
        return (2.0 / cin) * (w - (0.5 + 0.5j))

    class SpectralConv1d(nn.Module):
        def __init__(self, cin, cout, modes):
            super().__init__()
            self.modes = modes
            self.weight1 = nn.Parameter(spectral_init(cin, cout, modes))

        def forward(self, x):                     # x [B, X, cin]
            b, n, _ = x.shape
            m = self.modes
            xf = torch.fft.rfft(x, dim=1)
            out = torch.zeros(b, n // 2 + 1, self.weight1.shape[1],
                              dtype=xf.dtype)
            out[:, :m] = torch.einsum("bxi,iox->bxo", xf[:, :m], self.weight1)
            return torch.fft.irfft(out, n=n, dim=1)

    class SpectralConv2d(nn.Module):
        def __init__(self, cin, cout, modes):
            super().__init__()
            self.modes = modes
            self.weight1 = nn.Parameter(spectral_init(cin, cout, *modes))
            self.weight2 = nn.Parameter(spectral_init(cin, cout, *modes))

        def forward(self, x):                     # x [B, X, Y, cin]
            b, nx, ny, _ = x.shape
            m0, m1 = self.modes
            xf = torch.fft.rfftn(x, dim=(1, 2))
            out = torch.zeros(b, nx, ny // 2 + 1, self.weight1.shape[1],
                              dtype=xf.dtype)
            mix = "bxyi,ioxy->bxyo"
            out[:, :m0, :m1] = torch.einsum(mix, xf[:, :m0, :m1], self.weight1)
            out[:, -m0:, :m1] = torch.einsum(mix, xf[:, -m0:, :m1], self.weight2)
            return torch.fft.irfftn(out, s=(nx, ny), dim=(1, 2))

    class FnoBlock1d(nn.Module):
        def __init__(self, width, modes):
            super().__init__()
            self.spectral = SpectralConv1d(width, width, modes)
            self.skip = nn.Conv1d(width, width, 1)

        def forward(self, x, last):
            s = self.skip(x.permute(0, 2, 1)).permute(0, 2, 1)
            h = self.spectral(x) + s
            return h if last else F.gelu(h)

    class FnoBlock2d(nn.Module):
        def __init__(self, width, modes):
            super().__init__()
            self.spectral = SpectralConv2d(width, width, modes)
            self.skip = nn.Conv2d(width, width, 1)

        def forward(self, x, last):
            s = self.skip(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
            h = self.spectral(x) + s
            return h if last else F.gelu(h)

    class FNO(nn.Module):
        def __init__(self, block, cin, width, modes, cout=1):
            super().__init__()
            self.fc0 = nn.Linear(cin, width)
            self.blocks = nn.ModuleList([block(width, modes) for _ in range(4)])
            self.fc1 = nn.Linear(width, 128)
            self.fc2 = nn.Linear(128, cout)

        def forward(self, x):
            h = self.fc0(x)
            for i, blk in enumerate(self.blocks):
                h = blk(h, last=(i == len(self.blocks) - 1))
            return self.fc2(F.gelu(self.fc1(h)))

    def dct_rows(n, m):
        """[m, n]: the first m rows of the DCT-II pdec computes (FFTW's
        REDFT10): C[k, i] = 2 cos(pi k (2i + 1) / 2n)."""
        k = torch.arange(m, dtype=torch.float64)[:, None]
        i = torch.arange(n, dtype=torch.float64)[None, :]
        return 2 * torch.cos(math.pi * k * (2 * i + 1) / (2 * n))

    def idct_cols(n, m):
        """[n, m]: pdec's idct (REDFT01 / 2n) of coefficients that are zero
        past the first m: D[i, k] = w_k cos(pi k (2i + 1) / 2n) / 2n, w_0 = 1,
        else 2."""
        i = torch.arange(n, dtype=torch.float64)[:, None]
        k = torch.arange(m, dtype=torch.float64)[None, :]
        w = torch.where(k == 0, 1.0, 2.0)
        return w * torch.cos(math.pi * k * (2 * i + 1) / (2 * n)) / (2 * n)

    class T1Block2d(nn.Module):
        def __init__(self, width, modes):
            super().__init__()
            w = torch.rand(width, width, *modes)
            self.weight = nn.Parameter((2.0 / width) * (w - 0.5))
            self.skip = nn.Linear(width, width)

        def forward(self, z, last):               # z [B, M0, M1, W]
            h = torch.einsum("bxyi,ioxy->bxyo", z, self.weight) + self.skip(z)
            return h if last else F.gelu(h)

    class T1(nn.Module):
        def __init__(self, cin, width, modes, cout=1):
            super().__init__()
            self.modes = modes
            self.fc0 = nn.Linear(cin, width)
            self.blocks = nn.ModuleList([T1Block2d(width, modes) for _ in range(4)])
            self.fc1 = nn.Linear(width, 128)
            self.fc2 = nn.Linear(128, cout)

        def forward(self, x):                     # x [B, X, Y, C]
            nx, ny = x.shape[1:3]
            m0, m1 = self.modes
            h = self.fc0(x)
            cx, cy = dct_rows(nx, m0).to(h.dtype), dct_rows(ny, m1).to(h.dtype)
            z = torch.einsum("kx,ly,bxyc->bklc", cx, cy, h) / (4 * nx * ny)
            for i, blk in enumerate(self.blocks):
                z = blk(z, last=(i == len(self.blocks) - 1))
            dx, dy = idct_cols(nx, m0).to(z.dtype), idct_cols(ny, m1).to(z.dtype)
            y = torch.einsum("xk,yl,bklc->bxyc", dx, dy, z) * (4 * nx * ny)
            return self.fc2(F.gelu(self.fc1(y)))

    class Named(nn.Module):                       # the model's `layer net`
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x):
            return self.net(x)

    def smooth1d(batch, n, kmax=8):
        """Random periodic functions with amplitudes decaying as 1/k."""
        g = torch.arange(n, dtype=torch.float64) / n
        k = torch.arange(1, kmax + 1, dtype=torch.float64)
        c = torch.randn(batch, kmax, dtype=torch.float64) / k
        s = torch.randn(batch, kmax, dtype=torch.float64) / k
        ph = 2 * math.pi * k[:, None] * g[None, :]          # [k, n]
        a = c @ torch.cos(ph) + s @ torch.sin(ph)            # [batch, n]
        return a, g

    def smooth2d(n, kmax=4):
        g = torch.arange(n, dtype=torch.float64) / n
        a = torch.zeros(n, n, dtype=torch.float64)
        for kx in range(0, kmax + 1):
            for ky in range(-kmax, kmax + 1):
                c, s = torch.randn(2, dtype=torch.float64) / (1 + kx * kx + ky * ky)
                ph = 2 * math.pi * (kx * g[:, None] + ky * g[None, :])
                a += c * torch.cos(ph) + s * torch.sin(ph)
        return a, g

    def x_fno1d():
        a, g = smooth1d(8, 1024)
        return torch.stack([a, g.expand(8, 1024)], dim=-1).float()

    def x_fno2d():
        a, g = smooth2d(64)
        gx = g[:, None].expand(64, 64)
        gy = g[None, :].expand(64, 64)
        return torch.stack([a, gx, gy], dim=-1)[None].float()

    return {
        "mlp": (MLP, lambda: torch.randn(1, 784)),
        "cnn": (CNN, lambda: torch.randn(1, 28, 28, 1)),
        "fno1d": (lambda: FNO(FnoBlock1d, 2, 64, 16), x_fno1d),
        "fno2d": (lambda: FNO(FnoBlock2d, 3, 32, (12, 12)), x_fno2d),
        "t1_2d": (lambda: Named(T1(3, 32, (12, 12))), x_fno2d),
    }


def to_float64(model):
    """A float64/complex128 copy (Module.double() leaves complex alone)."""
    import copy
    import torch
    m = copy.deepcopy(model)
    for p in m.parameters():
        p.data = p.data.to(torch.complex128 if p.is_complex() else torch.float64)
    return m


def rel_err(y, ref):
    y = np.asarray(y, np.float64)
    ref = np.asarray(ref, np.float64)
    return float(np.max(np.abs(y - ref)) / np.max(np.abs(ref)))


def save_weights(name, arrays):
    d = EXAMPLES_DIR / name
    if name == "mlp":
        save_safetensors(d / "mlp.safetensors", arrays)
    elif name == "cnn":
        save_npz(d / "cnn.npz", arrays)
    elif name == "fno1d":
        save_safetensors(d / "fno1d.safetensors", arrays)
    elif name == "t1_2d":
        save_npz(d / "t1_2d.npz", arrays)
    elif name == "fno2d":
        wd = d / "weights"
        wd.mkdir(parents=True, exist_ok=True)
        for stale in wd.glob("*.npy"):
            if stale.stem not in arrays:
                stale.unlink()
        for k, v in arrays.items():
            save_npy(wd / (k + ".npy"), v)


def make(name, models):
    import torch
    torch.manual_seed(SEEDS[name])
    build, make_x = models[name]
    model = build().eval()
    x = make_x()
    with torch.no_grad():
        y32 = model(x)
        y64 = to_float64(model)(x.double())
    err = rel_err(y32.numpy(), y64.numpy())
    arrays = {k: v.detach().contiguous().numpy()
              for k, v in model.state_dict().items()}
    save_weights(name, arrays)
    d = EXAMPLES_DIR / name
    save_npy(d / "x.npy", x.numpy().astype(np.float32))
    save_npy(d / "y.golden.npy", y32.numpy().astype(np.float32))
    write_atomic(d / "golden.txt", f"rtol {GOLDEN_RTOL}\n".encode())
    print(f"{name}: x {list(x.shape)} -> y {list(y32.shape)}, "
          f"{len(arrays)} params, float32 vs float64 rel err {err:.2e}")
    if err > F32_VS_F64_LIMIT:
        sys.exit(f"{name}: float32 output too far from float64 ({err:.2e})")


# ---- the independent check, numpy only -------------------------------------

ST_NP = {"F32": "<f4", "F64": "<f8", "I64": "<i8", "C64": "<c8"}


def load_safetensors(path):
    """Parsed by hand (not with the safetensors package) so the check also
    tests the bytes that pdec's C reader will see."""
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        arr = np.frombuffer(data[8 + n + a:8 + n + b], dtype=ST_NP[v["dtype"]])
        out[k] = arr.reshape(v["shape"])
    return out


def load_weights(name):
    d = EXAMPLES_DIR / name
    if name in ("mlp", "fno1d"):
        return load_safetensors(d / f"{name}.safetensors")
    if name in ("cnn", "t1_2d"):
        with np.load(d / f"{name}.npz", allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    return {p.stem: np.load(p, allow_pickle=False)
            for p in sorted((d / "weights").glob("*.npy"))}


class Params:
    """The weights, in float64/complex128; remembers which were used so an
    extra (misnamed) parameter is caught too."""

    def __init__(self, arrays):
        self.arrays = arrays
        self.used = set()

    def __getitem__(self, k):
        self.used.add(k)
        a = self.arrays[k]
        return a.astype(np.complex128 if np.iscomplexobj(a) else np.float64)


_erf = np.frompyfunc(math.erf, 1, 1)


def np_gelu(x):
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))


def np_relu(x):
    return np.maximum(x, 0.0)


def np_linear(p, name, x):
    return x @ p[name + ".weight"].T + p[name + ".bias"]


def np_conv3x3(p, name, x):
    """conv2d(k=3, padding=1) on [B, H, W, C] with a [O, C, 3, 3] weight."""
    w, b = p[name + ".weight"], p[name + ".bias"]
    _, h, wd, _ = x.shape
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    out = np.zeros(x.shape[:3] + (w.shape[0],))
    for i in range(3):
        for j in range(3):
            out += xp[:, i:i + h, j:j + wd, :] @ w[:, :, i, j].T
    return out + b


def np_maxpool2(x):
    b, h, w, c = x.shape
    return x.reshape(b, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def np_mlp(p, x):
    h = np_relu(np_linear(p, "fc1", x))
    h = np_relu(np_linear(p, "fc2", h))
    return np_linear(p, "fc3", h)


def np_cnn(p, x):
    h = np_maxpool2(np_relu(np_conv3x3(p, "conv1", x)))
    h = np_maxpool2(np_relu(np_conv3x3(p, "conv2", h)))
    h = h.reshape(h.shape[0], -1)
    return np_linear(p, "fc2", np_relu(np_linear(p, "fc1", h)))


def np_spectral1d(p, name, x):
    w1 = p[name + ".weight1"]
    m, n = w1.shape[2], x.shape[1]
    xf = np.fft.rfft(x, axis=1)
    out = np.zeros((x.shape[0], n // 2 + 1, w1.shape[1]), np.complex128)
    out[:, :m] = np.einsum("bxi,iox->bxo", xf[:, :m], w1)
    return np.fft.irfft(out, n=n, axis=1)


def np_spectral2d(p, name, x):
    w1, w2 = p[name + ".weight1"], p[name + ".weight2"]
    m0, m1 = w1.shape[2:]
    nx, ny = x.shape[1:3]
    xf = np.fft.rfftn(x, axes=(1, 2))
    out = np.zeros((x.shape[0], nx, ny // 2 + 1, w1.shape[1]), np.complex128)
    out[:, :m0, :m1] = np.einsum("bxyi,ioxy->bxyo", xf[:, :m0, :m1], w1)
    out[:, nx - m0:, :m1] = np.einsum("bxyi,ioxy->bxyo", xf[:, nx - m0:, :m1], w2)
    return np.fft.irfftn(out, s=(nx, ny), axes=(1, 2))


def np_conv1x1(p, name, x):
    w = p[name + ".weight"]
    return x @ w.reshape(w.shape[0], w.shape[1]).T + p[name + ".bias"]


def np_fno(p, x, spectral):
    h = np_linear(p, "fc0", x)
    for i in range(4):
        pre = f"blocks.{i}"
        h = spectral(p, pre + ".spectral", h) + np_conv1x1(p, pre + ".skip", h)
        if i < 3:
            h = np_gelu(h)
    return np_linear(p, "fc2", np_gelu(np_linear(p, "fc1", h)))


def np_t1(p, x):
    """T1 on the DCT, with the DCT computed as sums of cosines (not FFTW)."""
    nx, ny = x.shape[1:3]
    m0, m1 = p["net.blocks.0.weight"].shape[2:]

    def rows(n, m):
        k, i = np.arange(m)[:, None], np.arange(n)[None, :]
        return 2 * np.cos(math.pi * k * (2 * i + 1) / (2 * n))

    def cols(n, m):
        i, k = np.arange(n)[:, None], np.arange(m)[None, :]
        return np.where(k == 0, 1.0, 2.0) * np.cos(math.pi * k * (2 * i + 1) / (2 * n)) / (2 * n)

    h = np_linear(p, "net.fc0", x)
    z = np.einsum("kx,ly,bxyc->bklc", rows(nx, m0), rows(ny, m1), h) / (4 * nx * ny)
    for i in range(4):
        pre = f"net.blocks.{i}"
        z = np.einsum("bxyi,ioxy->bxyo", z, p[pre + ".weight"]) + np_linear(p, pre + ".skip", z)
        if i < 3:
            z = np_gelu(z)
    y = np.einsum("xk,yl,bklc->bxyc", cols(nx, m0), cols(ny, m1), z) * (4 * nx * ny)
    return np_linear(p, "net.fc2", np_gelu(np_linear(p, "net.fc1", y)))


NP_FORWARD = {
    "mlp": np_mlp,
    "cnn": np_cnn,
    "fno1d": lambda p, x: np_fno(p, x, np_spectral1d),
    "fno2d": lambda p, x: np_fno(p, x, np_spectral2d),
    "t1_2d": np_t1,
}

SHAPES = {"mlp": ([1, 784], [1, 10]), "cnn": ([1, 28, 28, 1], [1, 10]),
          "fno1d": ([8, 1024, 2], [8, 1024, 1]),
          "fno2d": ([1, 64, 64, 3], [1, 64, 64, 1]),
          "t1_2d": ([1, 64, 64, 3], [1, 64, 64, 1])}


def check(name):
    d = EXAMPLES_DIR / name
    x = np.load(d / "x.npy", allow_pickle=False)
    gold = np.load(d / "y.golden.npy", allow_pickle=False)
    for what, a, shape in (("x", x, SHAPES[name][0]), ("y", gold, SHAPES[name][1])):
        if a.dtype != np.float32 or list(a.shape) != shape:
            sys.exit(f"{name}: {what} is {a.dtype}{list(a.shape)}, want float32{shape}")
    assert (d / "golden.txt").read_text() == f"rtol {GOLDEN_RTOL}\n"
    p = Params(load_weights(name))
    y = NP_FORWARD[name](p, x.astype(np.float64))
    unused = sorted(set(p.arrays) - p.used)
    if unused:
        sys.exit(f"{name}: parameters never used: {unused}")
    err = rel_err(y, gold)
    print(f"{name}: numpy re-computation vs golden rel err {err:.2e} "
          f"({len(p.arrays)} params, all used)")
    if err > CHECK_LIMIT:
        sys.exit(f"{name}: golden disagrees with the numpy model ({err:.2e})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", choices=EXAMPLES, action="append",
                    help="make (or check) only this example; repeatable")
    ap.add_argument("--check", action="store_true",
                    help="only re-check the committed files with numpy")
    args = ap.parse_args()
    names = args.only or EXAMPLES
    if not args.check:
        import torch
        torch.set_num_threads(1)   # one thread: reductions in a fixed order
        models = torch_models()
        for name in names:
            make(name, models)
    for name in names:
        check(name)


if __name__ == "__main__":
    main()
