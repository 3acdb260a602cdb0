/* SPDX-License-Identifier: MIT */
/* facts.h: what the reference core reads and decides about one request, in one flat fixed-size
 * struct that harness/core.py mirrors with ctypes. Built with the core and llhttp into
 * libsycore.so (mk/harness.mk); nothing here parses HTTP: every fact comes from the core's own
 * functions (sy_handle, sy_list_parse, sy_ws_key_valid, sy_reason_*).
 *
 * Spans are offsets into the caller's buffer. The core stops reading a request at its first
 * error, so for a request refused before the end of its head (complete == 0) the field lines
 * after error_offset are unknown and are not reported. Nothing allocates, prints or keeps
 * state between calls. */
#ifndef SY_FACTS_H
#define SY_FACTS_H

#include <stddef.h>
#include <stdint.h>

#include "switchyard.h"

/* Bumped whenever the struct's layout or the meaning of a field changes. */
#define SY_FACTS_ABI 1

#define SY_FACTS_MAX_HEADERS SY_MAX_HEADERS    /* the core keeps no more (431 beyond) */
#define SY_FACTS_MAX_ITEMS   SY_MAX_LIST_ITEMS /* list elements kept, as sy_list_parse keeps */
#define SY_FACTS_PATH_CAP    (SY_MAX_TARGET_BYTES + 1)
#define SY_FACTS_ERR_CAP     128         /* a policy error: "line N: why" */
#define SY_FACTS_MAX_INPUT   0x7fffffffu /* sy_request_parse's own bound */
#define SY_FACTS_UNKNOWN     (-1)

struct sy_facts_span {
  uint32_t off; /* into the caller's buffer */
  uint32_t len;
};

struct sy_facts {
  /* ---- the decision: sy_handle() with the policy ---- */
  int32_t decided;        /* 1 when sy_handle returned > 0; 0: it needs more bytes (the rest
                           * of this block is then 0 / SY_FACTS_UNKNOWN) */
  int32_t status;         /* 101, 426, ... */
  int32_t reason;         /* enum sy_reason (SY_R_NONE when not decided) */
  int32_t fate;           /* enum sy_fate, or SY_FACTS_UNKNOWN */
  int32_t proto;          /* enum sy_proto */
  uint32_t consumed;      /* bytes of the input the decision used */
  uint32_t switch_offset; /* first byte of the new protocol (fate SWITCH) */

  /* ---- the request as the core parsed it (struct sy_request) ---- */
  int32_t error;         /* enum sy_reason: why the message is malformed; SY_R_NONE */
  uint32_t error_offset; /* where the core saw it (0 without an error) */
  int32_t complete;      /* 1: the head was read to its end (no error before its end) */
  uint32_t head_len;     /* bytes up to and including the empty line; 0 unless complete */
  uint32_t message_len;  /* head + content (the core's message_len) */
  int32_t has_method;    /* the method and the SP after it were read */
  struct sy_facts_span method;
  int32_t has_target; /* the request-target and the SP after it were read */
  struct sy_facts_span target;
  int32_t has_line;    /* the request line starts after nothing but empty lines (CRLF,
                           * RFC 9112 §2.2, which the core skips) and its method was read */
  uint32_t line_start; /* its first byte (the method's); 0 without has_line */
  uint32_t line_end;   /* the LF that ends it, or the input's length; 0 without has_line */
  int32_t has_path;    /* complete: the target's path (without query; absolute-form: the
                           * path after the authority, "/" when it has none) */
  uint32_t path_len;
  char path[SY_FACTS_PATH_CAP];
  int32_t version_major; /* SY_FACTS_UNKNOWN unless complete */
  int32_t version_minor;
  int32_t keep_alive;                                /* 1/0: the connection persists after the request by its version and
                           * Connection (llhttp's should_keep_alive, RFC 9112 §9.3); -1 unless
                           * complete */
  uint32_t n_headers;                                /* field lines known: all of a complete head; otherwise those that
                           * certainly ended (CRLF, and the next line is no obs-fold) before
                           * the core stopped */
  struct sy_facts_span names[SY_FACTS_MAX_HEADERS];  /* exactly as sent */
  struct sy_facts_span values[SY_FACTS_MAX_HEADERS]; /* OWS trimmed both sides */

  /* ---- lists of the known field lines, read by sy_list_parse (RFC 9110 §5.3: all lines of a
   * field are one list; an obs-fold is read as SP, RFC 9112 §5.2). Elements before the first
   * malformed one are kept, as the core keeps them ---- */
  uint32_t upgrade_lines;
  int32_t upgrade_ok; /* 1: every Upgrade line is a list of protocols (SY_LIST_PROTOCOLS) */
  uint32_t n_offered;
  uint32_t offered_dropped; /* well-formed elements beyond SY_FACTS_MAX_ITEMS */
  struct sy_facts_span offered_names[SY_FACTS_MAX_ITEMS];
  struct sy_facts_span offered_versions[SY_FACTS_MAX_ITEMS]; /* len 0: no "/version" */
  uint32_t connection_lines;
  int32_t connection_ok; /* 1: every Connection line is a list of tokens (SY_LIST_TOKENS) */
  uint32_t n_options;
  uint32_t options_dropped;
  struct sy_facts_span options[SY_FACTS_MAX_ITEMS];

  /* ---- WebSocket (RFC 6455 §4.2.1) ---- */
  uint32_t ws_keys;          /* Sec-WebSocket-Key field lines */
  int32_t ws_key_valid;      /* sy_ws_key_valid() of the first one; SY_FACTS_UNKNOWN without */
  uint32_t ws_version_lines; /* Sec-WebSocket-Version field lines */

  char policy_error[SY_FACTS_ERR_CAP]; /* why the policy text was refused, NUL-terminated */
};

/* sizeof(struct sy_facts) and SY_FACTS_ABI: a caller refuses a library built from another
 * version of this file. */
size_t sy_facts_struct_size(void);
int sy_facts_abi(void);

/* SY_R__COUNT: the reasons are 1 .. count-1, read with sy_reason_name() and the others. */
int sy_facts_reason_count(void);

/* Fills *out for the request at buf[0..len): sy_handle() with the default policy, or with the
 * default policy changed by `policy` (policy_len bytes of policy-file text, docs/policy.md) when
 * it is not NULL. Returns 0; SY_EINVAL for a NULL out, a NULL buf with len > 0 or len over
 * SY_FACTS_MAX_INPUT; SY_ESYNTAX or SY_ELIMIT when the policy is refused (why in
 * out->policy_error). */
int sy_facts_read(const char *buf, size_t len, const char *policy, size_t policy_len,
                  struct sy_facts *out);

#endif
