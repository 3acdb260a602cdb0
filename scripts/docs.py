#!/usr/bin/env python3
"""Keeps the generated parts of README.md and docs/harness.md true.

The decision table comes from `sy-decide --reasons` (itself generated from reasons.h), the flag
list from `refserver --help`, both in README.md; the harness's rule table from harness/rules
(RULES), in docs/harness.md. Each lives between marker comments.
  docs.py --write   regenerate them
  docs.py --check   exit 1 (with a diff) if a file is stale
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


def rules_table(build):
    sys.path.insert(0, ROOT)
    from harness.compare import VERDICT_OF_LEVEL
    from harness.rules import CHAIN_RULES, RULES
    out = ["| rule | RFC | level | verdict when broken | the requirement |",
           "| --- | --- | --- | --- | --- |"]
    for r in RULES + CHAIN_RULES:     # the chain rules judge chains to the sentinel alone
        out.append(f"| `{r.id}` | {r.rfc} | {r.level} | {VERDICT_OF_LEVEL[r.level]} | "
                   f"{r.sentence.replace('|', '&#124;')} |")
    return "\n".join(out)


GENERATED = {"README.md": (("reasons", reasons_table), ("refserver-help", flags)),
             "docs/harness.md": (("rules", rules_table),)}


def render(name, text, build):
    for marker, make in GENERATED[name]:
        pat = re.compile(rf"(<!-- {marker}:begin -->\n)(?:.*?\n)?(<!-- {marker}:end -->)", re.S)
        if not pat.search(text):
            sys.exit(f"docs.py: {name} lacks the <!-- {marker}:begin/end --> markers")
        body = make(build)
        text = pat.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", action="store_true")
    g.add_argument("--check", action="store_true")
    a = ap.parse_args()
    os.environ.setdefault("SY_BUILD", os.path.abspath(a.build))
    stale = 0
    for name in GENERATED:
        path = os.path.join(ROOT, name)
        with open(path, encoding="utf-8") as f:
            old = f.read()
        new = render(name, old, a.build)
        if a.write:
            if new != old:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(new)
        elif new != old:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                       name, f"{name} (generated)"))
            print(f"{name} is stale: run `make docs`", file=sys.stderr)
            stale = 1
    if not a.write and not stale:
        print("generated sections of " + ", ".join(GENERATED) + " are up to date")
    return stale


if __name__ == "__main__":
    sys.exit(main())
