/* SPDX-License-Identifier: MIT */
/* grammar.h: requests composed from a small grammar, and field/token-level mutation (issue 13).
 * Used by mutator.c (libFuzzer's custom mutator and the AFL++ custom mutator library), and
 * callable from any driver through sy_fuzz_generate_batch(). No global state: every function
 * takes its random state (splitmix64, oc_rand) or a seed. */
#ifndef SY_FUZZ_GRAMMAR_H
#define SY_FUZZ_GRAMMAR_H

#include <stddef.h>
#include <stdint.h>

/* What a generated request offers. */
enum sy_fuzz_kind {
  SY_FUZZ_WEBSOCKET, /* a WebSocket opening handshake (RFC 6455 §4.1) */
  SY_FUZZ_H2C,       /* an h2c upgrade (RFC 7540 §3.2) */
  SY_FUZZ_TLS,       /* an upgrade to TLS (RFC 2817 §3.2) */
  SY_FUZZ_PLAIN,     /* a request with no offer */
  SY_FUZZ_KINDS
};

/* One request of `kind` (SY_FUZZ_KINDS: any) into out, at most cap bytes; returns its length.
 * With `near` = 0 every element is valid (a WebSocket offer then gets 101 on /live); otherwise
 * each element is, one time in `near`, a near-valid value instead (a method, version, Upgrade or
 * Connection token, key length/alphabet/padding, version number, a missing or repeated field,
 * Content-Length or chunk framing), and a pipelined tail may follow. */
size_t sy_fuzz_generate(uint64_t *rng, int kind, unsigned near, uint8_t *out, size_t cap);

/* `count` generated requests back to back in buf (lens[i] each) from `seed`: kinds in turn, every
 * fourth round of the four kinds fully valid (near = 0), the others near = 6. Returns how many
 * were written (fewer when buf is full). The same seed gives the same bytes. For drivers that
 * want inputs without an engine. */
size_t sy_fuzz_generate_batch(uint64_t seed, uint8_t *buf, size_t cap, size_t *lens, size_t count);

/* Field- and token-level mutation of a request in place (data holds max bytes): swap, repeat or
 * drop a list element or a field line, change a token's case, add OWS, obs-fold, change a
 * number (a version, a length) by one or to 0, a small or a huge one, split a list
 * over two field lines or join two lines into one. Returns the new size (size when nothing
 * applied). */
size_t sy_fuzz_token_mutate(uint64_t *rng, uint8_t *data, size_t size, size_t max);

/* A Sec-WebSocket-Key: base64 of 16 random bytes, or one time in `near` a near miss (15 or 17
 * bytes, no padding, base64url, non-zero pad bits, a space). NUL-terminated; cap >= 40. */
void sy_fuzz_ws_key(uint64_t *rng, unsigned near, char *k, size_t cap);

/* A masked client WebSocket frame (RFC 6455 §5.2): text, binary, ping, pong, close, a fragment
 * or a reserved opcode. Returns a static buffer. */
const uint8_t *sy_fuzz_ws_frame(uint64_t *rng, size_t *n);

#endif
