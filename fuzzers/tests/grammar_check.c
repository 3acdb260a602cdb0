/* SPDX-License-Identifier: MIT */
/* grammar_check.c: test_grammar.py's driver for grammar.c and tokens.c. Linked with the replay
 * build's core (ASan+UBSan), it decides every generated request and prints one JSON line:
 *   batch SEED COUNT   sy_fuzz_generate_batch; per kind and validity, the statuses seen
 *   tokens SEED COUNT  chains of sy_fuzz_token_mutate from valid requests, in buffers only a
 *                      little larger than the input (ASan sees a write past them); how many
 *                      calls changed the bytes, and the statuses after one mutation
 *   dump SEED COUNT    the batch's bytes, each followed by a line "\n--\n" (for reading) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grammar.h"
#include "oracles.h"

static int status_of(const uint8_t *d, size_t n)
{
  struct sy_request req;
  struct sy_decision dec;
  int rc = sy_handle(oc_policy(), (const char *)d, n, &req, &dec);
  return rc == SY_INCOMPLETE ? 0 : dec.status;
}

static void count(int *seen, int status)
{
  seen[status < 0 || status > 599 ? 0 : status]++;
}

static void print_seen(const char *name, const int *seen, int last)
{
  printf("\"%s\": {", name);
  for (int s = 0, first = 1; s < 600; s++)
    if (seen[s]) {
      printf("%s\"%d\": %d", first ? "" : ", ", s, seen[s]);
      first = 0;
    }
  printf("}%s", last ? "" : ", ");
}

static int batch(uint64_t seed, size_t n, int dump)
{
  static int seen[SY_FUZZ_KINDS * 2][600];
  static const char *const names[] = {"websocket", "h2c", "tls", "plain"};
  size_t cap = n * 4096, *lens = calloc(n, sizeof *lens), got, at = 0;
  uint8_t *buf = malloc(cap);
  got = sy_fuzz_generate_batch(seed, buf, cap, lens, n);
  for (size_t i = 0; i < got; i++) {
    if (dump) {
      fwrite(buf + at, 1, lens[i], stdout);
      fputs("\n--\n", stdout);
    } else {
      count(seen[(i % SY_FUZZ_KINDS) * 2 + ((i / SY_FUZZ_KINDS) % 4 == 0 ? 0 : 1)],
            status_of(buf + at, lens[i]));
    }
    at += lens[i];
  }
  if (!dump) {
    printf("{\"generated\": %zu, \"bytes\": %zu, ", got, at);
    for (int k = 0; k < SY_FUZZ_KINDS * 2; k++) {
      char name[32];
      snprintf(name, sizeof name, "%s/%s", names[k / 2], k % 2 ? "near" : "valid");
      print_seen(name, seen[k], k == SY_FUZZ_KINDS * 2 - 1);
    }
    printf("}\n");
  }
  free(buf);
  free(lens);
  return 0;
}

static int tokens(uint64_t seed, size_t n)
{
  static int seen[600];
  uint64_t r = seed;
  size_t changed = 0, calls = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t src[4096];
    size_t len = sy_fuzz_generate(&r, SY_FUZZ_WEBSOCKET, 0, src, sizeof src);
    size_t max = len + 1 + (size_t)(oc_rand(&r) % 64);
    uint8_t *d = malloc(max); /* exact size: a write past max is an ASan report */
    memcpy(d, src, len);
    for (int k = 0; k < 1 + (int)(oc_rand(&r) % 4); k++) {
      size_t before = len;
      uint8_t prev[4096];
      memcpy(prev, d, len);
      len = sy_fuzz_token_mutate(&r, d, len, max);
      calls++;
      changed += len != before || memcmp(prev, d, len) != 0;
      if (k == 0)
        count(seen, status_of(d, len));
    }
    free(d);
  }
  printf("{\"calls\": %zu, \"changed\": %zu, ", calls, changed);
  print_seen("after_one", seen, 1);
  printf("}\n");
  return 0;
}

int main(int argc, char **argv)
{
  if (argc != 4)
    return fprintf(stderr, "usage: %s batch|tokens|dump SEED COUNT\n", argv[0]), 2;
  uint64_t seed = strtoull(argv[2], NULL, 10);
  size_t n = strtoull(argv[3], NULL, 10);
  if (strcmp(argv[1], "tokens") == 0)
    return tokens(seed, n);
  return batch(seed, n, strcmp(argv[1], "dump") == 0);
}
