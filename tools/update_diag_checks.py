#!/usr/bin/env python3
"""Rewrites the expected-diagnostics block at the end of lit tests.

usage: tools/update_diag_checks.py [--pdec build/bin/pdec] FILE...

Each FILE is a .pde or .pdir test whose first lines are a description and
`# RUN: not pdec check %s 2>&1 | FileCheck --strict-whitespace %s`.  The
script runs `pdec check FILE` and replaces everything from the line
`# ---- expected diagnostics` to the end with CHECK lines that pin the
whole stderr: messages, source lines and carets.  The block is at the end
so that it never moves the line numbers it pins.  Review the diff: the
output is what pdec prints now, not what it should print.
"""
import argparse
import os
import re
import subprocess

MARK = "# ---- expected diagnostics"


def escape(line):
    # FileCheck treats [[ and {{ specially.
    return line.replace("{{", "{{[{][{]}}").replace("[[", "{{[[][[]}}")


def checks(path, output):
    folder = os.path.dirname(path)
    lines = []
    for i, line in enumerate(output.rstrip("\n").split("\n")):
        line = escape(line)
        if folder:  # lit runs the test by its absolute path
            line = line.replace(folder + "/", "{{.*}}")
        tag = "#      CHECK:" if i == 0 else "# CHECK-NEXT:"
        lines.append(f"{tag}{{{{^}}}}{line}" if line.strip() else "# CHECK-EMPTY:")
    return lines


def update(path, pdec, env):
    with open(path) as f:
        text = f.read()
    body = text.split(MARK)[0].rstrip("\n") + "\n"
    with open(path, "w") as f:
        f.write(body)
    run = subprocess.run([pdec, "check", path], capture_output=True, text=True, env=env)
    if run.returncode != 1:
        raise SystemExit(f"{path}: pdec check exited {run.returncode}, expected 1")
    with open(path, "w") as f:
        f.write(body + "\n" + MARK + "\n" + "\n".join(checks(path, run.stderr)) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdec", default="build/bin/pdec")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    env = dict(os.environ)
    env.setdefault("PDEC_STDLIB_DIR", os.path.join(os.path.dirname(__file__), "..", "stdlib"))
    for path in args.files:
        update(path, os.path.abspath(args.pdec), env)


if __name__ == "__main__":
    main()
