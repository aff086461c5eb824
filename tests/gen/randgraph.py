#!/usr/bin/env python3
"""randgraph.py --seed N --out DIR: a random well-typed graph for the
differential tests (compiled engines against the interpreter).

Writes DIR/g.pdir (textual IR) and prints the input specs that
tests/tools/diff_engines.sh turns into random .npy files
("x0=f32:2,3 x1=f32:4").  Standard library only.

A graph grows from a few inputs by applying random *patterns*, each a
small subgraph with a fusion shape worth testing: elementwise chains,
broadcasts, anchors (matmul, conv, mix) with bias + activation + residual
epilogues, reductions with prologues, data movement between elementwise
ops, fan-out, transforms (the FNO spectral path, fft/ifft, dct/idct),
pools and complex arithmetic.  Operands of log, sqrt, rsqrt, pow and div
are made positive first (abs + 0.5) and exp sees tanh's range, so f32 and
f64 results stay close.  --list-coverage prints the ops each seed uses.
"""
import argparse
import math
import os
import random
import sys


class Graph:
    def __init__(self, rng):
        self.rng = rng
        self.lines = []
        self.pool = []      # (name, dtype, dims) of f32 values to build on
        self.inputs = []    # input specs
        self.ops = set()
        self.n = 0

    def value(self, op, args, dtype, dims, attrs=""):
        name = "%%v%d" % self.n
        self.n += 1
        attr = " {%s}" % attrs if attrs else ""
        self.lines.append("  %s = %s(%s)%s : %s" % (name, op, ", ".join(args), attr, ty(dtype, dims)))
        self.ops.add(op)
        if dtype == "f32":
            self.pool.append((name, dtype, list(dims)))
        return name

    def input(self, dims):
        name = "x%d" % len(self.inputs)
        self.inputs.append("%s=f32:%s" % (name, ",".join(map(str, dims))))
        self.lines.append('  %%%s = input "%s" : %s' % (name, name, ty("f32", dims)))
        self.pool.append(("%" + name, "f32", list(dims)))
        return "%" + name

    def const(self, dtype, dims, scale=1.0):
        count = prod(dims)
        if dtype == "c64":
            vals = ["(%.4f, %.4f)" % (self.rng.uniform(-scale, scale), self.rng.uniform(-scale, scale))
                    for _ in range(count)]
        else:
            vals = ["%.4f" % self.rng.uniform(-scale, scale) for _ in range(count)]
        name = "%%c%d" % self.n
        self.n += 1
        self.lines.append("  %s = const dense<[%s]> : %s" % (name, ", ".join(vals), ty(dtype, dims)))
        return name

    def pick(self, rank=None, min_rank=1):
        cands = [v for v in self.pool if len(v[2]) >= min_rank and (rank is None or len(v[2]) == rank)]
        return self.rng.choice(cands) if cands else None


def ty(dtype, dims):
    return "%s[%s]" % (dtype, ",".join(map(str, dims)))


def prod(dims):
    p = 1
    for d in dims:
        p *= d
    return p


def ints(xs):
    return "[%s]" % ", ".join(map(str, xs))


# ---- patterns ------------------------------------------------------------

def positive(g, v):
    """abs(v) + 0.5: a safe operand for log, sqrt, rsqrt, pow and div."""
    name, _, dims = v
    a = g.value("abs", [name], "f32", dims)
    return g.value("add", [a, half(g)], "f32", dims)


def half(g):
    name = "%%h%d" % g.n
    g.n += 1
    g.lines.append("  %s = const dense<[0.5]> : f32[]" % name)
    return name


def p_unary_chain(g):
    v = g.pick()
    name, _, dims = v
    for _ in range(g.rng.randint(1, 4)):
        op = g.rng.choice(["neg", "abs", "tanh", "sigmoid", "relu", "leaky_relu", "gelu", "sin", "cos",
                           "erf", "exp", "log", "sqrt", "rsqrt"])
        if op in ("log", "sqrt", "rsqrt"):
            name = positive(g, (name, "f32", dims))
        if op == "exp":
            name = g.value("tanh", [name], "f32", dims)
        attrs = "alpha = 0.1" if op == "leaky_relu" else ""
        name = g.value(op, [name], "f32", dims, attrs)


def broadcast_shape(g, dims):
    """A shape that broadcasts to dims: some dims 1, maybe fewer leading."""
    drop = g.rng.randint(0, len(dims) - 1)
    return [1 if g.rng.random() < 0.4 else d for d in dims[drop:]]


def p_binary(g):
    a = g.pick()
    name, _, dims = a
    other = g.pick()
    if other is None or other[2] != dims or g.rng.random() < 0.5:
        shape = broadcast_shape(g, dims)
        other = (g.input(shape), "f32", shape)
    op = g.rng.choice(["add", "sub", "mul", "div", "max", "min", "pow", "where"])
    b = other[0]
    if op in ("div", "pow"):
        b = positive(g, (b, "f32", other[2]))
    if op == "pow":
        base = positive(g, a)
        g.value("pow", [base, b], "f32", dims)
        return
    if op == "where":
        g.value("where", [b, name, g.value("neg", [name], "f32", dims)], "f32", dims)
        return
    g.value(op, [name, b], "f32", dims)


def epilogue(g, name, dims):
    """bias + activation + maybe a residual add."""
    bias = g.const("f32", [dims[-1]])
    h = g.value("add", [name, bias], "f32", dims)
    h = g.value(g.rng.choice(["relu", "gelu", "tanh", "sigmoid"]), [h], "f32", dims)
    if g.rng.random() < 0.5:
        h = g.value("add", [h, g.input(dims)], "f32", dims)
    return h


def p_matmul(g):
    a = g.pick(min_rank=2)
    name, _, dims = a
    k, n = dims[-1], g.rng.randint(1, 9)
    if g.rng.random() < 0.7:
        w = g.const("f32", [k, n], 0.5)
    else:
        w = g.input(dims[:-2][-1:] + [k, n] if len(dims) > 2 and g.rng.random() < 0.5 else [k, n])
    out = dims[:-1] + [n]
    m = g.value("matmul", [name, w], "f32", out)
    epilogue(g, m, out)


def conv_out(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def p_conv(g):
    sd = g.rng.choice([1, 2])
    b, ci = g.rng.randint(1, 2), g.rng.choice([1, 2, 4])
    sizes = [g.rng.randint(4, 9) for _ in range(sd)]
    x = g.input([b] + sizes + [ci])
    groups = g.rng.choice([1, 1, 2]) if ci % 2 == 0 else 1
    co = groups * g.rng.randint(1, 3)
    ks = [g.rng.randint(1, 3) for _ in range(sd)]
    st = [g.rng.randint(1, 2) for _ in range(sd)]
    dl = [g.rng.randint(1, 2) for _ in range(sd)]
    pd = [g.rng.randint(0, 1) for _ in range(sd)]
    outs = [conv_out(sizes[i], ks[i], st[i], pd[i], dl[i]) for i in range(sd)]
    if min(outs) < 1:
        return
    w = g.const("f32", [co, ci // groups] + ks, 0.5)
    op = "conv1d" if sd == 1 else "conv2d"
    out = [b] + outs + [co]
    attrs = "stride = %s, padding = %s, dilation = %s, groups = %d" % (ints(st), ints(pd), ints(dl), groups)
    c = g.value(op, [x, w], "f32", out, attrs)
    epilogue(g, c, out)


def p_reduce(g):
    a = g.pick(min_rank=2)
    name, _, dims = a
    r = len(dims)
    op = g.rng.choice(["sum", "mean", "reduce_max", "reduce_min", "softmax", "layer_norm"])
    pre = g.value(g.rng.choice(["tanh", "abs", "neg"]), [name], "f32", dims)  # a prologue
    if op == "softmax":
        g.value(op, [pre], "f32", dims, "axis = %d" % g.rng.randrange(r))
        return
    if op == "layer_norm":
        g.value(op, [pre], "f32", dims, "axis = %d" % g.rng.randrange(1, r))
        return
    axes = sorted(g.rng.sample(range(r), g.rng.randint(1, r)))
    keep = g.rng.random() < 0.5
    out = [1 if i in axes else d for i, d in enumerate(dims)] if keep else [d for i, d in enumerate(dims) if i not in axes]
    s = g.value(op, [pre], "f32", out, "axes = %s, keepdims = %d" % (ints(axes), keep))
    if out:
        g.value("exp", [g.value("tanh", [s], "f32", out)], "f32", out)  # an epilogue


def p_movement(g):
    a = g.pick(min_rank=2)
    name, _, dims = a
    r = len(dims)
    op = g.rng.choice(["transpose", "slice", "pad", "concat", "broadcast", "gather", "reshape"])
    if op == "transpose":
        perm = list(range(r))
        g.rng.shuffle(perm)
        out = [dims[p] for p in perm]
        v = g.value(op, [name], "f32", out, "perm = %s" % ints(perm))
    elif op == "slice":
        st, en, sp, out = [], [], [], []
        for d in dims:
            step = g.rng.choice([1, 1, 2, -1])
            if step > 0:
                s = g.rng.randrange(d)
                e = g.rng.randint(s + 1, d)
                n = (e - s + step - 1) // step
            else:
                s = g.rng.randrange(d)
                e = g.rng.randint(-1, s - 1)
                n = (s - e + (-step) - 1) // (-step)
            st.append(s), en.append(e), sp.append(step), out.append(n)
        v = g.value(op, [name], "f32", out, "starts = %s, ends = %s, steps = %s" % (ints(st), ints(en), ints(sp)))
    elif op == "pad":
        circ = g.rng.random() < 0.3
        pads = []
        for d in dims:
            pads += [g.rng.randint(0, min(2, d)), g.rng.randint(0, min(2, d))]
        out = [d + pads[2 * i] + pads[2 * i + 1] for i, d in enumerate(dims)]
        attrs = "pads = %s, %s" % (ints(pads), 'mode = "circular"' if circ else "value = 0.25")
        v = g.value(op, [name], "f32", out, attrs)
    elif op == "concat":
        axis = g.rng.randrange(r)
        other_dims = list(dims)
        other_dims[axis] = g.rng.randint(1, 4)
        other = g.input(other_dims)
        out = list(dims)
        out[axis] += other_dims[axis]
        v = g.value(op, [name, other], "f32", out, "axis = %d" % axis)
    elif op == "broadcast":
        out = [g.rng.randint(2, 3)] + list(dims)
        v = g.value(op, [name], "f32", out, "shape = %s" % ints(out))
    elif op == "gather":
        axis = g.rng.randrange(r)
        idx = [g.rng.randrange(dims[axis]) for _ in range(g.rng.randint(1, 5))]
        out = list(dims)
        out[axis] = len(idx)
        v = g.value(op, [name], "f32", out, "indices = %s, axis = %d" % (ints(idx), axis))
    else:
        total = prod(dims)
        first = g.rng.choice([f for f in range(1, total + 1) if total % f == 0])
        out = [first, total // first]
        v = g.value(op, [name], "f32", out, "shape = %s" % ints(out))
    g.value(g.rng.choice(["tanh", "relu", "neg"]), [v], "f32", out)


def p_spectral(g):
    kind = g.rng.choice(["fno", "fno", "fft", "dct"])
    b, c = g.rng.randint(1, 2), g.rng.randint(1, 3)
    if kind == "fno":
        n = g.rng.randint(4, 12)
        x = g.input([b, n, c])
        bins = n // 2 + 1
        modes = g.rng.randint(1, bins)
        if g.rng.random() < 0.3:  # the pruned transform, written out
            s = g.value("rfft_modes", [x], "c64", [b, modes, c], "axis = 1, modes = %d" % modes)
        else:
            f = g.value("rfft", [x], "c64", [b, bins, c], "axes = [1]")
            s = g.value("slice", [f], "c64", [b, modes, c],
                        "starts = [0, 0, 0], ends = [%d, %d, %d], steps = [1, 1, 1]" % (b, modes, c))
        co = g.rng.randint(1, 3)
        w = g.const("c64", [c, co, modes], 0.5)
        m = g.value("mix", [s, w], "c64", [b, modes, co])
        if g.rng.random() < 0.3:
            y = g.value("irfft_modes", [m], "f32", [b, n, co], "axis = 1, n = %d" % n)
            g.value("gelu", [y], "f32", [b, n, co])
            return
        p = g.value("pad", [m], "c64", [b, bins, co], "pads = [0, 0, 0, %d, 0, 0], value = 0.0" % (bins - modes))
        if g.rng.random() < 0.3:  # what rfft(irfft(.)) leaves of a spectrum
            p = g.value("hermitian_project", [p], "c64", [b, bins, co], "axes = [1], n = %d" % n)
        y = g.value("irfft", [p], "f32", [b, n, co], "axes = [1], n = [%d]" % n)
        g.value("gelu", [y], "f32", [b, n, co])
    elif kind == "fft":
        dims = [b, g.rng.randint(2, 6), g.rng.randint(2, 6), c]
        x = g.input(dims)
        cx = g.value("cast", [x], "c64", dims, "dtype = c64")
        f = g.value("fft", [cx], "c64", dims, "axes = [1, 2]")
        k = g.value("mul", [f, g.const("c64", [dims[-1]])], "c64", dims)
        j = g.value("conj", [k], "c64", dims)
        i = g.value("ifft", [j], "c64", dims, "axes = [2]")
        re = g.value("real", [i], "f32", dims)
        im = g.value("imag", [i], "f32", dims)
        z = g.value("complex", [im, re], "c64", dims)
        g.value("real", [g.value("div", [z, g.value("add", [z, g.const("c64", [], 3.0)], "c64", dims)], "c64", dims)], "f32", dims)
    else:
        dims = [b, g.rng.randint(2, 7), c]
        x = g.input(dims)
        if g.rng.random() < 0.4:  # pruned, written out: keep k coefficients
            k = g.rng.randint(1, dims[1])
            small = [b, k, c]
            d = g.value("dct_modes", [x], "f32", small, "axis = 1, modes = %d" % k)
            g.value("idct_modes", [g.value("tanh", [d], "f32", small)], "f32", dims, "axis = 1, n = %d" % dims[1])
            return
        d = g.value("dct", [x], "f32", dims, "axes = [1]")
        g.value("idct", [g.value("tanh", [d], "f32", dims)], "f32", dims, "axes = [1]")


def p_pool(g):
    sd = g.rng.choice([1, 2])
    sizes = [g.rng.randint(3, 8) for _ in range(sd)]
    dims = [g.rng.randint(1, 2)] + sizes + [g.rng.randint(1, 3)]
    x = g.input(dims)
    ks = [g.rng.randint(1, 3) for _ in range(sd)]
    st = [g.rng.randint(1, 2) for _ in range(sd)]
    pd = [g.rng.randint(0, k // 2) for k in ks]
    outs = [(sizes[i] + 2 * pd[i] - ks[i]) // st[i] + 1 for i in range(sd)]
    op = g.rng.choice(["maxpool", "avgpool"]) + "%dd" % sd
    pre = g.value("relu", [x], "f32", dims)
    out = [dims[0]] + outs + [dims[-1]]
    g.value(op, [pre], "f32", out, "kernel = %s, stride = %s, padding = %s" % (ints(ks), ints(st), ints(pd)))


def p_cast(g):
    name, _, dims = g.pick()
    d = g.value("cast", [name], "f64", dims, "dtype = f64")
    e = g.value("mul", [d, d], "f64", dims)
    g.value("cast", [e], "f32", dims, "dtype = f32")


PATTERNS = [p_unary_chain, p_binary, p_matmul, p_conv, p_reduce, p_movement, p_spectral, p_pool, p_cast]


def build(seed):
    rng = random.Random(seed)
    g = Graph(rng)
    for _ in range(rng.randint(1, 2)):
        g.input([rng.randint(1, 3)] + [rng.randint(2, 6) for _ in range(rng.randint(1, 3))])
    # Seeds cycle through the patterns first, so every op appears early.
    PATTERNS[seed % len(PATTERNS)](g)
    for _ in range(rng.randint(2, 6)):
        rng.choice(PATTERNS)(g)
    outs = []
    candidates = [v for v in g.pool if not v[0].startswith("%x")]
    for v in rng.sample(candidates, min(len(candidates), rng.randint(1, 3))):
        outs.append('  output "y%d"(%s) : %s' % (len(outs), v[0], ty(v[1], v[2])))
    text = "graph @g%d {\n%s\n%s\n}\n" % (seed, "\n".join(g.lines), "\n".join(outs))
    return text, g


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out")
    ap.add_argument("--list-coverage", metavar="N", type=int, help="ops used by seeds 1..N, and the ops never used")
    ap.add_argument("--ops-def", help="ir/ops.def, to name the ops never generated")
    a = ap.parse_args()
    if a.list_coverage:
        used = set()
        for s in range(1, a.list_coverage + 1):
            used |= build(s)[1].ops
        print("ops generated:", " ".join(sorted(used)))
        if a.ops_def:
            import re
            every = set(re.findall(r'^OP\(\w+, "(\w+)"', open(a.ops_def).read(), re.M))
            missing = sorted(every - used - {"input", "param", "const", "output"})
            print("never generated:", " ".join(missing) or "none")
            return 1 if missing else 0
        return 0
    text, g = build(a.seed)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "g.pdir"), "w") as f:
        f.write(text)
    print(" ".join(g.inputs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
