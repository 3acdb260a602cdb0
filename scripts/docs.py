#!/usr/bin/env python3
"""Keeps the generated parts of README.md true.

The decision table comes from `sy-decide --reasons` (itself generated from reasons.h) and the
flag list from `refserver --help`; both live in README.md between marker comments.
  docs.py --write   regenerate them
  docs.py --check   exit 1 (with a diff) if README.md is stale
"""
import argparse
import difflib
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def reasons_table(build):
    rows = json.loads(subprocess.run([os.path.join(build, "sy-decide"), "--reasons"],
                                     check=True, capture_output=True, text=True).stdout)
    out = ["| status | reason | rule | level | meaning |", "| --- | --- | --- | --- | --- |"]
    for r in sorted(rows, key=lambda r: (r["status"], r["name"])):
        out.append(f"| {r['status']} | `{r['name']}` | {r['rfc']} | {r['level']} | {r['text']} |")
    return "\n".join(out)


def flags(build):
    text = subprocess.run([os.path.join(build, "refserver"), "--help"], check=True,
                          capture_output=True, text=True).stdout
    return "```\n" + text.rstrip("\n") + "\n```"


def render(readme, build):
    for name, body in (("reasons", reasons_table(build)), ("refserver-help", flags(build))):
        pat = re.compile(rf"(<!-- {name}:begin -->\n)(?:.*?\n)?(<!-- {name}:end -->)", re.S)
        if not pat.search(readme):
            sys.exit(f"docs.py: README.md lacks the <!-- {name}:begin/end --> markers")
        readme = pat.sub(lambda m: m.group(1) + body + "\n" + m.group(2), readme)
    return readme


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", action="store_true")
    g.add_argument("--check", action="store_true")
    a = ap.parse_args()
    path = os.path.join(ROOT, "README.md")
    with open(path, encoding="utf-8") as f:
        old = f.read()
    new = render(old, a.build)
    if a.write:
        with open(path, "w", encoding="utf-8") as f:
            f.write(new)
        return 0
    if new != old:
        sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                   "README.md", "README.md (generated)"))
        print("README.md is stale: run `make docs`", file=sys.stderr)
        return 1
    print("README.md generated sections are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
