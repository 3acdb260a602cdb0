/* SPDX-License-Identifier: MIT */
/* mutator.c: the request mutator's entry points for the engines, over the request targets
 * (fuzz_decide, fuzz_stream, fuzz_render). A mutation is a request made from nothing (grammar.c:
 * WebSocket, h2c, TLS offers and plain requests with valid and near-valid values), a field or
 * token operation (tokens.c: swap, repeat, drop, case, OWS, fold, a list split over lines), a
 * shape operation on the request's lines (shape_ops.c), or bytes (libFuzzer's LLVMFuzzerMutate
 * where it is linked). The crossover splices field lines of one input into another's head.
 *
 * Built three ways: linked into the targets (LLVMFuzzerCustomMutator, LLVMFuzzerCustomCrossOver;
 * active only where sy_fuzz_request_shaped is defined), as an AFL++ custom mutator library with
 * -DSY_AFL_MUTATOR (AFL_CUSTOM_MUTATOR_LIBRARY=build/fuzz-afl/sy_mutator.so; also
 * build/libsyfuzz.so for the diff-fuzz loop), and not at all for the `*_plain` variants that
 * `make fuzz-mutator-compare` measures against. */
#include <stdlib.h>
#include <string.h>

#include "grammar.h"
#include "oracles.h"
#include "shape.h"

/* Absent under engines that do not provide it (the AFL++ library): then bytes are mutated here. */
__attribute__((weak)) size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
/* Present only in request-shaped targets (oracles.h): oss-fuzz/build.sh links every support file
 * of fuzzers/ into every target, so the mutator must stand aside for the others. */
extern const int sy_fuzz_request_shaped __attribute__((weak));

/* Byte-level mutation when libFuzzer's is not linked (AFL++ library). */
size_t sy__bytes_mutate(uint64_t *r, uint8_t *d, size_t n, size_t max)
{
  if (LLVMFuzzerMutate)
    return LLVMFuzzerMutate(d, n, max);
  for (int k = 1 + (int)oc_below(r, 4); k > 0; k--) {
    size_t at = oc_below(r, n + 1);
    switch (oc_below(r, 3)) {
    case 0:
      if (n)
        d[oc_below(r, n)] = (uint8_t)oc_rand(r);
      break;
    case 1:
      if (n < max) {
        memmove(d + at + 1, d + at, n - at);
        d[at] = (uint8_t)oc_rand(r);
        n++;
      }
      break;
    default:
      if (n && at < n) {
        memmove(d + at, d + at + 1, n - at - 1);
        n--;
      }
    }
  }
  return n;
}

/* One mutation: a request generated from the grammar (grammar.c) when the input is not one yet
 * (a campaign with no seeds starts from the empty input) and one time in 128 anyway (more often
 * fills the corpus with generated near-misses, which dilutes the inputs that got far); a field
 * or token operation (tokens.c) one time in 8; a shape operation (shape_ops.c) otherwise. */
static size_t mutate_one(uint8_t *data, size_t size, size_t max, uint64_t *r)
{
  if (size < 4 || oc_below(r, 128) == 0)
    return sy_fuzz_generate(r, SY_FUZZ_KINDS, oc_below(r, 4) ? 6 : 0, data, max);
  if (oc_below(r, 8) == 0)
    return sy_fuzz_token_mutate(r, data, size, max);
  return sy__shape_mutate(data, size, max, r);
}

/* SY_MUTATOR=plain: byte mutation only (and libFuzzer-like crossover), for comparisons. */
static int plain_only(void)
{
  static int v = -1;
  if (v < 0) {
    const char *e = getenv("SY_MUTATOR");
    v = (e && strcmp(e, "plain") == 0) || &sy_fuzz_request_shaped == NULL;
  }
  return v;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
  uint64_t r = seed;
  if (plain_only() || oc_below(&r, 5) == 0)
    return sy__bytes_mutate(&r, data, size, max_size);
  return mutate_one(data, size, max_size, &r);
}

/* Field lines of one input spliced into the head of another. */
size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2,
                                 uint8_t *out, size_t max_out, unsigned int seed)
{
  static struct sy__shape a, b;
  struct sy__out o = {out, 0, max_out};
  uint64_t r = seed;
  if (plain_only()) {
    /* a prefix of one input and a suffix of the other */
    size_t p = oc_below(&r, s1 + 1), q = oc_below(&r, s2 + 1);
    sy__emit(&o, d1, p);
    sy__emit(&o, d2 + q, s2 - q);
    return o.n;
  }
  sy__shape_split(&a, d1, s1);
  sy__shape_split(&b, d2, s2);
  if (a.n == 0) {
    size_t n = s1 < max_out ? s1 : max_out;
    memcpy(out, d1, n);
    return n;
  }
  sy__emit_line(&o, &a.l[0]);
  for (size_t i = 1; i < a.n; i++) {
    if (oc_below(&r, 3))
      sy__emit_line(&o, &a.l[i]);
    if (b.n > 1 && oc_below(&r, 3) == 0)
      sy__emit_line(&o, &b.l[1 + oc_below(&r, b.n - 1)]);
  }
  sy__emits(&o, a.has_blank ? a.blank : "\r\n");
  if (oc_below(&r, 2))
    sy__emit(&o, a.tail, a.tail_n);
  else
    sy__emit(&o, b.tail, b.tail_n);
  return o.n;
}

#ifdef SY_AFL_MUTATOR
/* AFL++ custom mutator API (docs/custom_mutators.md): AFL_CUSTOM_MUTATOR_LIBRARY=this.so */
struct afl_state;
struct sy_afl {
  uint64_t r;
  uint8_t *buf;
  size_t cap;
};
void *afl_custom_init(struct afl_state *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size);
void afl_custom_deinit(void *data);

void *afl_custom_init(struct afl_state *afl, unsigned int seed)
{
  struct sy_afl *m = calloc(1, sizeof *m);
  (void)afl;
  m->r = seed;
  return m;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size)
{
  struct sy_afl *m = data;
  size_t cap = max_size < SY__SHAPE_SCRATCH ? max_size : SY__SHAPE_SCRATCH;
  if (m->cap < cap) {
    m->buf = realloc(m->buf, cap);
    m->cap = cap;
  }
  if (add_buf && add_buf_size && oc_below(&m->r, 8) == 0) {
    *out_buf = m->buf;
    return LLVMFuzzerCustomCrossOver(buf, buf_size, add_buf, add_buf_size, m->buf, cap,
                                     (unsigned)oc_rand(&m->r));
  }
  if (buf_size > cap)
    buf_size = cap;
  memcpy(m->buf, buf, buf_size);
  *out_buf = m->buf;
  return mutate_one(m->buf, buf_size, cap, &m->r);
}

void afl_custom_deinit(void *data)
{
  struct sy_afl *m = data;
  free(m->buf);
  free(m);
}
#endif
