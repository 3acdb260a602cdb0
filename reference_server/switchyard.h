/* SPDX-License-Identifier: MIT */
/* switchyard.h: the public API of the Switchyard reference core.
 *
 * The core is pure: no I/O, no globals, no clock, and no allocation outside the sessions that
 * follow an h2c or TLS switch (below). Spans point into the caller's buffer. Operational errors
 * are negative SY_E* returns; a bad request is not an error, it is a decision (status + reason).
 * Every reason cites the RFC rule it implements (reasons.h).
 *
 * Contracts, unless a call says otherwise: pointer arguments are not NULL (the calls that check
 * say what they return); strings returned are static, valid for the life of the program; a call
 * keeps no pointer to its arguments once it returns; nothing is thread-local or shared, so
 * different objects may be used from different threads. */
#ifndef SWITCHYARD_H
#define SWITCHYARD_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "reasons.h"

#define SY_VERSION "0.1.0"

/* ---- errors (operational, never protocol verdicts) ---- */
/* clang-format off */
#define SY_ERRNO_MAP(XX)                                                                           \
  XX(EINVAL, -1, "invalid argument")                                                               \
  XX(ENOSPC, -2, "output buffer too small")                                                        \
  XX(ESYNTAX, -3, "syntax error")                                                                  \
  XX(ELIMIT, -4, "a named limit was exceeded")
/* clang-format on */
enum sy_errno {
#define XX(name, value, text) SY_##name = value,
  SY_ERRNO_MAP(XX)
#undef XX
};
/* "invalid argument" for SY_EINVAL, ...; "unknown error" for any other value. */
const char *sy_strerror(int err);

/* ---- reasons: one enumerator per row of SY_REASON_MAP ---- */
enum sy_reason {
  SY_R_NONE = 0,
#define XX(name, status, rfc, level, text) SY_R_##name,
  SY_REASON_MAP(XX)
#undef XX
      SY_R__COUNT
};
enum sy_level { SY_LEVEL_MUST,
                SY_LEVEL_SHOULD,
                SY_LEVEL_MAY };

/* One column of a reason's row. A value outside the enum reads as SY_R_NONE's row: "NONE",
 * status 0, rfc "", level MAY, text "no decision". */
const char *sy_reason_name(enum sy_reason r); /* "WS_SWITCH" */
int sy_reason_status(enum sy_reason r);       /* 101, 426, ... */
const char *sy_reason_rfc(enum sy_reason r);  /* "RFC 6455 §4.2.2" */
enum sy_level sy_reason_level(enum sy_reason r);
const char *sy_reason_text(enum sy_reason r);
const char *sy_level_name(enum sy_level l); /* "MUST"; "?" outside the enum */
/* "Switching Protocols": SY_STATUS_MAP's phrase (reasons.h), "Unknown" for any other status. */
const char *sy_status_phrase(int status);

/* ---- spans and RFC 9110 lists ---- */
struct sy_span {
  const char *ptr;
  size_t len;
};

/* One list element: `token` or `token/version` (protocol-name[/protocol-version]). */
struct sy_list_item {
  struct sy_span name;
  struct sy_span version; /* len 0 when absent */
};
struct sy_list {
  struct sy_list_item items[SY_MAX_LIST_ITEMS];
  size_t n;
  size_t dropped; /* valid elements beyond SY_MAX_LIST_ITEMS (counted, not stored) */
};
enum sy_list_flags {
  SY_LIST_TOKENS = 0,    /* 1#token (Connection, Sec-WebSocket-Version) */
  SY_LIST_PROTOCOLS = 1, /* 1#protocol, protocol = name ["/" version] (Upgrade) */
};
/* Appends the elements of one field value to `out` (call once per field line to combine
 * repeated fields, RFC 9110 §5.3; zero `out` before the first). Empty elements and OWS are
 * skipped (§5.6.1); elements past SY_MAX_LIST_ITEMS are counted in `dropped`. The items point
 * into `value`, which must outlive `out`. Returns 0; SY_ESYNTAX when an element is not a token
 * (out keeps the elements before it); SY_EINVAL for a NULL out, or a NULL value with len > 0. */
int sy_list_parse(struct sy_list *out, const char *value, size_t len, enum sy_list_flags flags);
/* Whether one field value lists `token` (any case) among all its elements, without the
 * SY_MAX_LIST_ITEMS limit; with SY_LIST_PROTOCOLS and versionless, only "token" without
 * "/version" counts. Returns 1, 0, SY_ESYNTAX (a malformed element before a match), or
 * SY_EINVAL for a NULL token, or a NULL value with len > 0. */
int sy_list_contains(const char *value, size_t len, enum sy_list_flags flags, const char *token,
                     int versionless);
/* 1 iff c is a tchar (RFC 9110 §5.6.2), else 0. */
int sy_is_tchar(unsigned char c);
/* 1 iff s equals the NUL-terminated lit, ASCII letters compared without case, else 0. */
int sy_span_ieq(struct sy_span s, const char *lit);

/* ---- request parsing (llhttp, strict) ---- */
enum sy_method {
  SY_M_OTHER = 0, /* a method llhttp knows that this server does not implement */
  SY_M_GET,
  SY_M_HEAD,
  SY_M_POST,
  SY_M_PUT,
  SY_M_DELETE,
  SY_M_OPTIONS,
  SY_M_CONNECT,
};
struct sy_header {
  struct sy_span name;  /* exactly as sent */
  struct sy_span value; /* OWS trimmed both sides */
};
struct sy_request {
  enum sy_reason error;  /* SY_R_NONE, or why the message is malformed */
  size_t error_offset;   /* where the problem was seen */
  struct sy_span method; /* as sent */
  enum sy_method method_id;
  struct sy_span target;
  struct sy_span path; /* target's path, without query (absolute-form: after the authority) */
  int version_major, version_minor;
  struct sy_header headers[SY_MAX_HEADERS];
  size_t n_headers;
  size_t head_len;     /* bytes up to and including the empty line; 0 until the head arrived */
  size_t message_len;  /* head + content; the next message (or new protocol) starts here */
  size_t content_len;  /* decoded content bytes */
  int keep_alive;      /* HTTP keep-alive semantics of the message (not counting our policy) */
  int parser_upgrade;  /* llhttp's own upgrade flag, kept for oracles and tests */
  int expect_continue; /* Expect: 100-continue was sent */
};
#define SY_INCOMPLETE 0
/* Parses one request message from buf[0..len).
 * Returns the number of bytes the message occupies (> 0) once the whole message (head and
 * content) is in the buffer or the message is known to be malformed (then req->error is set and
 * the return is len, or at least 1); SY_INCOMPLETE (0) when more bytes are needed (req->head_len
 * is set once the head is complete, so a server can send 100 Continue); SY_EINVAL for a NULL
 * req, a NULL buf with len > 0, or len over INT_MAX. *req is overwritten on every call, and its
 * spans point into buf, which must outlive it (and stay unchanged while it is read).
 * Calling again with a longer buffer holding the same prefix gives the same result as one call. */
int sy_request_parse(struct sy_request *req, const char *buf, size_t len);
/* The first field named `name` (case-insensitive), or NULL; *count (when count is not NULL)
 * gets how many there are. The pointer is into req->headers: valid while *req is. */
const struct sy_header *sy_request_field(const struct sy_request *req, const char *name,
                                         size_t *count);

/* ---- policy ---- */
/* One table: the kinds, their policy-file names (sy_route_kind_name) and docs/policy.md. */
/* clang-format off */
#define SY_ROUTE_KIND_MAP(XX)                                                                      \
  XX(PLAIN, "plain")                    /* 200; upgrade offers ignored (RFC 9110 §7.8 MAY) */     \
  XX(WEBSOCKET, "websocket")            /* WebSocket required: 101 or 426 */                      \
  XX(H2C, "h2c")                        /* a valid h2c offer switches to HTTP/2; else plain */    \
  XX(H2C_REQUIRED, "h2c-required")      /* h2c switch, or 426 Upgrade: h2c */                     \
  XX(TLS, "tls")                        /* a TLS/1.2|1.3 offer switches to TLS; else plain */     \
  XX(TLS_REQUIRED, "tls-required")      /* TLS switch, or 426 Upgrade: TLS/1.2, HTTP/1.1 */       \
  XX(SECURE_REDIRECT, "secure-redirect") /* 308 to the same target over https */
/* clang-format on */
enum sy_route_kind {
#define XX(name, text) SY_ROUTE_##name,
  SY_ROUTE_KIND_MAP(XX)
#undef XX
      SY_ROUTE__COUNT
};
/* "h2c-required" (static); NULL for a value outside the enum. */
const char *sy_route_kind_name(enum sy_route_kind k);
/* The kind named name[0..len) exactly, or -1. */
int sy_route_kind_parse(const char *name, size_t len);
struct sy_route {
  char path[SY_MAX_ROUTE_PATH];
  enum sy_route_kind kind;
};
struct sy_policy {
  struct sy_route routes[SY_MAX_ROUTES];
  size_t n_routes;
  int ws_method_status; /* 405 (default) or 400 for a non-GET handshake */
};
/* Overwrites *pol with the default policy: "/live" WebSocket, "/" plain, and one route per
 * switching kind at the path named after it: "/h2c", "/h2c-required", "/tls", "/tls-required",
 * "/secure-redirect"; ws_method_status 405. A policy holds no pointers: it may be copied. */
void sy_policy_default(struct sy_policy *pol);
/* Parses a policy file's text (format: docs/policy.md) over `pol` (call sy_policy_default
 * first). Returns 0, or on the first bad line SY_ESYNTAX or SY_ELIMIT (a word or the route
 * table too long), with "line N: why" written into err (NUL-terminated, cut to errcap; err may
 * be NULL). The lines before the bad one have been applied. */
int sy_policy_parse(struct sy_policy *pol, const char *text, size_t len, char *err, size_t errcap);
/* Adds a route (the path, a NUL-terminated string, is copied), or changes the kind of the route
 * with that path. Returns 0; SY_EINVAL for a path that is empty, does not start with '/' or has
 * SY_MAX_ROUTE_PATH bytes or more, or a kind outside the enum; SY_ELIMIT when SY_MAX_ROUTES
 * routes are already there. */
int sy_policy_add_route(struct sy_policy *pol, const char *path, enum sy_route_kind kind);
/* The route whose path is exactly path[0..len), or NULL; a pointer into pol->routes. */
const struct sy_route *sy_policy_route(const struct sy_policy *pol, const char *path, size_t len);

/* ---- the decision ---- */
enum sy_fate {
  SY_FATE_KEEP_ALIVE, /* the connection stays HTTP/1.1 */
  SY_FATE_CLOSE,      /* close after the response */
  SY_FATE_SWITCH,     /* after the response, the bytes from switch_offset are the new protocol */
};
enum sy_proto { SY_PROTO_NONE,
                SY_PROTO_WEBSOCKET,
                SY_PROTO_H2C,
                SY_PROTO_TLS };
struct sy_field {
  const char *name;
  const char *value;
};
struct sy_decision {
  int status;
  enum sy_reason reason;
  enum sy_fate fate;
  enum sy_proto proto;
  struct sy_field fields[SY_MAX_RESPONSE_FIELDS]; /* static strings, or `accept` below */
  size_t n_fields;
  char accept[SY_WS_ACCEPT_LEN + 1];    /* Sec-WebSocket-Accept value on a 101 */
  char location[SY_MAX_LOCATION_BYTES]; /* Location of a secure-redirect 308 */
  int head_only;                        /* HEAD: Content-Length but no body */
  size_t consumed;                      /* bytes of the input this decision used */
  size_t switch_offset;                 /* first byte of the new protocol (fate == SWITCH) */
};
/* Total: every (request, policy) gets a decision, written over *d. `req` must come from
 * sy_request_parse() returning > 0. `d->accept` is filled through OpenSSL's SHA-1 (wsaccept.c).
 * *d keeps no pointer into req, its buffer or pol; a field value is a static string, NULL for
 * d->accept, or d->location itself: a copy of *d still points into the original's location. */
void sy_decide(const struct sy_request *req, const struct sy_policy *pol, struct sy_decision *d);
/* A decision made outside sy_decide (the connection's timeout or buffer limit), written over
 * *d: the reason's status, Connection: close, fate CLOSE. */
void sy_decide_reject(struct sy_decision *d, enum sy_reason r);
/* Parse + decide. Returns like sy_request_parse(); on > 0, `d` is filled (as by sy_decide),
 * otherwise left as it was. */
int sy_handle(const struct sy_policy *pol, const char *buf, size_t len, struct sy_request *req,
              struct sy_decision *d);

/* ---- rendering ---- */
#define SY_PLAIN_BODY "Switchyard reference server\n" /* the 200's body */
/* The answer a switchable route (h2c, tls) gives its request once switched, as if the route
 * were plain (GET/HEAD/POST 200, OPTIONS 204 with Allow), written over *d: what the h2c session
 * sends on stream 1 and the TLS session inside TLS (RFC 7540 §3.2, RFC 2817 §3.3). `req` as for
 * sy_decide. */
void sy_decide_switched(const struct sy_request *req, struct sy_decision *d);

/* ---- h2c: HTTP2-Settings (RFC 7540 §3.2.1, §6.5) ---- */
/* Decodes a base64url value without padding (RFC 4648 §5, as §3.2.1 requires: no '=', and the
 * unused bits of the last character zero) into out. Returns the byte count, SY_ESYNTAX for a
 * value that is not such an encoding, SY_ENOSPC if out is too small, SY_EINVAL for a NULL in
 * with len > 0. On an error out may hold part of the bytes. */
int sy_base64url_decode(const char *in, size_t len, uint8_t *out, size_t cap);
/* 0 iff p[0..n) is a valid SETTINGS payload: n a multiple of 6 (§6.5 FRAME_SIZE_ERROR) and
 * every known setting's value valid per §6.5.2 (ENABLE_PUSH 0 or 1, INITIAL_WINDOW_SIZE at most
 * 2^31-1, MAX_FRAME_SIZE 2^14..2^24-1; ENABLE_CONNECT_PROTOCOL, RFC 8441 §3, and
 * NO_RFC7540_PRIORITIES, RFC 9218 §2.1, 0 or 1); unknown identifiers are ignored (§6.5.2).
 * Otherwise SY_ESYNTAX. */
int sy_h2_settings_check(const uint8_t *p, size_t n);
/* Both steps: 0 iff value is a valid HTTP2-Settings field value (token68: not empty, so a
 * SETTINGS payload with no setting cannot be sent this way), its payload then in out[0..*n);
 * SY_ESYNTAX otherwise, SY_ENOSPC if out is too small (SY_H2_MAX_SETTINGS_BYTES is enough for
 * any value sy_decide accepts: longer values are refused there). *n is set only on 0. */
int sy_h2_settings_value(const char *value, size_t len, uint8_t *out, size_t cap, size_t *n);

/* Writes the response (status line with reason phrase, fields, Content-Length except on 1xx
 * and 204, and a text/plain body naming the rule on errors) into buf, not NUL-terminated.
 * Returns bytes written; SY_ENOSPC when it does not fit (buf then holds a prefix of it);
 * SY_EINVAL for a NULL d or buf, or a status outside 100..999. SY_MAX_RESPONSE_BYTES is always
 * enough for a decision of sy_decide, sy_decide_reject or sy_decide_switched. */
int sy_render(const struct sy_decision *d, char *buf, size_t cap);

/* ---- WebSocket key and accept ---- */
/* 1 iff key is exactly 24 chars of base64 encoding exactly 16 bytes (RFC 6455 §4.1, §4.2.1
 * item 5): 22 chars of the standard alphabet A-Z a-z 0-9 + /, then "==" (non-zero pad bits in
 * the 22nd char are accepted, as in RFC 6455's own example key). */
int sy_ws_key_valid(const char *key, size_t len);
/* out gets base64(SHA-1(key + GUID)), NUL-terminated (RFC 6455 §4.2.2), whether or not the key
 * is valid. Returns 0, or SY_EINVAL for a NULL key or out, or a key over 256 bytes. */
int sy_ws_accept(const char *key, size_t len, char out[SY_WS_ACCEPT_LEN + 1]);

/* ---- WebSocket frames (RFC 6455 §5) ---- */
enum sy_ws_opcode {
  SY_WS_CONT = 0x0,
  SY_WS_TEXT = 0x1,
  SY_WS_BINARY = 0x2,
  SY_WS_CLOSE = 0x8,
  SY_WS_PING = 0x9,
  SY_WS_PONG = 0xA,
};
struct sy_ws_frame {
  int fin, rsv, opcode, masked;
  uint8_t mask[4];
  uint64_t payload_len;
  size_t header_len;
};
/* Parses one frame header from buf[0..len) into *f. Returns header bytes (> 0), SY_INCOMPLETE,
 * SY_ESYNTAX for a non-minimal or 64-bit-MSB-set length (RFC 6455 §5.2), or SY_EINVAL for a
 * NULL f, or a NULL buf with len > 0. Validation of the semantics is sy_ws_frame_check()'s. */
int sy_ws_frame_parse(struct sy_ws_frame *f, const uint8_t *buf, size_t len);
/* 0 if a client frame is acceptable, else the close code to fail with (1002, 1009);
 * in_fragmented_message: a data frame without FIN came before and its message is open. */
int sy_ws_frame_check(const struct sy_ws_frame *f, int in_fragmented_message);
/* Writes an unmasked server frame (FIN set; opcode's low 4 bits) into buf; payload may overlap
 * buf. Returns bytes written, or SY_ENOSPC when it does not fit, buf is NULL, or payload is
 * NULL with len > 0. */
int sy_ws_frame_write(uint8_t *buf, size_t cap, int opcode, const uint8_t *payload, size_t len);
/* 1 iff a close code may appear in a Close frame on the wire (RFC 6455 §7.4). */
int sy_ws_close_code_valid(unsigned code);
/* 1 iff s[0..len) is well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points
 * above U+10FFFF), else 0. */
int sy_utf8_valid(const uint8_t *s, size_t len);

/* ---- the connection state machine: bytes and events in, bytes and actions out ---- */
enum sy_conn_state {
  SY_CONN_HTTP,      /* reading HTTP/1.1 requests */
  SY_CONN_WEBSOCKET, /* after a 101: RFC 6455 frames */
  SY_CONN_CLOSING,   /* flush the output, then close */
  SY_CONN_CLOSED,
  SY_CONN_H2,  /* after an h2c 101: HTTP/2 through libnghttp2 (h2c.c) */
  SY_CONN_TLS, /* after a TLS 101: the handshake, then the answer inside TLS (tls.c) */
};

/* ---- the sessions after an h2c or TLS switch (h2c.c, tls.c) ----
 * They hold library state (libnghttp2, OpenSSL with memory BIOs): the connection stays a pure
 * machine of bytes in and out, but these allocate, so a connection that may have switched is
 * released with sy_conn_free(). Builds with SY_NO_SESSIONS (the MSan fuzz builds: those
 * libraries are not instrumented) compile them out: the 101 is sent, then the connection closes. */
struct sy_tls_ctx; /* the server's certificate and key (an SSL_CTX) */
/* From PEM text in memory. NULL on error, with why in err (NUL-terminated, cut to errcap). The
 * context must outlive every connection whose opts.tls points to it. */
struct sy_tls_ctx *sy_tls_ctx_new(const char *cert_pem, size_t cert_len, const char *key_pem,
                                  size_t key_len, char *err, size_t errcap);
/* A fresh P-256 key and a self-signed certificate for `cn` (tests, fuzzers); NULL on error, as
 * sy_tls_ctx_new. */
struct sy_tls_ctx *sy_tls_ctx_new_ephemeral(const char *cn, char *err, size_t errcap);
/* NULL is ignored. */
void sy_tls_ctx_free(struct sy_tls_ctx *ctx);
/* 1 when the build has the sessions, 0 under SY_NO_SESSIONS. */
int sy_sessions_available(void);
/* The two timeouts (0 disables either), as sy_conn_tick() applies them. This is their one full
 * description: limits.h holds the defaults, refserver's --help says the same in brief. Time is
 * an input: every call passes now_ms.
 * - header_timeout_ms (slowloris) runs in state SY_CONN_HTTP only: a whole request, head and
 *   content, must have been decided within this of the start of its clock. The first request's
 *   clock starts at sy_conn_init() (the server calls it at accept); it stops at each decision,
 *   and the next request's starts with its first byte (a pipelined one's when its turn comes),
 *   so between requests only the idle timeout runs. At the deadline a partial request gets 408
 *   and the connection closes (without the 408 if the output has no room for it); a connection
 *   that has sent nothing is closed without a response (it made no request: no 408 is owed).
 * - idle_timeout_ms runs in every state: no byte received (sy_conn_feed) and none taken by the
 *   peer (sy_conn_sent) for this long. A WebSocket that has not sent its Close then gets Close
 *   1001 and one more idle period to flush it; any other connection (HTTP, HTTP/2, TLS, or one
 *   still flushing its last bytes to a peer that stopped reading) is closed silently. */
struct sy_conn_opts {
  uint32_t header_timeout_ms;
  uint32_t idle_timeout_ms;
  const struct sy_tls_ctx *tls; /* for TLS switches; NULL: close after the 101 */
};
/* Called for every HTTP decision (tests and fuzzers observe the machine through this). req and
 * d are valid only during the call: req's spans point into the connection's input buffer. */
typedef void (*sy_conn_decision_cb)(void *arg, const struct sy_request *req,
                                    const struct sy_decision *d);
struct sy_conn {
  const struct sy_policy *pol;
  struct sy_conn_opts opts;
  enum sy_conn_state state;
  uint64_t now_ms;
  uint64_t last_input_ms; /* last byte received or sent: the idle timeout runs from here */
  uint64_t head_start_ms; /* start of the current request's header-timeout clock */
  int head_started;       /* that clock runs (from init, then from each request's first byte) */
  int continue_sent;
  uint8_t in[SY_CONN_IN_CAP];
  size_t in_len;
  uint8_t out[SY_CONN_OUT_CAP];
  size_t out_len;
  /* WebSocket message reassembly */
  int ws_msg_opcode; /* 0 when no fragmented message is open */
  uint8_t ws_msg[SY_WS_MAX_MESSAGE];
  size_t ws_msg_len;
  int close_sent;
  uint64_t n_requests, n_ws_messages;
  /* after an h2c or TLS switch */
  void *h2;                 /* nghttp2_session */
  void *tls;                /* SSL, reading and writing memory BIOs */
  int tls_state;            /* tls.c: handshake, answered, failed */
  struct sy_decision inner; /* the switched request's answer (stream 1, or inside TLS) */
  uint64_t n_h2_streams;    /* HTTP/2 streams answered, stream 1 included */
  sy_conn_decision_cb on_decision;
  void *cb_arg;
};
/* The default timeouts (limits.h) and no TLS context. */
void sy_conn_opts_default(struct sy_conn_opts *o);
/* Starts a connection at now_ms (accept): state HTTP, buffers empty, on_decision and cb_arg
 * NULL (set them after). *o is copied (NULL: the defaults); pol and o->tls are kept as pointers
 * and must outlive the connection. A struct sy_conn is large (the buffers: SY_CONN_IN_CAP +
 * SY_CONN_OUT_CAP + SY_WS_MAX_MESSAGE bytes); it must not move while in use, and is released
 * with sy_conn_free(). */
void sy_conn_init(struct sy_conn *c, const struct sy_policy *pol, const struct sy_conn_opts *o,
                  uint64_t now_ms);
/* Copies up to len bytes in and processes them. Returns bytes taken (less than len when the
 * buffers are full: call again after draining output); len when the connection is closing or
 * closed (the bytes are discarded). */
size_t sy_conn_feed(struct sy_conn *c, const uint8_t *data, size_t len, uint64_t now_ms);
/* Releases the session state of a switched connection (safe on any initialised one, and more
 * than once). Call it before the struct is freed or initialised again. */
void sy_conn_free(struct sy_conn *c);
/* The bytes waiting to be sent, *len of them. The pointer is into c: valid until the next call
 * that takes c non-const (sy_conn_feed, _sent, _eof, _tick, _free, _init). */
const uint8_t *sy_conn_output(const struct sy_conn *c, size_t *len);
/* n bytes of output were sent (n above what is waiting counts as all of it); they leave the
 * output, and processing buffered input resumes. */
void sy_conn_sent(struct sy_conn *c, size_t n, uint64_t now_ms);
/* The peer closed its side: a request not yet answered gets no answer; output already queued
 * is still to be sent (state CLOSING). */
void sy_conn_eof(struct sy_conn *c, uint64_t now_ms);
/* Time passed: applies the timeouts (struct sy_conn_opts). */
void sy_conn_tick(struct sy_conn *c, uint64_t now_ms);
/* Absolute time of the next timeout, or UINT64_MAX. */
uint64_t sy_conn_deadline(const struct sy_conn *c);
/* 1 when the connection should be closed now (state CLOSING with no output left, or CLOSED). */
int sy_conn_should_close(const struct sy_conn *c);

#endif
