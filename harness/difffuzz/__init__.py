"""Differential fuzzing of live servers (issue 14; docs/difffuzz.md).

gen.py (the mutator library, in batches), engine.py (non-blocking exchanges), oracle.py (the
core's decision and the rules' verdicts, through the report's own observe/compare path),
feedback.py (behaviour vectors, the campaign corpus), campaign.py (the loop, restarts),
triage.py (ddmin via harness/minimise.py, confirmation, repro lines), output.py (the campaign
directory), shard.py (--shard, merge), cli.py (`python3 -m harness.difffuzz`).
"""
