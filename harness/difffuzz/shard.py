"""Beyond one machine: `--shard K/N` (over servers and seeds) and the merge of campaign directories.

Shards split the servers round-robin (sorted by name); when there are more shards than servers,
the shards that share a server split its corpus seeds instead. Each shard mixes K into the
mutation seed, so shards never repeat each other's inputs. `merge` reads each directory's
summary.json and writes one campaign directory: servers' counts summed, findings deduplicated
by (server, rule, shape) keeping the smallest request.
"""
from __future__ import annotations

import base64
import json
import re
from pathlib import Path

SHARD = re.compile(r"([1-9][0-9]*)/([1-9][0-9]*)")


def parse(text: str) -> tuple[int, int]:
    """'K/N' -> (K, N), 1 <= K <= N; ValueError naming the option otherwise."""
    m = SHARD.fullmatch(text.strip())
    if not m or int(m[1]) > int(m[2]):
        raise ValueError(f"--shard must be K/N with 1 <= K <= N, not {text!r}")
    return int(m[1]), int(m[2])


def select(names: list[str], seeds: list, k: int, n: int) -> tuple[list[str], list]:
    """This shard's servers and corpus seeds."""
    names = sorted(names)
    if not names or n == 1:
        return names, seeds
    if n <= len(names):
        return [x for i, x in enumerate(names) if i % n == k - 1], seeds
    mine = names[(k - 1) % len(names)]
    sharing = [j for j in range(1, n + 1) if (j - 1) % len(names) == (k - 1) % len(names)]
    rank = sharing.index(k)
    return [mine], [s for i, s in enumerate(seeds) if i % len(sharing) == rank]


def mix_seed(seed: int, k: int, n: int) -> int:
    return seed if n == 1 else seed * 1_000_003 + k


def _len(f: dict) -> int:
    return len(base64.b64decode(f["request_b64"]))


def merge(dirs: list[Path]) -> dict:
    """One summary document from several campaign directories (ValueError naming a bad one)."""
    docs = []
    for d in dirs:
        p = Path(d) / "summary.json"
        try:
            docs.append(json.loads(p.read_text()))
        except OSError as e:
            raise ValueError(f"{p}: {e.strerror or e}") from None
        except ValueError as e:
            raise ValueError(f"{p}: not JSON ({e})") from None
        if not isinstance(docs[-1], dict) or "findings" not in docs[-1] or "meta" not in docs[-1]:
            raise ValueError(f"{p}: not a campaign summary (no meta/findings)")
    servers: dict[str, dict] = {}
    for doc in docs:
        for s in doc["servers"]:
            row = servers.setdefault(s["name"], {k: 0 for k in ("exchanges", "skipped", "errors",
                                                                "restarts")} | {"name": s["name"], "dead": ""})
            for k in ("exchanges", "skipped", "errors", "restarts"):
                row[k] += s[k]
            row["dead"] = row["dead"] or s.get("dead", "")
    best: dict[tuple, dict] = {}
    for doc in docs:
        for f in doc["findings"]:
            key = (f["server"], f["rule"], json.dumps(f["shape"]))
            cur = best.get(key)
            if cur is None or (f["confirmed"], -_len(f)) > (cur["confirmed"], -_len(cur)):
                best[key] = f
    metas = [d["meta"] for d in docs]
    elapsed = max(m["elapsed_seconds"] for m in metas)
    exchanges = sum(m["exchanges"] for m in metas)
    meta = {"merged_from": [str(d) for d in dirs], "elapsed_seconds": elapsed,
            "inputs": sum(m["inputs"] for m in metas), "exchanges": exchanges,
            "exchanges_per_second": round(sum(m["exchanges_per_second"] for m in metas), 1),
            "corpus": sum(m["corpus"] for m in metas),
            "corpus_seeds": max(m["corpus_seeds"] for m in metas),
            "seed": ",".join(str(m["seed"]) for m in metas),
            "shard": ",".join(str(m["shard"]) for m in metas),
            "untriaged": sum(m.get("untriaged", 0) for m in metas),
            "interrupted": any(m.get("interrupted") for m in metas)}
    return {"schema": docs[0].get("schema", 1), "meta": meta,
            "servers": sorted(servers.values(), key=lambda s: s["name"]),
            "findings": sorted(best.values(), key=lambda f: (f["server"], f["rule"], _len(f))),
            "raw": [r for d in docs for r in d.get("raw", [])]}
