"""The chains of a report (issue 15), grouped under their proxy: per proxy its own row and its
chains (PROXY→reference, PROXY→sentinel) with a "smuggling" count (cells with a SECURITY finding),
then each distinct (chain, rule) finding once with both ends' bytes: what the client sent, what it
got, and what the sentinel received. Pure: results document in, text out (chains.md, and a
section of index.html).
"""
from __future__ import annotations

import base64
import html

from .chain import shown
from .catalog import CHAIN_SEP

SHOWN = 1500                 # bytes shown per end


def _proxy(name: str) -> str | None:
    proxy, sep, _ = name.partition(CHAIN_SEP)
    return proxy if sep else None


def proxies(doc: dict) -> dict[str, list[dict]]:
    """proxy name -> its chain server rows (in report order)."""
    out: dict[str, list[dict]] = {}
    for s in doc["servers"]:
        p = _proxy(s["name"])
        if p is not None:
            out.setdefault(p, []).append(s)
    return out


def smuggling(results: list[dict]) -> int:
    return sum(1 for r in results if any(f["level"] == "SECURITY" for f in r["findings"]))


def smuggling_by_server(doc: dict) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in doc["results"]:
        if any(f["level"] == "SECURITY" for f in r["findings"]):
            out[r["server"]] = out.get(r["server"], 0) + 1
    return out


def groups(doc: dict) -> list[dict]:
    """Each (chain, rule) of a chain finding once: its smallest case (whole delivery first)."""
    req = {c["id"]: base64.b64decode(c["request_b64"]) for c in doc["cases"]}
    by: dict[tuple[str, str], list[tuple[dict, dict]]] = {}
    for r in doc["results"]:
        if r.get("backend") is None:
            continue
        for f in r["findings"]:
            by.setdefault((r["server"], f["rule"]), []).append((r, f))
    out = []
    for (server, rule), rows in sorted(by.items()):
        r, f = min(rows, key=lambda x: (len(req.get(x[0]["case"], b"")), x[0]["mode"] != "whole",
                                        x[0]["case"], x[0]["mode"]))
        backend = [(b["conn"], base64.b64decode(b["received_b64"])) for b in r["backend"]]
        out.append({"server": server, "proxy": _proxy(server), "rule": rule, "rfc": f["rfc"],
                    "level": f["level"], "verdict": f["verdict"], "sentence": f["sentence"],
                    "detail": f["detail"], "cells": len(rows),
                    "cases": sorted({x[0]["case"] for x in rows}), "example": r,
                    "request": base64.b64decode(r.get("sent_b64") or "") or req.get(r["case"], b""),
                    "response": base64.b64decode(r.get("response_b64") or ""),
                    "backend": backend})
    return out


def _rows(doc: dict) -> list[list[str]]:
    by_server: dict[str, list[dict]] = {}
    for r in doc["results"]:
        by_server.setdefault(r["server"], []).append(r)
    rows = []
    for proxy, chains in proxies(doc).items():
        for s in chains:
            mine = by_server.get(s["name"], [])
            v = s.get("verdicts") or {}
            state = s["status"] if s["status"] != "ran" else f"{s['cells']} cells"
            rows.append([proxy, s["name"].partition(CHAIN_SEP)[2], state,
                         str(v.get("fail", 0)), str(v.get("warn", 0)), str(smuggling(mine)),
                         str(v.get("error", 0)),
                         f"{s.get('agree', 0)}/{s.get('agree', 0) + s.get('disagree', 0)}"
                         if s.get("agree") or s.get("disagree") else "-",
                         s.get("skip_reason") or "; ".join(s.get("notes") or [])])
    return rows


HEAD = ["proxy", "backend", "ran", "fail", "warn", "smuggling", "error", "agree w/ ref", "notes"]


def markdown(doc: dict) -> str:
    gs = groups(doc)
    out = ["# Chains: what each proxy forwarded", "",
           "Each proxy runs in front of the reference (compare with the reference's own row) and "
           "of the sentinel, which records what reached it (harness/rules/chain.py judges both "
           "ends). `smuggling`: cells with a SECURITY finding (a request past the proxy: never a "
           "Fail, no MUST forbids it in so many words).", "",
           "| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in _rows(doc)]
    out += ["", f"## Chain findings ({len(gs)} distinct (chain, rule) groups)", ""]
    for i, g in enumerate(gs, 1):
        ex = g["example"]
        out += [f"### {i}. {g['server']}: `{g['rule']}` ({g['rfc']}, {g['level']})", "",
                f"> {g['sentence']}", "", f"**Seen:** {g['detail']}", "",
                f"**Smallest case:** `{ex['case']}` ({ex['mode']}); {g['cells']} cell(s) over "
                f"{', '.join(g['cases'])}", "",
                "Client sent:", "", "```", shown(g["request"], SHOWN), "```", "",
                "Client received:", "", "```", shown(g["response"], SHOWN) or "(nothing)", "```", ""]
        for conn, data in g["backend"]:
            out += [f"Backend received (connection {conn}):", "", "```", shown(data, SHOWN)
                    or "(nothing)", "```", ""]
        out += [f"Repro: `{ex['repro']}`", ""]
    return "\n".join(out)


def section(doc: dict) -> str:
    """The chains section of index.html."""
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                   for r in _rows(doc))
    items = []
    for g in groups(doc):
        ex = g["example"]
        ends = "".join(f"<div>backend received (connection {c}):</div><pre>"
                       f"{html.escape(shown(d, SHOWN))}</pre>" for c, d in g["backend"])
        items.append(
            f"<details><summary><b>{html.escape(g['server'])}</b> <code>{html.escape(g['rule'])}"
            f"</code> ({html.escape(g['rfc'])}, {g['level']}): {g['cells']} cell(s)</summary>"
            f"<blockquote>{html.escape(g['sentence'])}</blockquote><p>{html.escape(g['detail'])}"
            f"</p><p>smallest case <code>{html.escape(ex['case'])}</code> ({ex['mode']}); repro "
            f"<code>{html.escape(ex['repro'])}</code></p><div>client sent:</div><pre>"
            f"{html.escape(shown(g['request'], SHOWN))}</pre><div>client received:</div><pre>"
            f"{html.escape(shown(g['response'], SHOWN) or '(nothing)')}</pre>{ends}</details>")
    head = "".join(f"<th>{h}</th>" for h in HEAD)
    return (f'<h2 id="chains">Chains: what each proxy forwarded</h2>\n<p class="muted">Each '
            f"proxy in front of the reference and of the sentinel (which records what reached "
            f"it); smuggling: cells with a SECURITY finding.</p>\n<table><tr>{head}</tr>{rows}"
            f"</table>\n" + "\n".join(items))
