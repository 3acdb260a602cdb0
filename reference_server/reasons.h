/* SPDX-License-Identifier: MIT */
/* reasons.h: THE table of decisions. The enum, sy_reason_*() lookups, `sy-decide --reasons`,
 * the README table and the reports all derive from this one list.
 * Columns: name, HTTP status, RFC section, requirement level of the rule, short text. */
#ifndef SY_REASONS_H
#define SY_REASONS_H

/* clang-format off */
#define SY_REASON_MAP(XX)                                                                          \
  /* success */                                                                                    \
  XX(SERVED, 200, "RFC 9110 §9.3.1", MAY, "plain resource served")                                 \
  XX(OPTIONS_SERVED, 204, "RFC 9110 §9.3.7", MAY, "OPTIONS answered with Allow")                   \
  XX(UPGRADE_IGNORED, 200, "RFC 9110 §7.8", MAY,                                                   \
     "upgrade offer for a protocol this resource does not switch to was ignored")                   \
  XX(UPGRADE_IGNORED_HTTP10, 200, "RFC 9110 §7.8", MUST, "Upgrade received in HTTP/1.0 is ignored") \
  XX(WS_SWITCH, 101, "RFC 6455 §4.2.2", MUST, "valid WebSocket opening handshake: switching")      \
  /* WebSocket required (426) */                                                                   \
  XX(WS_REQUIRED, 426, "RFC 9110 §15.5.22", SHOULD, "this resource requires the websocket protocol") \
  XX(WS_HTTP10, 426, "RFC 9110 §7.8", MUST,                                                        \
     "WebSocket needs HTTP/1.1; Upgrade received in HTTP/1.0 is ignored")                          \
  XX(WS_NO_CONNECTION_UPGRADE, 426, "RFC 6455 §4.2.1", MUST,                                       \
     "Connection does not carry the upgrade option (RFC 9110 §7.6.1, §7.8)")                        \
  XX(WS_NOT_OFFERED, 426, "RFC 6455 §4.2.1", MUST, "Upgrade does not list websocket")              \
  XX(WS_VERSION_MISSING, 426, "RFC 6455 §4.4", MUST, "Sec-WebSocket-Version is missing")           \
  XX(WS_VERSION_UNSUPPORTED, 426, "RFC 6455 §4.4", MUST, "Sec-WebSocket-Version is not 13")        \
  /* h2c (RFC 7540 §3.2; deprecated by RFC 9113 §3.1, so only on routes that opt in) */           \
  XX(H2C_SWITCH, 101, "RFC 7540 §3.2", MAY,                                                        \
     "valid h2c offer: switching to HTTP/2, the response on stream 1")                             \
  XX(H2C_OFFER_INVALID, 200, "RFC 7540 §3.2.1", MUST,                                              \
     "h2c offer without exactly one valid HTTP2-Settings named in Connection: not upgraded")       \
  XX(H2C_REQUIRED, 426, "RFC 9110 §15.5.22", SHOULD, "this resource requires h2c (HTTP/2 over cleartext)") \
  XX(H2C_HTTP10, 426, "RFC 9110 §7.8", MUST, "h2c needs HTTP/1.1; Upgrade received in HTTP/1.0 is ignored") \
  XX(H2C_CONNECTION_OPTIONS, 426, "RFC 7540 §3.2.1", MUST,                                         \
     "Connection does not list both Upgrade and HTTP2-Settings")                                   \
  XX(H2C_SETTINGS_MISSING, 426, "RFC 7540 §3.2.1", MUST, "HTTP2-Settings is missing: a server MUST NOT upgrade") \
  XX(H2C_SETTINGS_REPEATED, 426, "RFC 7540 §3.2.1", MUST,                                          \
     "more than one HTTP2-Settings: a server MUST NOT upgrade")                                    \
  XX(H2C_SETTINGS_INVALID, 426, "RFC 7540 §3.2.1", MUST,                                           \
     "HTTP2-Settings is not base64url (no '=') of a valid SETTINGS payload (§6.5, §6.5.2), or holds over 64 settings") \
  /* TLS upgrade (RFC 2817) and the https alternative */                                           \
  XX(TLS_SWITCH, 101, "RFC 2817 §3.3", MAY,                                                        \
     "valid TLS upgrade offer: switching; the TLS handshake, then the response inside TLS")        \
  XX(TLS_REQUIRED, 426, "RFC 2817 §4.2", MAY, "this resource requires TLS: Upgrade: TLS/1.2, HTTP/1.1") \
  XX(TLS_HTTP10, 426, "RFC 9110 §7.8", MUST, "TLS upgrade needs HTTP/1.1; Upgrade received in HTTP/1.0 is ignored") \
  XX(TLS_NO_CONNECTION_UPGRADE, 426, "RFC 2817 §3.1", MUST,                                        \
     "Connection does not carry the upgrade option (Upgrade is hop-by-hop)")                       \
  XX(SECURE_REDIRECT, 308, "RFC 9110 §15.4.9", MAY, "this resource is served over https: permanent redirect") \
  /* WebSocket handshake errors */                                                                 \
  XX(WS_METHOD, 405, "RFC 6455 §4.2.1", MUST, "the opening handshake must be a GET")               \
  XX(WS_VERSION_REPEATED, 400, "RFC 6455 §11.3.5", MUST,                                           \
     "Sec-WebSocket-Version appears more than once")                                               \
  XX(WS_KEY_MISSING, 400, "RFC 6455 §4.2.1", MUST, "Sec-WebSocket-Key is missing")                 \
  XX(WS_KEY_REPEATED, 400, "RFC 6455 §11.3.1", MUST, "Sec-WebSocket-Key appears more than once")   \
  XX(WS_KEY_INVALID, 400, "RFC 6455 §4.2.1", MUST,                                                 \
     "Sec-WebSocket-Key is not the base64 of exactly 16 bytes")                                    \
  XX(UPGRADE_SYNTAX, 400, "RFC 9110 §7.8", MUST, "Upgrade is not a list of protocol tokens")       \
  XX(CONNECTION_SYNTAX, 400, "RFC 9110 §7.6.1", MAY, "Connection is not a list of tokens")        \
  /* routing and methods */                                                                        \
  XX(NOT_FOUND, 404, "RFC 9110 §15.5.5", MAY, "no resource at this path")                          \
  XX(METHOD_NOT_ALLOWED, 405, "RFC 9110 §15.5.6", SHOULD, "method not allowed on this resource")    \
  XX(METHOD_NOT_IMPLEMENTED, 501, "RFC 9110 §9.1", SHOULD, "method not implemented by this server") \
  XX(EXPECTATION_FAILED, 417, "RFC 9110 §10.1.1", MAY, "Expect carries something other than 100-continue") \
  /* message syntax (RFC 9112) */                                                                  \
  XX(BAD_SYNTAX, 400, "RFC 9112 §2.2", SHOULD, "malformed request message")                          \
  XX(BAD_REQUEST_LINE, 400, "RFC 9112 §3", SHOULD, "malformed request line")                         \
  XX(BAD_TARGET, 400, "RFC 9112 §3.2", SHOULD, "invalid request-target")                             \
  XX(BAD_FIELD, 400, "RFC 9112 §5", SHOULD, "malformed field line")                                  \
  XX(SPACE_BEFORE_COLON, 400, "RFC 9112 §5.1", MUST, "whitespace between field name and colon")    \
  XX(SPACE_AFTER_START_LINE, 400, "RFC 9112 §2.2", MUST,                                         \
     "whitespace between the start line and the first field line")                               \
  XX(OBS_FOLD, 400, "RFC 9112 §5.2", MUST, "obsolete line folding in a field")                     \
  XX(BARE_LF, 400, "RFC 9112 §2.2", MAY, "line terminated by a bare LF")                           \
  XX(BARE_CR, 400, "RFC 9112 §2.2", MUST, "bare CR outside a CRLF")                                \
  XX(CTL_IN_FIELD, 400, "RFC 9110 §5.5", MUST, "NUL, CR or LF (reject or replace: MUST) or another CTL in a field value")     \
  XX(HOST_MISSING, 400, "RFC 9112 §3.2", MUST, "HTTP/1.1 request without Host")                    \
  XX(HOST_REPEATED, 400, "RFC 9112 §3.2", MUST, "more than one Host field line")                   \
  XX(HOST_INVALID, 400, "RFC 9112 §3.2", MUST, "Host is not a valid uri-host[:port]")              \
  XX(CONTENT_LENGTH_INVALID, 400, "RFC 9112 §6.3", MUST, "invalid Content-Length")                 \
  XX(CONTENT_LENGTH_REPEATED, 400, "RFC 9112 §6.3", MUST, "more than one Content-Length")          \
  XX(CL_WITH_TE, 400, "RFC 9112 §6.1", MAY,                                                       \
     "Content-Length with Transfer-Encoding (MAY reject; MUST close)")                       \
  XX(TE_UNSUPPORTED, 400, "RFC 9112 §6.3", MUST, "Transfer-Encoding whose final coding is not chunked") \
  XX(TE_CODING_UNKNOWN, 501, "RFC 9112 §6.1", SHOULD, "transfer coding other than chunked")       \
  XX(TE_HTTP10, 400, "RFC 9112 §6.1", MUST, "Transfer-Encoding in an HTTP/1.0 request")           \
  XX(BAD_CHUNK, 400, "RFC 9112 §7.1", SHOULD, "malformed chunked body")                              \
  XX(VERSION_UNSUPPORTED, 505, "RFC 9110 §15.6.6", MAY, "HTTP version other than 1.x")              \
  XX(HEAD_TOO_LARGE, 431, "RFC 6585 §5", MAY, "request head (or field count) too large")          \
  XX(TARGET_TOO_LONG, 414, "RFC 9112 §3", MUST, "request-target too long")                         \
  XX(BODY_TOO_LARGE, 413, "RFC 9110 §15.5.14", MAY, "request content too large")                  \
  XX(REQUEST_TIMEOUT, 408, "RFC 9110 §15.5.9", MAY, "request not completed within the timeout")
/* clang-format on */

/* The reason phrase (RFC 9110 §15) of every status the core sends: each status of the table
 * above, the policy's other WebSocket method status (400) and the connection's 100 Continue.
 * sy_status_phrase() reads it; test_render.c checks both directions. */
/* clang-format off */
#define SY_STATUS_MAP(XX)                                                                          \
  XX(100, "Continue")                                                                              \
  XX(101, "Switching Protocols")                                                                   \
  XX(200, "OK")                                                                                    \
  XX(204, "No Content")                                                                            \
  XX(308, "Permanent Redirect")                                                                    \
  XX(400, "Bad Request")                                                                           \
  XX(404, "Not Found")                                                                             \
  XX(405, "Method Not Allowed")                                                                    \
  XX(408, "Request Timeout")                                                                       \
  XX(413, "Content Too Large")                                                                     \
  XX(414, "URI Too Long")                                                                          \
  XX(417, "Expectation Failed")                                                                    \
  XX(426, "Upgrade Required")                                                                      \
  XX(431, "Request Header Fields Too Large")                                                       \
  XX(501, "Not Implemented")                                                                       \
  XX(505, "HTTP Version Not Supported")
/* clang-format on */

#endif
