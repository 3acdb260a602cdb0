/* SPDX-License-Identifier: MIT */
/* shape.h: a request as the request mutator sees it: the request line, the field lines, the
 * empty line that ends the head and what follows it, each line with its own ending. shape.c
 * splits and writes shapes; shape_ops.c edits them (the operators); mutator.c is the engines'
 * entry points; upgrade_ops.c (the diff-fuzz library's operators) writes through struct sy__out.
 * Internal to the mutators: nothing outside fuzzers/ uses it. */
#ifndef SY_FUZZ_SHAPE_H
#define SY_FUZZ_SHAPE_H

#include <stddef.h>
#include <stdint.h>

#define SY__SHAPE_MAX_LINES 96
#define SY__SHAPE_SCRATCH   (64 * 1024) /* the largest input the shape operators rebuild */

struct sy__line {
  const uint8_t *p; /* without its line ending */
  size_t n;
  const char *eol; /* "\r\n", "\n", "\r", "" */
};

struct sy__shape {
  struct sy__line l[SY__SHAPE_MAX_LINES];
  size_t n;          /* l[0] is the request line, l[1..n) field lines */
  int has_blank;     /* the empty line that ends the head was seen */
  const char *blank; /* its ending */
  const uint8_t *tail;
  size_t tail_n;
};

/* An output buffer that drops what does not fit. */
struct sy__out {
  uint8_t *p;
  size_t n, cap;
};

/* Splits d into s; s points into d. */
void sy__shape_split(struct sy__shape *s, const uint8_t *d, size_t n);

void sy__emit(struct sy__out *o, const void *p, size_t n);
void sy__emits(struct sy__out *o, const char *s);
void sy__emit_line(struct sy__out *o, const struct sy__line *l);

/* Writes the head of s (with `extra` as one more field line when non-NULL), the empty line and
 * `body` into data (at most max bytes); returns the length. */
size_t sy__shape_rebuild(const struct sy__shape *s, const char *extra, const uint8_t *body,
                         size_t bn, uint8_t *data, size_t max);

/* One shape operation on data (size bytes, room for max): shape_ops.c. */
size_t sy__shape_mutate(uint8_t *data, size_t size, size_t max, uint64_t *r);

/* Byte mutation: libFuzzer's where it is linked, else a few byte edits (mutator.c). */
size_t sy__bytes_mutate(uint64_t *r, uint8_t *d, size_t n, size_t max);

#endif
