"""Checks of message syntax and framing (RFC 9112), of the connection after the answer, and of
the answer's kind against the reference's."""
from __future__ import annotations

from .. import core
from .. import observe as o
from .ctx import NA, OK, Ctx, Outcome, broken, http09_form, request_line

HOST_REASONS = frozenset({"HOST_MISSING", "HOST_REPEATED", "HOST_INVALID"})
FRAMING_400 = frozenset({"CONTENT_LENGTH_INVALID", "CONTENT_LENGTH_REPEATED", "TE_UNSUPPORTED"})
# Reasons whose rule lets a server process the request instead of refusing it: reject or replace
# (bare CR, RFC 9112 §2.2; CR/LF/NUL and other CTLs, RFC 9110 §5.5; obs-fold, RFC 9112 §5.2), or
# process and then close (Transfer-Encoding in HTTP/1.0, RFC 9112 §6.1).
SERVING_ALLOWED = frozenset({"BARE_CR", "CTL_IN_FIELD", "OBS_FOLD", "TE_HTTP10"})


def _list_elements(raw: bytes, name: bytes) -> list[bytes]:
    """The list elements, OWS (SP or HTAB) trimmed, of every field line named `name` (lower
    case) in the head's CRLF lines: read from the bytes, for questions the core stops before
    answering (it stops at the second Content-Length, and wherever llhttp refuses)."""
    out = []
    for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        n, colon, value = line.partition(b":")
        if colon and n.lower() == name:
            out += [v.strip(b" \t") for v in value.split(b",")]
    return out


def identical_lengths(raw: bytes) -> bool:
    """Every Content-Length value in the head (field lines and list elements) is the same decimal:
    RFC 9110 §8.6 lets a recipient accept that as one ("MAY either reject the message as invalid
    or replace the duplicated field values with a single valid Content-Length field")."""
    values = _list_elements(raw, b"content-length")
    return len(values) > 1 and values[0].isdigit() and all(v == values[0] for v in values)


def _line_version(raw: bytes) -> bytes:
    """The request line's last part (its HTTP-version when it has one)."""
    return request_line(raw).rsplit(b" ", 1)[-1]


def _other_version(raw: bytes) -> bool:
    """The request line names neither HTTP/1.1 nor HTTP/1.0: a server may answer 505 (RFC 9110
    §15.6.6) before reading any field line (processing HTTP/1.2 as 1.1 is only a SHOULD,
    RFC 9110 §2.5)."""
    return _line_version(raw) not in (b"HTTP/1.1", b"HTTP/1.0")


def _in_header_section(ctx: Ctx) -> bool:
    """The core's error is in the header section (not in content or the trailer section)."""
    f = ctx.facts
    return f.head_len == 0 or f.error_offset <= f.head_len


def _must_400(ctx: Ctx, reasons, what: str, also: tuple[int, ...] = ()) -> Outcome:
    if ctx.facts.reason not in reasons or not _in_header_section(ctx):
        return NA
    if http09_form(ctx.case.raw):
        return NA               # no HTTP-version: an HTTP/0.9 request line, which has no fields
    if ctx.status == 400 or ctx.status in also:
        return OK
    if ctx.status == 505 and _other_version(ctx.case.raw):
        return OK
    if ctx.closed_unanswered:
        return broken(f"closed without an answer to a request with {what}")
    if ctx.status is None:
        return NA
    return broken(f"{ctx.status} to a request with {what}")


def host_400(ctx: Ctx) -> Outcome:
    what = {"HOST_MISSING": "no Host", "HOST_REPEATED": "two Host field lines",
            "HOST_INVALID": "an invalid Host"}.get(ctx.facts.reason, "")
    return _must_400(ctx, HOST_REASONS, what)


def space_before_colon_400(ctx: Ctx) -> Outcome:
    return _must_400(ctx, {"SPACE_BEFORE_COLON"}, "whitespace between a field name and the colon")


def chunked_final(raw: bytes) -> bool:
    """Transfer-Encoding's codings, read with OWS (SP or HTAB) trimmed, end in one chunked: a
    valid framing that llhttp still refuses when a tab follows `chunked` (so the core says
    TE_UNSUPPORTED); no rule may call a server wrong for reading it as the RFC does."""
    codings = [c.lower() for c in _list_elements(raw, b"transfer-encoding") if c]
    return bool(codings) and codings[-1] == b"chunked" and codings.count(b"chunked") == 1


def framing_may_be_valid(reason: str, raw: bytes) -> bool:
    """The core refused the framing (`reason`), but the RFC lets a recipient read it: one length
    given twice, or codings that end in chunked once the tab llhttp refuses is read as OWS."""
    if reason == "TE_UNSUPPORTED":
        return chunked_final(raw)
    return reason in ("CONTENT_LENGTH_REPEATED", "CONTENT_LENGTH_INVALID") and identical_lengths(raw)


def _framing_may_be_valid(ctx: Ctx) -> bool:
    return framing_may_be_valid(ctx.facts.reason, ctx.case.raw)


def framing_400(ctx: Ctx) -> Outcome:
    if _framing_may_be_valid(ctx):
        return NA
    # RFC 9112 §6.1 lets a server answer 501 to a transfer coding it does not understand
    also = (501,) if ctx.facts.reason == "TE_UNSUPPORTED" else ()
    what = {"CONTENT_LENGTH_INVALID": "an invalid Content-Length",
            "CONTENT_LENGTH_REPEATED": "Content-Length field lines that disagree",
            "TE_UNSUPPORTED": "a Transfer-Encoding whose final coding is not chunked"}
    return _must_400(ctx, FRAMING_400, what.get(ctx.facts.reason, ""), also)


def _host_outside_indented(raw: bytes) -> bool:
    """A Host field line that is not one of the whitespace-preceded lines after the start line."""
    lines = raw.split(b"\r\n\r\n", 1)[0].split(b"\n")[1:]
    while lines and lines[0][:1] in (b" ", b"\t"):
        lines.pop(0)
    return any(ln.split(b":", 1)[0].lower() == b"host" for ln in lines)


def start_line_space(ctx: Ctx) -> Outcome:
    """A whitespace-preceded line after the start line: rejected, or consumed unprocessed. The
    corpus puts Host there, so a 2xx or 101 means Host was processed from it (this rule) or a
    request without Host was served (the Host rule's MUST): either way a MUST is broken."""
    if ctx.facts.reason != "SPACE_AFTER_START_LINE":
        return NA
    if ctx.status is None or ctx.status >= 400:
        return OK if ctx.answered else NA
    if _line_version(ctx.case.raw) != b"HTTP/1.1" or _host_outside_indented(ctx.case.raw):
        return NA       # served with the lines consumed unprocessed is allowed: only a Host
                        # that HTTP/1.1 needs and only an indented line holds tells them apart
    return broken(f"{ctx.status} to a request whose only field lines follow the start line with "
                  f"leading whitespace")


def _must_close(reasons):
    def check(ctx: Ctx) -> Outcome:
        if ctx.facts.reason not in reasons or ctx.status is None or _framing_may_be_valid(ctx):
            return NA
        if ctx.obs.tail == "http":
            return broken(f"answered {ctx.status}, then answered another request on the same "
                          f"connection ({ctx.obs.tail_status})")
        if ctx.obs.fate == "open" and ctx.obs.tail is None:
            return NA       # nothing was sent after the answer: a connection still open then
                            # may be one the server closes at the next bytes, serving none
        if ctx.obs.fate == "open":
            after = "a request sent after it got no answer and " if ctx.obs.tail == "silent" else ""
            return broken(f"answered {ctx.status}, then {after}the connection stayed open")
        return OK
    return check


framing_close = _must_close(FRAMING_400)
cl_te_close = _must_close({"CL_WITH_TE"})
te_http10_close = _must_close({"TE_HTTP10"})
MUST_CLOSE = FRAMING_400 | {"CL_WITH_TE", "TE_HTTP10"}


# ---- what follows the answer on the connection ----

def tail_after_101(ctx: Ctx) -> Outcome:
    if ctx.status != 101 or ctx.obs.tail is None:
        return NA
    if ctx.obs.tail == "http":
        return broken(f"after the 101, the bytes sent next were answered as HTTP/1.1 "
                      f"({ctx.obs.tail_status})")
    return OK


def tail_after_refusal(ctx: Ctx) -> Outcome:
    if ctx.status is None or ctx.status == 101 or ctx.obs.tail is None:
        return NA
    if ctx.facts.reason in MUST_CLOSE:
        return NA
    if ctx.obs.tail == "protocol":
        return broken(f"after {ctx.status} (no switch), the next request got bytes that are no "
                      f"HTTP/1.1 response")
    return OK


def tail_unanswered(ctx: Ctx) -> Outcome:
    if (ctx.status is None or ctx.status == 101 or ctx.obs.tail is None
            or ctx.facts.reason in MUST_CLOSE or ctx.case.tail == "ws"):
        return NA    # frame bytes after a refusal are no complete request line to answer
    if ctx.obs.tail == "silent":
        return broken(f"after {ctx.status}, a request sent on the same connection got no answer "
                      f"and the connection stayed open (tunnel on intent?)")
    return OK


# ---- the kind of answer, against the reference's ----

def kind(status: int | None, decision: str) -> str:
    if decision == o.CLOSE:
        return "closed"
    if status is None:
        return ""
    if status == 101:
        return "switched"
    return "refused" if status >= 400 else "served"


def reference_kind(ctx: Ctx) -> Outcome:
    """For a request the reference refuses for a MUST or SHOULD reason, an answer of another kind:
    served, or closed without an answer. Status codes within a kind are not judged
    here (the MUST rules name the ones they require)."""
    f = ctx.facts
    if (f.reason == "WS_SWITCH" or f.reason in SERVING_ALLOWED
            or f.reason_level not in ("MUST", "SHOULD")):
        return NA
    ref, got = kind(f.status, "answer"), kind(ctx.status, ctx.obs.decision)
    if ref != "refused" or not got or got == "switched":
        return NA                   # a switch is judged by the switch rules
    if got == ref:
        return OK
    return broken(f"{got} ({ctx.status or 'no answer'}) where the reference refuses with "
                  f"{f.status} {f.reason} ({f.reason_rfc} {f.reason_level}: "
                  f"{core.reason_info(f.reason).text})")


def declined_valid(ctx: Ctx) -> Outcome:
    """A valid handshake (the reference switches) that the server declines. A server MAY decline
    (RFC 9110 §7.8, RFC 6455 §4.2.2); relations.py keeps it as interop only where the same server
    accepts the textbook handshake (websocket/valid_handshake) in the same mode."""
    if ctx.facts.reason != "WS_SWITCH" or ctx.obs.decision in (o.TIMEOUT, o.NOCONNECT):
        return NA
    if ctx.status == 101:
        return OK
    if ctx.status == 403 and ctx.facts.values("Origin"):
        return OK                   # RFC 6455 §4.2.2 names 403 for an origin it does not accept
    return broken(f"declined a valid handshake: {ctx.status or 'closed without an answer'}")


def prefer(ctx: Ctx) -> Outcome:
    p = ctx.case.prefer
    if p is None or ctx.status is None:
        return NA
    return OK if ctx.status == p else broken(f"{ctx.status}: allowed, but the manifest prefers {p}")


def equivalent(ctx: Ctx) -> Outcome:
    """Judged across cells (relations.py): the table row documents it."""
    return NA
