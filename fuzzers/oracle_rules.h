/* SPDX-License-Identifier: MIT */
/* oracle_rules.h: every rule id an oracle prints (SY-ORACLE rule=<id>), with the text it rests on
 * and one sentence. oc_fail refuses an id not listed here; fuzzers/oracle_table.py writes
 * fuzzers/README.md's oracle table from it, and fuzzers/tests/test_oracle_rules.py fails when
 * that table is stale or when the code prints an id missing here (or never prints one listed).
 * XX(id, what it rests on, rule) */
#ifndef SY_FUZZ_ORACLE_RULES_H
#define SY_FUZZ_ORACLE_RULES_H

/* clang-format off */
#define OC_RULE_MAP(XX)                                                                            \
  /* ---- one decision (rules_decision.c) ---- */                                                  \
  XX("reason-cites-rfc", "reasons.h SY_REASON_MAP",                                                \
     "every decision's reason exists and cites `RFC n §x`")                                        \
  XX("status-is-reason-status", "reasons.h SY_REASON_MAP",                                         \
     "status = the reason row's status (405/400 by policy for `WS_METHOD`)")                       \
  XX("switch-iff-101", "RFC 9110 §15.2.2", "status 101 ⇔ fate SWITCH")                             \
  XX("consumed-within-input", "switchyard.h sy_decide",                                            \
     "`consumed` and `switch_offset` never point past the input")                                  \
  XX("malformed-closes", "RFC 9112 §6.3", "a malformed request is a 4xx/5xx and closes")           \
  XX("switch-offset", "RFC 9110 §7.8", "a 101 switches right after its message")                   \
  XX("switch-needs-strict-head", "RFC 9112 §2.2",                                                  \
     "a 101 only to a head our own strict reader accepts (CRLF, token names, no CTL)")             \
  XX("switch-needs-get", "RFC 6455 §4.2.1", "a WebSocket 101 only to `GET`")                       \
  XX("switch-needs-http11", "RFC 9110 §7.8, §2.5",                                                 \
     "a 101 only to HTTP/1.1 (or a later 1.x minor, processed as 1.1)")                            \
  XX("switch-needs-websocket-route", "RFC 9110 §7.8",                                              \
     "the target's path (RFC 3986 §3.2, computed here) is a WebSocket route")                      \
  XX("switch-needs-one-host", "RFC 9112 §3.2", "a WebSocket 101 only with exactly one Host")       \
  XX("switch-needs-connection-upgrade", "RFC 9110 §7.8", "Connection carries `upgrade`")           \
  XX("switch-needs-upgrade-websocket", "RFC 9110 §7.8", "Upgrade lists `websocket` (no version)")  \
  XX("switch-needs-version-13", "RFC 6455 §4.2.1", "one Sec-WebSocket-Version, and it is 13")      \
  XX("switch-needs-valid-key", "RFC 6455 §4.2.1", "one valid Sec-WebSocket-Key")                   \
  XX("accept-value", "RFC 6455 §4.2.2; switchyard.h sy_ws_accept",                                 \
     "Sec-WebSocket-Accept = base64(SHA-1(key + GUID)), computed with OpenSSL's EVP API")          \
  XX("handshake-accepted", "RFC 6455 §4.2.2",                                                      \
     "the converse: a textbook handshake on a WebSocket route gets 101")                           \
  XX("h2c-only-where-opted-in", "RFC 9113 §3.1", "an h2c 101 only on a route that opts in to h2c") \
  XX("switch-needs-upgrade-h2c", "RFC 9110 §7.8", "an h2c 101 only to an offer of `h2c`")          \
  XX("h2c-settings-connection-option", "RFC 7540 §3.2.1",                                          \
     "an h2c 101 only when Connection lists HTTP2-Settings")                                       \
  XX("h2c-needs-one-valid-settings", "RFC 7540 §3.2.1",                                            \
     "an h2c 101 only with exactly one valid HTTP2-Settings")                                      \
  XX("h2c-offer-accepted", "RFC 7540 §3.2",                                                        \
     "a textbook h2c offer (GET, HTTP/1.1, plain head, one valid HTTP2-Settings named in "         \
     "Connection) on a route that opts in (docs/policy.md) gets 101")                              \
  XX("tls-only-where-configured", "RFC 2817 §3.3",                                                 \
     "a TLS 101 only on a tls route (or OPTIONS * with one)")                                      \
  XX("tls-101-names-offered-version", "RFC 9110 §7.8",                                             \
     "a TLS 101 names a TLS version the client offered, then HTTP/1.1 if it was offered")          \
  XX("close-option-honoured", "RFC 9112 §9.6", "`Connection: close` in the request closes")        \
  /* ---- the bytes sent (rules_response.c) ---- */                                                \
  XX("render-fits", "switchyard.h sy_render",                                                      \
     "every decision renders into SY_MAX_RESPONSE_BYTES")                                          \
  XX("render-bounded", "switchyard.h sy_render",                                                   \
     "smaller buffers give `SY_ENOSPC` and are not written past")                                  \
  XX("response-wellformed", "RFC 9112 §4, §6.3; RFC 9110 §15.2.1",                                 \
     "llhttp parses the response; exact status line; framing ends where the bytes end")            \
  XX("response-fields-match", "RFC 9112 §5",                                                       \
     "the fields re-parsed are the decision's, then only Content-Type/Length")                     \
  XX("no-repeated-field", "RFC 9110 §5.3", "no field name twice in a response")                    \
  XX("content-length-rules", "RFC 9110 §8.6, §9.3.2; RFC 9112 §6.3",                               \
     "none in 1xx/204; otherwise present; HEAD: no body, the GET length")                          \
  XX("101-carries-upgrade", "RFC 9110 §15.2.2",                                                    \
     "a 101 carries Upgrade and the `upgrade` connection option; llhttp sees the switch")          \
  XX("426-carries-upgrade", "RFC 9110 §15.5.22",                                                   \
     "a 426 carries Upgrade and the `upgrade` connection option")                                  \
  XX("version-426-names-13", "RFC 6455 §4.4",                                                      \
     "a version mismatch 426 carries `Sec-WebSocket-Version: 13`")                                 \
  XX("close-announced", "RFC 9112 §9.6",                                                           \
     "a closing response says `Connection: close`, a keep-alive one does not")                     \
  XX("server-frame", "RFC 6455 §5.2, §5.4, §5.5",                                                  \
     "server frames: no RSV bits, unfragmented, known opcodes, minimal lengths, short controls")   \
  XX("server-frame-unmasked", "RFC 6455 §5.1", "server frames are not masked")                     \
  XX("server-close", "RFC 6455 §5.5.1, §7.4.1",                                                    \
     "a server Close has no 1-byte payload and only a code that may be sent")                      \
  XX("server-text-utf8", "RFC 6455 §8.1", "server text frames are valid UTF-8")                    \
  XX("nothing-after-close", "RFC 6455 §5.5.1", "no frame after the server's Close")                \
  /* ---- what the targets check themselves (fuzz_*.c) ---- */                                     \
  XX("errno-has-text", "switchyard.h SY_ERRNO_MAP", "every `SY_E*` returned has text")             \
  XX("oracle-setup", "RFC 6455 §1.3, §4.2.2",                                                      \
     "the oracles' own tools work (OpenSSL SHA-1; the RFC's sample key and accept)")               \
  XX("parse-return", "switchyard.h sy_request_parse",                                              \
     "sy_request_parse returns an error or a length within the input")                            \
  XX("parse-bounded", "RFC 6585 §5",                                                               \
     "a request still incomplete is within the head and body limits")                              \
  XX("deterministic", "switchyard.h (the core is pure)",                                           \
     "the same bytes (at another address) give the same decision and bytes")                      \
  XX("render-misuse", "switchyard.h sy_render", "misuse is `SY_EINVAL`")                           \
  XX("split-invariance", "RFC 9112 §2.2; RFC 6455 §5.4",                                           \
     "one read, random pieces and byte by byte give the same decisions and bytes")                 \
  XX("pipeline-invariance", "RFC 9112 §9.3.2",                                                     \
     "the input twice on one connection is answered twice")                                        \
  XX("read-pace-invariance", "RFC 9112 §9.3",                                                      \
     "a client reading its answers a few bytes at a time gets the same bytes")                     \
  XX("output-drains", "switchyard.h sy_conn_sent", "the connection's output always drains")        \
  XX("feed-progress", "switchyard.h sy_conn_feed",                                                 \
     "every feed takes bytes or ends the connection")                                              \
  XX("one-response-per-decision", "RFC 9112 §9.3",                                                 \
     "the output is exactly one response per decision, in order")                                  \
  XX("no-http-after-switch", "RFC 9110 §7.8", "no decision after a 101 on that connection")        \
  XX("no-1xx-to-http10", "RFC 9110 §15.2", "no 100 Continue to an HTTP/1.0 request")               \
  XX("continue-only-when-expected", "RFC 9110 §10.1.1",                                            \
     "100 Continue only to requests that asked for it")                                            \
  XX("request-timeout", "RFC 9110 §15.5.9", "408 at the header deadline and not before")           \
  XX("idle-timeout", "RFC 9112 §9.8; RFC 6455 §7.4.1",                                             \
     "an idle keep-alive connection closes silently; Close 1001 on an idle WebSocket")             \
  XX("eof-closes", "RFC 9112 §9.6; switchyard.h sy_conn_tick",                                     \
     "EOF closes; a closed connection has no deadline")                                            \
  XX("h2c-server-preface", "RFC 7540 §3.5", "after an h2c 101 the server's SETTINGS come first")   \
  XX("h2c-stream-1-answered", "RFC 7540 §3.2", "after an h2c 101 stream 1 is answered")            \
  XX("no-session-nothing-after-101", "switchyard.h SY_NO_SESSIONS",                                \
     "without sessions nothing follows a 101 but the close")                                       \
  XX("tls-plaintext-never-accepted", "RFC 2817 §3.3",                                              \
     "bytes after a TLS offer that do not open a TLS handshake record: nothing follows the 101, "  \
     "the connection closes (CVE-2025-49812's class)")                                             \
  XX("ws-frame-model", "RFC 6455 §5", "the server's frames equal the independent model's")         \
  XX("list-return", "switchyard.h sy_list_parse", "sy_list_parse returns 0 or `SY_ESYNTAX`")       \
  XX("list-syntax", "RFC 9110 §5.6.1, §5.6.2",                                                     \
     "sy_list_parse accepts exactly what an independent comma splitter accepts")                   \
  XX("list-elements", "RFC 9110 §5.6.1", "the elements are the independent splitter's")            \
  XX("list-combination", "RFC 9110 §5.3", "field lines = their comma-joined value")                \
  XX("list-roundtrip", "RFC 9110 §5.6.1", "parse(serialise(parse(x))) == parse(x)")                \
  XX("list-has", "RFC 9110 §7.6.1", "`sy_list_contains` finds every element parsed")             \
  XX("list-bounded", "switchyard.h sy_list", "at most SY_MAX_LIST_ITEMS, spans inside the input")  \
  XX("ws-key-valid", "RFC 6455 §4.1",                                                              \
     "`sy_ws_key_valid` ⇔ OpenSSL decode + re-encode gives the same 24 characters")                \
  XX("ws-key-handshake", "RFC 6455 §4.2.1", "a whole handshake with that key gets 101 ⇔ valid")    \
  XX("policy-return", "switchyard.h sy_policy_parse",                                              \
     "sy_policy_parse returns 0, `SY_ESYNTAX` or `SY_ELIMIT`")                                     \
  XX("policy-error-message", "switchyard.h sy_policy_parse",                                       \
     "error messages say the line and stay inside the caller's buffer")                            \
  XX("policy-wellformed", "switchyard.h sy_policy, sy_policy_add_route; RFC 9112 §3.2.1",          \
     "a parsed policy is within its limits, its routes absolute paths, each once")                 \
  XX("policy-roundtrip", "switchyard.h sy_policy_parse",                                           \
     "serialise then parse gives the same policy")                                                 \
  XX("h2-settings-valid", "RFC 7540 §3.2.1",                                                       \
     "`sy_h2_settings_value` ⇔ OpenSSL's base64 over the URL alphabet, canonical, valid values")   \
  XX("h2-settings-decode", "RFC 4648 §5", "the core decodes to the same payload as OpenSSL")       \
  XX("base64url-length", "RFC 4648 §5",                                                            \
     "the decoder returns an error or at most 3/4 of the characters")                              \
  XX("base64url-canonical", "RFC 4648 §3.5", "what the decoder accepts re-encodes to the input")   \
  XX("h2-settings-rules", "RFC 7540 §6.5.2", "a raw SETTINGS payload follows the value rules")     \
  XX("h2-settings-library-agrees", "RFC 7540 §3.2.1",                                              \
     "a payload the core accepts is one `nghttp2_session_upgrade2` accepts")                       \
  XX("h2c-switch-iff-valid-settings", "RFC 7540 §3.2.1",                                           \
     "an h2c offer with that value switches ⇔ it is valid")
/* clang-format on */

#endif
