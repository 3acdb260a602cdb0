#!/usr/bin/env python3
"""Writes fuzzers/README.md's oracle table from OC_RULE_MAP (fuzzers/oracle_rules.h).

  oracle_table.py --write   regenerate the table between the oracle-rules markers
  oracle_table.py --check   exit 1 (with a diff) if it is stale
fuzzers/tests/test_oracle_rules.py runs the check as part of `make test`.
"""
import argparse
import difflib
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
HEADER = HERE / "oracle_rules.h"
README = HERE / "README.md"
MARKERS = re.compile(r"(<!-- oracle-rules:begin -->\n)(?:.*?\n)?(<!-- oracle-rules:end -->)", re.S)
# XX("id", "rests on", "rule"): each argument one C string literal or several adjacent ones
STRINGS = r'((?:"(?:[^"\\]|\\.)*"\s*(?:\\\n\s*)?)+)'
ROW = re.compile(r'XX\(\s*' + STRINGS + r',\s*(?:\\\n\s*)?' + STRINGS + r',\s*(?:\\\n\s*)?' + STRINGS + r'\)')


def _literal(text):
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', text)).replace('\\"', '"')


def rules():
    """[(id, rests on, rule)] in the table's order."""
    text = HEADER.read_text(encoding="utf-8")
    body = text[text.index("#define OC_RULE_MAP(XX)"):]
    return [tuple(_literal(g) for g in m.groups()) for m in ROW.finditer(body)]


def table():
    out = ["| id | rests on | rule |", "| --- | --- | --- |"]
    for rid, rfc, rule in rules():
        out.append(f"| `{rid}` | {rfc} | {rule.replace('|', '&#124;')} |")
    return "\n".join(out)


def render(text):
    if not MARKERS.search(text):
        sys.exit("oracle_table.py: fuzzers/README.md lacks the <!-- oracle-rules:begin/end --> markers")
    return MARKERS.sub(lambda m: m.group(1) + table() + "\n" + m.group(2), text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    old = README.read_text(encoding="utf-8")
    new = render(old)
    if args.write:
        README.write_text(new, encoding="utf-8")
    elif new != old:
        sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                   "fuzzers/README.md", "generated"))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
