#!/usr/bin/env python3
"""Re-checks every `sat` counterexample of bench/acasxu.sh independently.

usage: /usr/bin/python3 bench/check_counterexamples.py [RESULTS_DIR] [DATA_DIR]

For each build/acasxu/NET_prop_K.txt that says sat, evaluates the .nnet
network at the counterexample's X in float64 with numpy (not pdec), and
checks the property's unsafe set holds: the X inside one case's input box
and every output constraint of that case satisfied (ties allowed to 1e-9).
"""
import glob
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
from nnet_reference import load  # noqa: E402


def evaluate(layers, x):
    h = np.array(x, dtype=np.float64)
    for i, (w, b) in enumerate(layers):
        h = h @ w.T + b
        if i < len(layers) - 1:
            h = np.maximum(h, 0)
    return h


def parse_terms(text):
    return {m[0]: float(m[1]) for m in re.findall(r"\((X_\d+|Y_\d+) ([-+0-9.eE]+)\)", text)}


def holds(expr, env):
    """Evaluates the vnnlib assertions (s-expressions) over env."""
    tokens = re.findall(r"\(|\)|[^\s()]+", expr)
    pos = 0

    def read():
        nonlocal pos
        t = tokens[pos]
        pos += 1
        if t != "(":
            return t
        lst = []
        while tokens[pos] != ")":
            lst.append(read())
        pos += 1
        return lst

    def val(t):
        if isinstance(t, list):
            op, args = t[0], [val(a) for a in t[1:]]
            if op == "+":
                return sum(args)
            if op == "-":
                return -args[0] if len(args) == 1 else args[0] - sum(args[1:])
            if op == "*":
                return np.prod(args)
        return env[t] if t in env else float(t)

    def truth(t):
        op = t[0]
        if op == "and":
            return all(truth(a) for a in t[1:])
        if op == "or":
            return any(truth(a) for a in t[1:])
        a, b = val(t[1]), val(t[2])
        tol = 1e-9 * (1 + abs(a) + abs(b))
        return a <= b + tol if op in ("<=", "<") else a + tol >= b

    ok = True
    while pos < len(tokens):
        t = read()
        if isinstance(t, list) and t[0] == "assert":
            ok &= truth(t[1])
    return ok


def main():
    results = sys.argv[1] if len(sys.argv) > 1 else "build/acasxu"
    data = sys.argv[2] if len(sys.argv) > 2 else "../shared/data/acasxu"
    checked = bad = 0
    for path in sorted(glob.glob(os.path.join(results, "*.txt"))):
        text = open(path).read()
        if not text.startswith("sat"):
            continue
        net, prop = re.match(r"(.*)_(prop_\d+)\.txt", os.path.basename(path)).groups()
        env = parse_terms(text)
        x = [env[f"X_{i}"] for i in range(5)]
        y = evaluate(load(os.path.join(data, "nnet", net + ".nnet")), x)
        env.update({f"Y_{i}": y[i] for i in range(len(y))})
        spec = re.sub(r";[^\n]*", "", open(os.path.join(data, "vnnlib", prop + ".vnnlib")).read())
        ok = holds(spec, env)
        checked += 1
        bad += not ok
        print(f"{net} {prop}: {'confirmed' if ok else 'NOT A COUNTEREXAMPLE'}")
    print(f"{checked} counterexamples checked, {bad} wrong")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
