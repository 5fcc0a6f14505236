#!/usr/bin/env python3
"""Re-run the `$ tokenfab ...` commands shown in the docs and rewrite their outputs in place.

Usage: scripts/regen-doc-outputs.py [FILE.md ...]   (default: README.md and docs/*.md)
Run from the repository root after `make build`. A block is the lines after a `$ tokenfab ...`
line up to the next `$ ` line or code fence. Blocks marked `(excerpt)` are left alone and listed:
their selection of lines is an author's choice. Prose and tables quoting the outputs are not
touched: review `git diff` and update them by hand.
"""
import glob
import shlex
import subprocess
import sys


def run(args):
    done = subprocess.run(["./build/tokenfab"] + args, capture_output=True, text=True, timeout=900)
    return (done.stdout + done.stderr).rstrip("\n").split("\n")


def regen(path):
    lines = open(path).read().split("\n")
    out, i, skipped, changed = [], 0, [], 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        i += 1
        if not line.startswith("$ tokenfab "):
            continue
        command = line
        while command.endswith("\\") and i < len(lines):  # continued on the next line
            command = command[:-1] + " " + lines[i].strip()
            out.append(lines[i])
            i += 1
        j = i
        while j < len(lines) and not lines[j].startswith("```") and not lines[j].startswith("$ "):
            j += 1
        old = lines[i:j]
        trail = []
        while old and old[-1] == "":
            trail.append("")
            old.pop()
        if "(excerpt)" in command:
            skipped.append(line)
            out.extend(lines[i:j])
        else:
            new = run(shlex.split(command[len("$ tokenfab "):]))
            changed += new != old
            out.extend(new + trail)
        i = j
    open(path, "w").write("\n".join(out))
    return changed, skipped


def main():
    files = sys.argv[1:] or ["README.md"] + sorted(glob.glob("docs/*.md"))
    for f in files:
        changed, skipped = regen(f)
        if changed or skipped:
            print(f"{f}: {changed} block(s) changed" + "".join(f"\n  left: {s}" for s in skipped))


if __name__ == "__main__":
    main()
