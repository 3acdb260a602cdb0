/* SPDX-License-Identifier: MIT */
/* response.h: parse one HTTP/1.x response with llhttp, for the harness (loaded from Python by
 * ctypes) and the fuzz oracles (fuzzers/rfc_response.c): the one llhttp response reader.
 * Nothing here allocates or keeps state between calls; spans are offsets into the caller's buffer. */
#ifndef SY_RESPONSE_H
#define SY_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#define SY_RESP_MAX_HEADERS 128

struct sy_resp_span {
  uint32_t off;
  uint32_t len;
};

struct sy_resp {
  int32_t status; /* 0 until the status line was parsed */
  int32_t http_major;
  int32_t http_minor;
  int32_t complete;      /* 1: the message ended (length, chunked end, or EOF when allowed) */
  int32_t upgrade;       /* 1: a 101 head ended; bytes from `consumed` on are the new protocol */
  int32_t error;         /* llhttp_errno_t; 0 = no error (a pause for our own stop is not one) */
  int32_t head_complete; /* 1: the head (status line + fields + blank line) was parsed */
  uint32_t head_len;     /* bytes of buf up to and including the blank line, when head_complete */
  uint32_t consumed;     /* bytes of buf that belong to this message (or to the error position) */
  struct sy_resp_span reason;
  uint32_t nheaders;        /* field lines kept (at most SY_RESP_MAX_HEADERS) */
  uint32_t dropped_headers; /* field lines beyond the capacity */
  struct sy_resp_span names[SY_RESP_MAX_HEADERS];
  struct sy_resp_span values[SY_RESP_MAX_HEADERS];
  uint32_t body_len;   /* body bytes copied into the caller's body buffer (de-chunked) */
  uint32_t body_total; /* body bytes seen, may exceed the buffer */
  int32_t keep_alive;  /* when complete: 1 if the connection persists after it (llhttp, RFC 9112 §9.3) */
};

/* sizeof(struct sy_resp), so that a caller can refuse a library built from another version. */
size_t sy_resp_struct_size(void);

/* Parses the response that starts at buf[0]. `eof` says the peer closed after these bytes (so a
 * read-until-close body ends here). `no_body` says it answers a HEAD request. The de-chunked body
 * is copied into body[0..body_cap). Returns 0, or -1 on a NULL argument. Stops at the end of the
 * first message: call again at buf + out->consumed for a pipelined next response. */
int sy_resp_parse(const char *buf, size_t len, int eof, int no_body, struct sy_resp *out, char *body,
                  size_t body_cap);

/* The llhttp name of an errno value (for example "HPE_INVALID_CONSTANT"). */
const char *sy_resp_errno_name(int err);

#endif
