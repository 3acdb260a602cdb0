/* SPDX-License-Identifier: MIT */
/* limits.h: every size limit of the reference core and server, named once. */
#ifndef SY_LIMITS_H
#define SY_LIMITS_H

#define SY_MAX_HEADERS           64    /* field lines per request; more -> 431 */
#define SY_MAX_HEAD_BYTES        16384 /* request line + fields + CRLF; more -> 431 */
#define SY_MAX_TARGET_BYTES      8000  /* request-target; more -> 414 (RFC 9112 §3 RECOMMENDS
                                      * request lines of at least 8000 octets) */
#define SY_MAX_BODY_BYTES        65536 /* request content (+ trailer fields) buffered; more -> 413 */
#define SY_MAX_LIST_ITEMS        32    /* elements kept by sy_list_parse() */
#define SY_MAX_ROUTES            16    /* routes in a policy */
#define SY_MAX_ROUTE_PATH        256   /* bytes of one route path */
#define SY_MAX_RESPONSE_FIELDS   8     /* fields a decision carries */
#define SY_MAX_RESPONSE_BYTES    1024  /* rendered response head + error body */
#define SY_WS_MAX_MESSAGE        65536 /* reassembled WebSocket message; more -> close 1009 */
#define SY_WS_MAX_CONTROL        125   /* RFC 6455 §5.5 */
#define SY_WS_KEY_LEN            24    /* base64 of 16 bytes */
#define SY_WS_ACCEPT_LEN         28    /* base64 of a 20-byte SHA-1 */
#define SY_MAX_LOCATION_BYTES    512   /* a secure-redirect's Location; a longer one -> 414 */
#define SY_H2_MAX_SETTINGS_BYTES 384   /* decoded HTTP2-Settings (64 settings); longer -> refused */
#define SY_H2_MAX_STREAMS        100   /* SETTINGS_MAX_CONCURRENT_STREAMS the h2c session offers */
#define SY_H2_OUT_RESERVE        16500 /* output room before asking libnghttp2 for a frame: a
                                      * frame we send is at most 16384 + 9 bytes (§4.2) */
#define SY_TLS_MAX_PENDING       65536 /* ciphertext queued into OpenSSL before reading stops */

/* Connection buffers: one whole request (head + body) in, one whole echo frame out. */
#define SY_CONN_IN_CAP  (SY_MAX_HEAD_BYTES + SY_MAX_BODY_BYTES + 1024)
#define SY_CONN_OUT_CAP (SY_WS_MAX_MESSAGE + 64)

/* Timeout defaults (--header-timeout, --idle-timeout); what each covers is written once, above
 * struct sy_conn_opts in switchyard.h. */
#define SY_DEFAULT_HEADER_TIMEOUT_MS 10000
#define SY_DEFAULT_IDLE_TIMEOUT_MS   60000

/* refserver's connection limit and overload handling (server/loop.c, server/overload.c, README's
 * refserver-help). The default --max-conns is the open-file limit (its soft limit raised toward
 * the hard one at start) minus SY_FD_RESERVE, at most SY_MAX_CONNS_CEILING. */
#define SY_FD_RESERVE        16   /* descriptors kept from connections: stdio, the listening
                                   * socket, epoll, one connection accepted over the limit */
#define SY_MAX_CONNS_CEILING 8192 /* each connection can hold up to sizeof(struct sy_conn),
                                   * about 210 KiB: 1.6 GiB at this many */
#define SY_SHED_GRACE_MS     250  /* a connection is shed for a new one only once its wait (since
                                   * accept, its last request or its request's first byte) is
                                   * this old: time for a new client's request to arrive */
#define SY_ACCEPT_BACKOFF_MS 100  /* out of descriptors with nothing to shed: accept nothing for
                                   * this long, or until a connection closes */
#define SY_OVERLOAD_LOG_MS   1000 /* without --verbose, one overload line per kind per this */

#endif
