"""An adapter's quirks.per_process marks a cell flaky (issue 11: HAProxy decides one trailer case
once per process at random, so no re-run on the same process can show the other answer)."""
from conftest import case

from harness import catalog, matrix

OK = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


def test_per_process_cells_are_marked_flaky_with_the_reason(fake_server):
    srv = fake_server("ok", quirks={"per_process": {"t/b": "200 or 400 per process"}})
    cells = matrix.run_server(srv, [case(OK, id="t/a"), case(OK, id="t/b")], modes=("whole",))
    by = {c.case: c for c in cells}
    assert not any("flaky" in n for n in by["t/a"].obs.notes)
    assert any("flaky: decided once per process" in n for n in by["t/b"].obs.notes)
    assert "200 or 400 per process" in by["t/b"].verdict.detail


def test_haproxy_adapter_names_its_per_process_case():
    q = catalog.load()["haproxy"].quirks["per_process"]
    assert "syntax/trailer_space_before_colon" in q
