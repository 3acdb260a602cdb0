#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bugstats: the numbers of a bug benchmark run (bugbench.py): found/trials and median time to
first finding per bug and configuration, the Vargha-Delaney A12 between configurations, as
report.md, report.json and bugs-found.png (gnuplot, when installed: deps/fuzz.txt).

A12(A, B) is the probability that a trial of A does better than one of B, ties counting half
(Vargha and Delaney 2000; FuzzBench reports it): per bug on the time to first finding (a trial
that did not find the bug counts as slower than any that did), and over all bugs on the number of
bugs found per trial (trial i of a configuration = the i-th trial of every bug). 0.5 is no
difference; 0.71 / 0.29 and beyond is what Vargha and Delaney call a large effect.
Where the request mutator stands aside (a target that does not take requests), `X-mut` is `X`:
its trials are counted for both.
"""
import json
import math
import statistics
from itertools import combinations
from pathlib import Path

import plots  # noqa: E402

INF = math.inf


def a12(xs, ys, higher_better=True):
    """Vargha-Delaney A12: P(x better than y) + 0.5 P(tie)."""
    if not xs or not ys:
        return None
    better = ties = 0
    for x in xs:
        for y in ys:
            if x == y:
                ties += 1
            elif (x > y) == higher_better:
                better += 1
    return (better + 0.5 * ties) / (len(xs) * len(ys))


def times_of(results, bug, cfg, configs_of):
    """Times to first finding (INF: not found) of `cfg` on `bug`, aliasing X-mut to X where the
    bug's target has no request mutator."""
    have = configs_of.get(bug, [])
    use = cfg if cfg in have else cfg.replace("-mut", "")
    if use not in have:
        return []
    return [r["time_s"] if r["found"] else INF for r in results
            if r["bug"] == bug and r["config"] == use]


def median_time(ts, seconds):
    if not ts:
        return None
    m = statistics.median(ts)
    return None if m == INF else round(m, 2)


def fmt_cell(ts, seconds):
    if not ts:
        return "n/a"
    found = sum(1 for t in ts if t != INF)
    m = median_time(ts, seconds)
    return f"{found}/{len(ts)}, " + (f"{m:g} s" if m is not None else f"> {seconds} s")


def per_trial_found(results, bugs, cfg, configs_of, trials):
    """Bugs found in trial i (over `bugs`), for i = 1..trials."""
    counts = []
    for i in range(trials):
        n = 0
        for b in bugs:
            ts = times_of(results, b, cfg, configs_of)
            n += i < len(ts) and ts[i] != INF
        counts.append(n)
    return counts


def curve(results, bugs, cfg, configs_of, trials, seconds):
    """[(t, mean over trials of the bugs found by t)] at every finding time, 0 and the end."""
    per_trial = [[] for _ in range(trials)]
    for b in bugs:
        for i, t in enumerate(times_of(results, b, cfg, configs_of)[:trials]):
            if t != INF:
                per_trial[i].append(t)
    events = sorted({0.0, float(seconds)} | {t for ts in per_trial for t in ts})
    return [(t, statistics.mean(sum(1 for x in ts if x <= t) for ts in per_trial))
            for t in events]


def plot(out: Path, curves, seconds):
    """bugs-found.png: mean bugs found by time t, one line per configuration."""
    return plots.lines(out / "bugs-found.png", f"Planted bugs found (mean over trials, {seconds} s)",
                       "seconds", "bugs found", curves, steps=True)


def report(infos, results, meta, out: Path):
    configs, seconds, trials = meta["configs"], meta["seconds"], meta["trials"]
    configs_of = {i["id"]: i.get("configs", []) for i in infos}
    ran = [i["id"] for i in infos if "error" not in i]
    rows = []
    for i in infos:
        cells = {c: fmt_cell(times_of(results, i["id"], c, configs_of), seconds) for c in configs}
        rows.append({"bug": i["id"], "target": i["target"], "cells": cells,
                     "seeds_left_out": len(i.get("seeds_left_out", [])),
                     "input_shows_it": i.get("input_shows_it"), "error": i.get("error")})
    pairs = {}
    for x, y in combinations(configs, 2):
        per_bug = {b: a12(times_of(results, b, x, configs_of), times_of(results, b, y, configs_of),
                          higher_better=False) for b in ran}
        overall = a12(per_trial_found(results, ran, x, configs_of, trials),
                      per_trial_found(results, ran, y, configs_of, trials))
        pairs[f"{x} vs {y}"] = {"overall": overall, "per_bug": per_bug}
    curves = {c: curve(results, ran, c, configs_of, trials, seconds) for c in configs}
    png = plot(out, curves, seconds)
    others = [r for r in results if r.get("other")]
    md = markdown(meta, rows, pairs, configs, ran, trials, png, others, infos)
    data = {"meta": meta, "bugs": infos, "results": results, "a12": pairs,
            "found_per_trial": {c: per_trial_found(results, ran, c, configs_of, trials)
                                for c in configs},
            "plot": png}
    (out / "report.json").write_text(json.dumps(data, indent=1, default=str))
    (out / "report.md").write_text(md)
    return {"markdown": md, "json": data}


def markdown(meta, rows, pairs, configs, ran, trials, png, others, infos):
    lines = [f"# Bug benchmark: {len(rows)} planted bug(s), {trials} trial(s) x {meta['seconds']} s",
             "", f"- started {meta['started']}, {meta['elapsed_s']} s in all, {meta['jobs']} trial(s)"
             f" at a time, load average {meta['load_avg_end']:.2f} at the end",
             f"- command: `{meta['command']}`",
             "- seeds: " + ("none (--seedless: one newline)" if meta.get("seedless")
                            else "the corpus seeds, each one the mutant fails on left out"),
             "- cell: found/trials, median time to first finding (a trial that did not find it "
             "counts as slower than the time limit)", "",
             "| bug | target | " + " | ".join(configs) + " | seeds left out |",
             "| --- | --- | " + " | ".join("---" for _ in configs) + " | ---: |"]
    for r in rows:
        if r["error"]:
            lines.append(f"| {r['bug']} | {r['target']} | " + " | ".join("error" for _ in configs)
                         + " | |")
            continue
        flag = "" if r["input_shows_it"] else " (input does not show it!)"
        lines.append(f"| {r['bug']}{flag} | {r['target']} | "
                     + " | ".join(r["cells"][c] for c in configs) + f" | {r['seeds_left_out']} |")
    lines += ["", "## Vargha-Delaney A12", "",
              "Overall: on bugs found per trial (higher is better for the first named); per bug: "
              "on time to first finding (faster is better).", "",
              "| pair | overall | per bug (A12 of the first named) |", "| --- | ---: | --- |"]
    for name, p in pairs.items():
        per = ", ".join(f"{b} {v:.2f}" for b, v in p["per_bug"].items() if v is not None)
        ov = f"{p['overall']:.2f}" if p["overall"] is not None else "n/a"
        lines.append(f"| {name} | {ov} | {per} |")
    for i in infos:
        if i.get("note"):
            lines.append(f"\n- {i['id']}: {i['note']}")
        if i.get("error"):
            lines.append(f"\n- {i['id']}: {i['error']}")
    if others:
        lines += ["", "Findings the product also fails on (real bugs, not the planted one): "
                  + ", ".join(r["other"] for r in others[:10])]
    if png:
        lines += ["", f"![bugs found over time]({Path(png).name})"]
    lines += ["", "Bugs: " + "; ".join(f"{i['id']}: {i['description']}" for i in infos)]
    return "\n".join(lines) + "\n"
