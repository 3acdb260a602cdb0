"""harness/minimise.py: ddmin with synthetic predicates (no servers)."""
from harness.minimise import Budget, ddmin, lines, minimise


def test_ddmin_finds_the_two_needed_items():
    assert ddmin(list(range(40)), lambda xs: 7 in xs and 31 in xs) == [7, 31]


def test_ddmin_respects_its_budget():
    b = Budget(max_tests=5)
    out = ddmin(list(range(100)), lambda xs: 99 in xs, b)
    assert b.tests <= 5 and 99 in out


def test_lines_keep_their_terminators():
    assert lines(b"a\r\nb\nc") == [b"a\r\n", b"b\n", b"c"]


def test_minimise_keeps_the_head_shape():
    raw = (b"GET /live HTTP/1.1\r\nHost: localhost\r\nX-Pad: aaaa\r\nUpgrade: websocket\r\n"
           b"Connection: Upgrade\r\n\r\n")
    small = minimise(raw, lambda r: b"socket" in r)
    assert small.startswith(b"GET /live HTTP/1.1\r\n") and small.endswith(b"\r\n\r\n")
    assert small == b"GET /live HTTP/1.1\r\nsocket\r\n\r\n"


def test_minimise_returns_input_when_the_predicate_does_not_hold():
    assert minimise(b"GET / HTTP/1.1\r\n\r\n", lambda r: False) == b"GET / HTTP/1.1\r\n\r\n"


def test_minimise_pins_the_request_line_the_core_reads_after_empty_lines():
    # RFC 9112 §2.2: the empty lines before the request line stay with it; the field lines go
    raw = (b"\r\n\r\nGET /live HTTP/1.1\r\nHost: localhost\r\nX-Pad: aaaa\r\n"
           b"Upgrade: websocket\r\n\r\n")
    small = minimise(raw, lambda r: b"socket" in r and b"GET /live" in r)
    assert small == b"\r\n\r\nGET /live HTTP/1.1\r\nsocket\r\n\r\n"
