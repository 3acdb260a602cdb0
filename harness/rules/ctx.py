"""What every rule check sees (Ctx) and returns (Outcome), and the Rule record.

Each rule has an id, the RFC section, a level, the requirement's sentence quoted short, and a
check over a Ctx (the request's facts from the core, in-process; the server's observation; what
the server claims to speak). A check returns NA (the rule does not apply to this request or
answer), OK (satisfied) or broken(detail) (violated, with the bytes that break it named).

Levels and the verdict a broken rule gives (compare.classify takes the worst):
  MUST     fail      a MUST or MUST NOT sentence that the observed bytes contradict
  SHOULD   warn      a SHOULD sentence, or an answer of another kind than the reference's for a
                     request whose rule is a requirement (the rule the reason cites)
  INTEROP  interop   a valid request refused while the textbook one is accepted, or two requests
                     RFC 9110 makes equivalent decided differently (relations.py resolves these)
  PREFER   warn      the manifest's `prefer`: another answer the RFC allows
  SECURITY security  a chain let a request past the proxy (rules/chain.py): no MUST sentence
                     forbids it in so many words, so never a Fail
A choice the RFC leaves open is never a rule here. The README's rule table is generated from
RULES (scripts/docs.py); `make test` fails when it is stale.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, NamedTuple

from .. import core
from .. import observe as o
from ..cases import Case
from ..normalise import tokens

LEVELS = ("MUST", "SHOULD", "INTEROP", "PREFER", "SECURITY")


class Outcome(NamedTuple):
    state: str                  # "n/a" | "ok" | "broken"
    detail: str = ""


NA = Outcome("n/a")
OK = Outcome("ok")


def broken(detail: str) -> Outcome:
    return Outcome("broken", detail)


def request_line(raw: bytes) -> bytes:
    """The request's first line without its line end, read from the bytes: the core records no
    version when it stops at the start line or right after it."""
    return raw.split(b"\n", 1)[0].rstrip(b"\r")


def http09_form(raw: bytes) -> bool:
    """The request line has no third part (method SP target): HTTP/0.9's form, with no fields."""
    return len(request_line(raw).split()) < 3


@dataclass(frozen=True)
class Ctx:
    case: Case
    obs: o.Observation
    supports: tuple[str, ...] | None = None
    relays: bool = False        # a proxy (or chain row): it forwards answers its backend made

    @cached_property
    def facts(self) -> core.RequestFacts:
        """The request as the core reads it, with the reference's default policy."""
        return core.facts(self.case.raw)

    @cached_property
    def ws(self) -> core.RequestFacts:
        """The request as the core reads it where its path is a WebSocket resource: the core
        says whether it is a valid RFC 6455 handshake, and if not, why."""
        path = self.facts.path or ""
        if not path.startswith("/") or any(c in path for c in " \t#\r\n"):
            return self.facts
        return core.facts(self.case.raw, policy=f"route {path} websocket\n")

    @property
    def partial(self) -> bool:
        """The core stopped at an error inside the header section: field lines after it were
        never read, so what the facts say a field holds (or lacks) is not the whole request."""
        f = self.facts
        return f.error is not None and (f.head_len == 0 or f.error_offset <= f.head_len)

    @property
    def status(self) -> int | None:
        return self.obs.status

    @property
    def answered(self) -> bool:
        return self.obs.status is not None

    @property
    def closed_unanswered(self) -> bool:
        return self.obs.decision == o.CLOSE

    def speaks(self, proto: str) -> bool:
        return self.supports is None or proto in self.supports

    def upgrade_tokens(self) -> tuple[str, ...]:
        return tokens(self.obs.header("Upgrade"))


@dataclass(frozen=True)
class Rule:
    id: str
    rfc: str
    level: str
    sentence: str
    check: Callable[[Ctx], Outcome]


def shown(b: bytes | None, cap: int = 60) -> str:
    return repr((b or b"")[:cap].decode("latin-1"))


def status_line(ctx: Ctx) -> str:
    return shown(ctx.obs.raw.split(b"\r\n", 1)[0])


