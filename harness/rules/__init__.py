"""THE table of the harness's rules: what an answer to a request must (or should) be.

One row per rule: id, RFC section, level, the requirement's sentence quoted short, and its check
(ctx.py says what a check sees and returns; the checks live by concern in upgrade.py,
websocket.py and message.py). compare.classify applies every row to a cell and takes the worst;
the README's rule table is generated from RULES (scripts/docs.py --check keeps it true).
"""
from __future__ import annotations

from . import message as m
from .chain import CHAIN_RULES
from . import upgrade as u
from . import websocket as w
from .ctx import LEVELS, NA, OK, Ctx, Outcome, Rule, broken

__all__ = ["RULES", "CHAIN_RULES", "BY_ID", "LEVELS", "NA", "OK", "Ctx", "Outcome", "Rule", "broken"]

RULES: tuple[Rule, ...] = (
    # the answer is HTTP/1.x
    Rule("answer-is-http", "RFC 9110 §2.2", "MUST",
         "a sender MUST NOT generate protocol elements that do not match the grammar defined by "
         "the corresponding ABNF rules", u.answer_is_http),
    Rule("response-version", "RFC 9110 §6.2", "MUST",
         "A server MUST NOT send a version to which it is not conformant.", u.response_version),
    # the switch
    Rule("101-names-protocol", "RFC 9110 §7.8", "MUST",
         "A server that sends a 101 (Switching Protocols) response MUST send an Upgrade header "
         "field to indicate the new protocol(s) to which the connection is being switched",
         u.names_protocol_101),
    Rule("switch-to-offered", "RFC 9110 §7.8", "MUST",
         "A server MUST NOT switch to a protocol that was not indicated by the client in the "
         "corresponding request's Upgrade header field.", u.switch_to_offered),
    Rule("upgrade-needs-connection", "RFC 9110 §7.8", "MUST",
         "When Upgrade is sent, the sender MUST also send a Connection header field (Section "
         "7.6.1) that contains an \"upgrade\" connection option", u.upgrade_needs_connection),
    Rule("http10-upgrade-ignored", "RFC 9110 §7.8", "MUST",
         "A server MUST ignore an Upgrade header field that is received in an HTTP/1.0 request.",
         u.http10_upgrade_ignored),
    Rule("426-names-protocol", "RFC 9110 §15.5.22", "MUST",
         "The server MUST send an Upgrade header field in a 426 response to indicate the required "
         "protocol(s)", u.names_protocol_426),
    Rule("h2c-one-settings", "RFC 7540 §3.2.1", "MUST",
         "A server MUST NOT upgrade the connection to HTTP/2 if this header field is not present "
         "or if more than one is present.", u.h2c_one_settings),
    Rule("h2-not-cleartext", "RFC 7540 §3.2", "MUST",
         "A server MUST ignore an \"h2\" token in an Upgrade header field.", u.h2_not_cleartext),
    # WebSocket
    Rule("ws-refuse-invalid", "RFC 6455 §4.2.1", "MUST",
         "the server MUST stop processing the client's handshake and return an HTTP response with "
         "an appropriate error code (such as 400 Bad Request)", w.refuse_invalid),
    Rule("ws-accept", "RFC 6455 §4.2.2", "MUST",
         "If the server chooses to accept the incoming connection, it MUST reply with a valid HTTP "
         "response indicating the following. ... A |Sec-WebSocket-Accept| header field [whose "
         "value is base64(SHA-1(key + GUID))]", w.accept),
    Rule("ws-version-header", "RFC 6455 §4.4", "MUST",
         "If the server doesn't support the requested version, it MUST respond with a "
         "|Sec-WebSocket-Version| header field (or multiple |Sec-WebSocket-Version| header "
         "fields) containing all versions it is willing to use.", w.version_header),
    # message syntax and framing
    Rule("host-400", "RFC 9112 §3.2", "MUST",
         "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1 request "
         "message that lacks a Host header field and to any request message that contains more "
         "than one Host header field line or a Host header field with an invalid field value.",
         m.host_400),
    Rule("space-before-colon-400", "RFC 9112 §5.1", "MUST",
         "A server MUST reject, with a response status code of 400 (Bad Request), any received "
         "request message that contains whitespace between a header field name and colon.",
         m.space_before_colon_400),
    Rule("start-line-space", "RFC 9112 §2.2", "MUST",
         "A recipient that receives whitespace between the start-line and the first header field "
         "MUST either reject the message as invalid or consume each whitespace-preceded line "
         "without further processing of it", m.start_line_space),
    Rule("framing-400", "RFC 9112 §6.3", "MUST",
         "If it is a request message, the server MUST respond with a 400 (Bad Request) status "
         "code and then close the connection.", m.framing_400),
    Rule("framing-close", "RFC 9112 §6.3", "MUST",
         "the server MUST respond with a 400 (Bad Request) status code and then close the "
         "connection", m.framing_close),
    Rule("cl-te-close", "RFC 9112 §6.1", "MUST",
         "Regardless, the server MUST close the connection after responding to such a request "
         "to avoid the potential attacks.", m.cl_te_close),
    Rule("te-http10-close", "RFC 9112 §6.1", "MUST",
         "A server or client that receives an HTTP/1.0 message containing a Transfer-Encoding "
         "header field MUST treat the message as if the framing is faulty, even if a "
         "Content-Length is present, and close the connection after processing the message.",
         m.te_http10_close),
    # the connection after the answer
    Rule("tail-after-101", "RFC 9110 §7.8", "MUST",
         "A server that sends a 101 (Switching Protocols) response MUST send an Upgrade header "
         "field to indicate the new protocol(s) to which the connection is being switched "
         "[so what follows the 101 is that protocol, not HTTP/1.1]", m.tail_after_101),
    Rule("tail-after-refusal", "RFC 9110 §2.2", "MUST",
         "a sender MUST NOT generate protocol elements that do not match the grammar defined by "
         "the corresponding ABNF rules [no switch was announced: the connection is still "
         "HTTP/1.1]", m.tail_after_refusal),
    Rule("tail-unanswered", "RFC 9110 §7.8", "SHOULD",
         "A server MAY ignore a received Upgrade header field if it wishes to continue using the "
         "current protocol on that connection. [A request after a refusal that gets no answer "
         "on an open connection suggests a tunnel opened on intent.]", m.tail_unanswered),
    Rule("reference-kind", "the reason's section", "SHOULD",
         "[The reference refuses this request for a rule at MUST or SHOULD level; this server "
         "served it, or closed without an answer. The specific MUST rules above decide a Fail.]",
         m.reference_kind),
    # interoperability: never a Fail
    Rule("declined-valid", "RFC 9110 §7.8", "INTEROP",
         "A server MAY ignore a received Upgrade header field [: allowed, but a server that "
         "accepts the textbook handshake and declines this valid one does not interoperate]",
         m.declined_valid),
    Rule("equivalent-requests", "RFC 9110 §5.3, §5.6.1", "INTEROP",
         "[Requests the RFC makes equivalent (one field line or the same list over several, §5.3; "
         "token case; OWS and empty list elements, §5.6.1) decided differently by one server.]",
         m.equivalent),
    Rule("prefer", "the manifest", "PREFER",
         "[The manifest's `prefer`: another answer the RFC allows.]", m.prefer),
)

# A chain to the sentinel is judged by CHAIN_RULES alone (rules/chain.py: what the proxy forwarded,
# from both ends); every other cell by RULES.
BY_ID = {r.id: r for r in RULES + CHAIN_RULES}
assert len(BY_ID) == len(RULES) + len(CHAIN_RULES), "rule ids must be unique"
