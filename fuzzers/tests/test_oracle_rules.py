"""OC_RULE_MAP (fuzzers/oracle_rules.h) is the one list of oracle rule ids: the README table is
generated from it, every id the code prints is in it, and every id in it is printed somewhere."""
import pathlib
import re

import oracle_table  # fuzzers/ is on pytest's pythonpath (pyproject.toml)

FUZZERS = pathlib.Path(__file__).resolve().parent.parent

# A rule id is the string literal right before the citation in OC_CHECK/oc_fail/same(), or one
# side of the `101 ? "a" : "b"` choice in rules_response.c.
CITED = re.compile(r'"([a-z0-9]+(?:-[a-z0-9]+)*)",\s*"(?:RFC |switchyard\.h|reasons\.h)')
CHOSEN = re.compile(r'\?\s*"([0-9]{3}-[a-z-]+)"\s*:\s*"([0-9]{3}-[a-z-]+)"')


def printed_ids():
    ids = set()
    for path in FUZZERS.glob("*.c"):
        text = path.read_text(encoding="utf-8")
        ids.update(CITED.findall(text))
        for pair in CHOSEN.findall(text):
            ids.update(pair)
    return ids


def test_table_has_unique_ids():
    ids = [r[0] for r in oracle_table.rules()]
    assert len(ids) > 50 and len(ids) == len(set(ids))
    assert all(rfc and rule for _, rfc, rule in oracle_table.rules())


def test_every_printed_id_is_listed_and_every_listed_id_printed():
    listed = {r[0] for r in oracle_table.rules()}
    printed = printed_ids()
    assert printed - listed == set(), "printed but not in OC_RULE_MAP"
    assert listed - printed == set(), "in OC_RULE_MAP but never printed"


def test_readme_table_is_current():
    text = oracle_table.README.read_text(encoding="utf-8")
    assert oracle_table.render(text) == text, "run fuzzers/oracle_table.py --write"


def test_no_citation_outside_the_repository():
    for path in list(FUZZERS.glob("*.[ch]")) + [oracle_table.README]:
        assert "house style §" not in path.read_text(encoding="utf-8"), path.name
