"""The audit page: each distinct (server, rule) Fail group once, with what a reviewer needs to
confirm or refute it in under a minute: the rule's sentence, the smallest case that shows it,
the request and response bytes, and the repro command. Pure: results document in, text out.
"""
from __future__ import annotations

import base64

from . import compare

SHOWN_BYTES = 1200          # request/response bytes shown per group (the JSON keeps them all)


def groups(doc: dict) -> list[dict]:
    """Fail groups keyed by (server, rule), sorted; each with its cells and the smallest case."""
    req = {c["id"]: base64.b64decode(c["request_b64"]) for c in doc["cases"]}
    by: dict[tuple[str, str], list[dict]] = {}
    for r in doc["results"]:
        if r["verdict"] == compare.FAIL:
            by.setdefault((r["server"], r["rule"]), []).append(r)
    out = []
    for (server, rule), rows in sorted(by.items()):
        # the smallest request; whole delivery first among its cells
        best = min(rows, key=lambda r: (len(req.get(r["case"], b"")), r["mode"] != "whole",
                                        r["case"], r["mode"]))
        out.append({"server": server, "rule": rule, "rfc": best["rfc"],
                    "sentence": best.get("sentence", ""), "detail": best["detail"],
                    "cells": len(rows), "cases": sorted({r["case"] for r in rows}),
                    "example": best,
                    "request": base64.b64decode(best.get("sent_b64") or "") or req.get(best["case"], b""),
                    "response": base64.b64decode(best.get("response_b64") or "")})
    return out


def printable(b: bytes) -> str:
    text = b[:SHOWN_BYTES].decode("latin-1")
    text = "".join(c if c in "\n" or 32 <= ord(c) < 127 else f"\\x{ord(c):02x}" for c in
                   text.replace("\r\n", "\\r\\n\n"))
    more = f"\n... ({len(b) - SHOWN_BYTES} more bytes)" if len(b) > SHOWN_BYTES else ""
    return text + more


def markdown(doc: dict) -> str:
    gs = groups(doc)
    lines = ["# Fail groups to audit", "",
             f"{len(gs)} distinct (server, rule) groups, {sum(g['cells'] for g in gs)} Fail cells. "
             "Each group shows its smallest case: read the sentence, then the bytes. A group whose "
             "bytes do not contradict its sentence is a bug in harness/rules: report it.", ""]
    for i, g in enumerate(gs, 1):
        ex = g["example"]
        lines += [f"## {i}. {g['server']}: `{g['rule']}` ({g['rfc']})", "",
                  f"> {g['sentence']}", "",
                  f"**Seen:** {g['detail']}", "",
                  f"**Smallest case:** `{ex['case']}` ({ex['mode']}); the group has {g['cells']} "
                  f"cell(s) over {len(g['cases'])} case(s): {', '.join(g['cases'][:12])}"
                  f"{' ...' if len(g['cases']) > 12 else ''}", "",
                  "Request:", "", "```", printable(g["request"]), "```", "",
                  "Response:", "", "```", printable(g["response"]) or "(nothing: closed)", "```", "",
                  f"Repro: `{ex['repro']}`", ""]
    return "\n".join(lines)
