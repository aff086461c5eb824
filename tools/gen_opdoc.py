#!/usr/bin/env python3
"""Writes docs/ops.md from the op table's comments (ir/ops.def).

usage: tools/gen_opdoc.py [--check]

Each OP(...) row of ir/ops.def is documented by the `/* Op: name — text */`
comment above it; section comments (`/* ---- title ---- */`) become
headings.  --check exits 1 when docs/ops.md is out of date (the test suite
runs it), so the reference cannot drift from the table.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
ROW = re.compile(r'OP\((\w+),\s*"([^"]+)",\s*(-?\d+),\s*(-?\d+),\s*(\w+),\s*([^,]+),\s*"([^"]*)"\)')


def render(text):
    out = ["# Ops", "",
           "Generated from `ir/ops.def` by `tools/gen_opdoc.py`; do not edit by hand.",
           "Attributes: `name:kind` is required, `name:kind=default` optional.", ""]
    doc = []
    for chunk in re.split(r"(/\*.*?\*/|OP\([^\n]*\))", text, flags=re.S):
        if chunk.startswith("/* ----"):
            out += ["", "## " + chunk.strip("/* -\n").strip(), "",
                    "| op | operands | class | attributes | meaning |", "|---|---|---|---|---|"]
        elif chunk.startswith("/* Op:"):
            doc = " ".join(line.strip(" *") for line in chunk[2:-2].splitlines())
        elif chunk.startswith("OP("):
            m = ROW.match(chunk)
            enum, name, lo, hi, cls, _flags, attrs = m.groups()
            operands = lo if lo == hi else (f"{lo}+" if hi == "-1" else f"{lo}-{hi}")
            meaning = doc.split("—", 1)[-1].strip() if doc else ""
            attrs = " ".join(f"`{a}`" for a in attrs.split()) or "—"
            out.append(f"| `{name}` | {operands} | {cls[9:].lower()} | {attrs} | {meaning} |")
            doc = ""
    return "\n".join(out) + "\n"


def main():
    with open(os.path.join(ROOT, "ir", "ops.def")) as f:
        text = f.read().split("*/", 1)[1]  # skip the file's header comment
    md = render(text)
    path = os.path.join(ROOT, "docs", "ops.md")
    if "--check" in sys.argv:
        with open(path) as f:
            if f.read() != md:
                sys.exit("docs/ops.md is out of date: run tools/gen_opdoc.py")
        return
    with open(path, "w") as f:
        f.write(md)


if __name__ == "__main__":
    main()
