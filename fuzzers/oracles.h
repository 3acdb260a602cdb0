/* SPDX-License-Identifier: MIT */
/* oracles.h: the RFC oracles every fuzz target shares, and the libFuzzer entry points.
 *
 * An oracle is a rule, not a crash check: when one fails it prints one line
 *   SY-ORACLE rule=<id> rfc="<RFC n §x>": <what was seen>
 * to stderr and calls abort(), so every engine records the input as a finding and the campaign
 * deduplicates findings by <id>. The oracles judge the core from outside: the request head is
 * re-split by our own strict RFC 9112 reader (not llhttp), responses are re-parsed by llhttp in
 * response mode, keys are checked with OpenSSL's base64 decoder, and WebSocket behaviour is
 * compared with an independent model (fuzz_ws_frames.c). The rule ids: OC_RULE_MAP in
 * oracle_rules.h. */
#ifndef SY_FUZZ_ORACLES_H
#define SY_FUZZ_ORACLES_H

#include <stddef.h>
#include <stdint.h>

#include "oracle_rules.h"
#include "switchyard.h"

/* ---- libFuzzer entry points (defined by targets, engines and mutator.c) ---- */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2,
                                 uint8_t *out, size_t max_out, unsigned int seed);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

/* Defined (as 1) by the targets whose input is an HTTP request: mutator.c's request-shaped
 * mutation applies only to them; other targets linked with mutator.o get plain byte mutation. */
extern const int sy_fuzz_request_shaped;

/* ---- failing: rule is an id of OC_RULE_MAP (an id missing there fails as oracle-setup) ---- */
void oc_fail(const char *rule, const char *rfc, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
#define OC_CHECK(cond, rule, rfc, ...) \
  do {                                 \
    if (!(cond))                       \
      oc_fail(rule, rfc, __VA_ARGS__); \
  } while (0)

/* ---- small deterministic helpers (no clock, no global randomness: inputs decide) ---- */
static inline uint64_t oc_hash(const uint8_t *p, size_t n) /* FNV-1a 64 */
{
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}
static inline uint64_t oc_rand(uint64_t *s) /* splitmix64 */
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
/* A random number below n (0 when n is 0): the mutators' one draw. */
static inline size_t oc_below(uint64_t *s, size_t n)
{
  return n ? (size_t)(oc_rand(s) % n) : 0;
}
/* Where to cut len bytes into pieces (fuzz_stream, fuzz_ws_frames): up to max increasing offsets
 * inside (0, len), seeded by the input's hash; each hop is 1 + a draw below short_hop, or below
 * long_hop one time in long_every. Returns how many. */
static inline size_t oc_random_cuts(uint64_t seed, size_t len, size_t *cuts, size_t max,
                                    unsigned long_every, size_t long_hop, size_t short_hop)
{
  size_t n = 0;
  for (size_t pos = 0; n < max;) {
    uint64_t r = oc_rand(&seed);
    pos += 1 + (r % long_every == 0 ? (r >> 8) % long_hop : (r >> 8) % short_hop);
    if (pos >= len)
      break;
    cuts[n++] = pos;
  }
  return n;
}

/* ---- an independent, strict view of a request head (RFC 9112 §2.2, §3, §5) ---- */
#define OC_MAX_LINES 128
struct oc_field {
  const char *name, *value; /* value without surrounding OWS */
  size_t nlen, vlen;
};
struct oc_head {
  const char *method, *target, *version;
  size_t mlen, tlen, vlen;
  struct oc_field fields[OC_MAX_LINES];
  size_t n_fields;
  size_t head_len; /* up to and including the CRLF CRLF */
};
/* 1 iff buf starts with a head whose every line ends in CRLF, whose request line is exactly
 * three SP-separated parts, and whose field lines are `token ":" OWS value OWS` with a value of
 * VCHAR/obs-text/SP/HTAB (no obs-fold, no CTL). */
int oc_head_strict(struct oc_head *h, const uint8_t *buf, size_t len);
/* Field lines named `name` (case-insensitive): count, and the first. */
size_t oc_head_count(const struct oc_head *h, const char *name, const struct oc_field **first);
/* 1 iff the combined field lines named `name` form a valid #element list (RFC 9110 §5.6.1) and
 * one whole element equals `tok` case-insensitively (Upgrade: a protocol list, RFC 9110 §7.8, so
 * "websocket" does not match "websocket/13" and "TLS/1.2" matches only itself). */
int oc_list_contains(const struct oc_head *h, const char *name, const char *tok);
/* 1 iff every field line named `name` is a valid #token (or #protocol) list. */
int oc_list_valid(const struct oc_head *h, const char *name, int protocols);
/* Elements (non-empty pieces) of the field lines named `name`, taken together. */
size_t oc_list_len(const struct oc_head *h, const char *name, int protocols);
/* The path of a request-target as the routing table sees it (RFC 9112 §3.2). */
void oc_target_path(const char *t, size_t n, const char **path, size_t *plen);
/* 1 iff v[0..n) is a valid HTTP2-Settings value (RFC 7540 §3.2.1: base64url without '=', through
 * OpenSSL's decoder and re-encoded to the same characters; the payload a multiple of 6 bytes with
 * valid values per §6.5.2, RFC 8441 §3, RFC 9218 §2.1; at most SY_H2_MAX_SETTINGS_BYTES). The
 * payload goes to out (NULL: not wanted; SY_H2_MAX_SETTINGS_BYTES is enough). */
int oc_h2_settings_valid(const uint8_t *v, size_t n, uint8_t *out, size_t *out_len);

/* ---- WebSocket key and accept, checked through OpenSSL's decoder (RFC 6455 §4.1, §4.2.2) ---- */
int oc_ws_key_valid(const uint8_t *key, size_t len);
void oc_ws_accept(const uint8_t *key, size_t len, char out[SY_WS_ACCEPT_LEN + 1]);
int oc_is_tchar(unsigned char c);
static inline int oc_is_ows(char c)
{
  return c == ' ' || c == '\t';
}
/* 1 iff a[0..alen) equals the NUL-terminated lit, ASCII case-insensitively. */
int oc_ieq(const char *a, size_t alen, const char *lit);
int oc_utf8_valid(const uint8_t *s, size_t n); /* decode-then-range, not the core's table */

/* ---- responses, re-parsed by llhttp in response mode ---- */
#define OC_MAX_RESP_FIELDS 24
struct oc_resp {
  int status, major, minor;
  size_t len; /* the whole message: head and body */
  size_t body_len;
  int upgrade;
  struct oc_field fields[OC_MAX_RESP_FIELDS];
  size_t n_fields;
};
/* Parses one response from p[0..n). head_request: the request was HEAD (no body follows).
 * Returns 1 if a whole message was parsed, 0 if incomplete, -1 if llhttp rejected it (llhttp's
 * reason in *why). */
int oc_parse_response(struct oc_resp *r, const uint8_t *p, size_t n, int head_request,
                      const char **why);
/* 1 iff the field named `name` is present; *value gets the first. */
int oc_resp_field(const struct oc_resp *r, const char *name, const char **v, size_t *vlen);
/* The same as oc_list_contains, over the response's fields, every list read as protocols. */
int oc_resp_list_has(const struct oc_resp *r, const char *name, const char *tok);

/* ---- the decision oracles ---- */
/* Every oracle about one decision: citation, status, fate, 101 and 426 rules, accept value,
 * fields. buf/len: the bytes the decision was made from (the head starts at buf[0]); req may be
 * a zeroed request for decisions made outside sy_decide (timeouts). */
void oc_check_decision(const struct sy_policy *pol, const struct sy_request *req,
                       const struct sy_decision *d, const uint8_t *buf, size_t len);
/* Renders d, then checks the bytes: well-formed HTTP/1.1 that llhttp (response mode) parses back
 * to d's status and fields; Content-Length rules; no repeated field. Returns the length; out
 * must hold SY_MAX_RESPONSE_BYTES. Also checks that smaller buffers give SY_ENOSPC. */
size_t oc_render_checked(const struct sy_decision *d, uint8_t *out);
/* Field-by-field equality (strings compared by content). */
int oc_decision_equal(const struct sy_decision *a, const struct sy_decision *b);
/* Checks the frames a server sends after a 101 (RFC 6455 §5.1: unmasked; §5.5: control frame
 * sizes; §7.4: close codes). Returns 1 if the bytes end on a frame boundary. */
int oc_check_server_frames(const uint8_t *p, size_t n);

/* Every operational error the core returns has its text (SY_ERRNO_MAP). */
void oc_check_errno(int rc);

/* ---- a default policy shared by the request targets ---- */
const struct sy_policy *oc_policy(void);

#endif
