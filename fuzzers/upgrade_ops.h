/* SPDX-License-Identifier: MIT */
/* upgrade_ops.h: mutation operators aimed at upgrade semantics (issue 14), for the differential
 * campaign over live servers (harness/difffuzz/) and any driver that links fuzzers/upgrade_ops.c.
 * No global state: every function takes its random state (splitmix64, oc_rand) or a seed. */
#ifndef SY_FUZZ_UPGRADE_OPS_H
#define SY_FUZZ_UPGRADE_OPS_H

#include <stddef.h>
#include <stdint.h>

/* Operators, one table (upgrade_ops.c): what one call of sy_fuzz_upgrade_mutate may do. */
enum sy_fuzz_upgrade_op {
  SY_UOP_UPGRADE,     /* Upgrade: list forms and tokens (websocket, h2c, h2, TLS/1.0, ...) */
  SY_UOP_CONNECTION,  /* Connection: list forms (upgrade, keep-alive, close, HTTP2-Settings) */
  SY_UOP_WS_KEY,      /* Sec-WebSocket-Key: near-miss values, a second line */
  SY_UOP_WS_VERSION,  /* Sec-WebSocket-Version: 13, 8, lists, padding, a second line */
  SY_UOP_WS_PROTO,    /* Sec-WebSocket-Protocol / -Extensions values and repeats */
  SY_UOP_H2_SETTINGS, /* HTTP2-Settings: valid, empty, not base64url, repeated */
  SY_UOP_HOST,        /* Host: missing, repeated, empty, invalid */
  SY_UOP_METHOD,      /* the method */
  SY_UOP_VERSION,     /* the HTTP version */
  SY_UOP_BODY,        /* Content-Length / Transfer-Encoding (chunked, trailers) on the request */
  SY_UOP_EOL,         /* one line ending as LF, CR or CRCRLF */
  SY_UOP_FOLD,        /* obs-fold a field line */
  SY_UOP_NAME,        /* field-name case, whitespace before the colon, a line led by whitespace */
  SY_UOP_AFTER_HEAD,  /* bytes after the head: a frame (early data), a pipelined request */
  SY_UOP_DROP,        /* drop one of the upgrade-relevant fields */
  SY_UOP__COUNT
};

/* One upgrade-aimed operation on the request in data (size bytes, room for max); op is one of
 * enum sy_fuzz_upgrade_op or -1 (any, chosen from rng). Returns the new size (size when the
 * input has no request line to work on). */
size_t sy_fuzz_upgrade_mutate(uint64_t *rng, int op, uint8_t *data, size_t size, size_t max);

/* `count` mutants of the input `in` back to back in buf (lens[i] each, each at most max_each
 * bytes), from `seed`: each is 1-4 stacked operations, drawn from the request-shaped mutator of
 * the libFuzzer and AFL++ builds (mutator.c, grammar.c, tokens.c) and from the operators above.
 * Returns how many were written (fewer when buf is full). Same seed and input, same bytes.
 * Defined only in the shared library built with -DSY_AFL_MUTATOR (mk/difffuzz.mk). */
size_t sy_fuzz_mutate_batch(uint64_t seed, const uint8_t *in, size_t n, uint8_t *buf, size_t cap,
                            size_t *lens, size_t count, size_t max_each);

#endif
