/* SPDX-License-Identifier: MIT */
/* response.c: llhttp-backed response parser for the differential harness (no Python HTTP parser)
 * and the fuzz oracles. */
#include "response.h"

#include <string.h>

#include "llhttp.h"

struct ctx {
  const char *base;
  struct sy_resp *out;
  char *body;
  size_t body_cap;
  int no_body;
  int in_value; /* 1 while the current field's value is being collected */
};

static struct ctx *ctx_of(llhttp_t *p)
{
  return (struct ctx *)p->data;
}

/* Spans arrive in one piece per call because the whole buffer is passed to one execute; the
 * append form still covers a split span so the offsets stay right. */
static void span_add(struct sy_resp_span *s, const char *base, const char *at, size_t len)
{
  if (s->len == 0)
    s->off = (uint32_t)(at - base);
  s->len += (uint32_t)len;
}

static int on_status(llhttp_t *p, const char *at, size_t len)
{
  struct ctx *c = ctx_of(p);
  span_add(&c->out->reason, c->base, at, len);
  return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
  struct ctx *c = ctx_of(p);
  struct sy_resp *o = c->out;
  if (c->in_value || o->nheaders + o->dropped_headers == 0) {
    /* a new field line starts */
    c->in_value = 0;
    if (o->nheaders < SY_RESP_MAX_HEADERS) {
      o->nheaders++;
      memset(&o->names[o->nheaders - 1], 0, sizeof o->names[0]);
      memset(&o->values[o->nheaders - 1], 0, sizeof o->values[0]);
    } else {
      o->dropped_headers++;
    }
  }
  if (o->dropped_headers == 0)
    span_add(&o->names[o->nheaders - 1], c->base, at, len);
  return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
  struct ctx *c = ctx_of(p);
  struct sy_resp *o = c->out;
  c->in_value = 1;
  if (o->dropped_headers == 0 && o->nheaders > 0)
    span_add(&o->values[o->nheaders - 1], c->base, at, len);
  return 0;
}

static int on_header_value_complete(llhttp_t *p)
{
  /* an empty value never calls on_header_value: the next name still starts a new line */
  ctx_of(p)->in_value = 1;
  return 0;
}

static int on_headers_complete(llhttp_t *p)
{
  struct ctx *c = ctx_of(p);
  c->out->status = p->status_code;
  c->out->http_major = p->http_major;
  c->out->http_minor = p->http_minor;
  c->out->head_complete = 1;
  /* 1 = "no body" (a response to HEAD), per llhttp's contract for on_headers_complete */
  return c->no_body ? 1 : 0;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
  struct ctx *c = ctx_of(p);
  struct sy_resp *o = c->out;
  size_t room = c->body_cap > o->body_len ? c->body_cap - o->body_len : 0;
  size_t n = len < room ? len : room;
  if (n > 0 && c->body != NULL) {
    memcpy(c->body + o->body_len, at, n);
    o->body_len += (uint32_t)n;
  }
  o->body_total += (uint32_t)len;
  return 0;
}

static int on_message_complete(llhttp_t *p)
{
  ctx_of(p)->out->complete = 1;
  ctx_of(p)->out->keep_alive = llhttp_should_keep_alive(p);
  /* stop here: the bytes that follow belong to the next message (or to a new protocol) */
  return HPE_PAUSED;
}

int sy_resp_parse(const char *buf, size_t len, int eof, int no_body, struct sy_resp *out, char *body,
                  size_t body_cap)
{
  llhttp_t parser;
  llhttp_settings_t settings;
  struct ctx c;
  llhttp_errno_t err;

  if (buf == NULL || out == NULL)
    return -1;
  memset(out, 0, sizeof *out);
  memset(&c, 0, sizeof c);
  c.base = buf;
  c.out = out;
  c.body = body;
  c.body_cap = body_cap;
  c.no_body = no_body;

  llhttp_settings_init(&settings);
  settings.on_status = on_status;
  settings.on_header_field = on_header_field;
  settings.on_header_value = on_header_value;
  settings.on_header_value_complete = on_header_value_complete;
  settings.on_headers_complete = on_headers_complete;
  settings.on_body = on_body;
  settings.on_message_complete = on_message_complete;
  llhttp_init(&parser, HTTP_RESPONSE, &settings);
  parser.data = &c;

  err = llhttp_execute(&parser, buf, len);
  if (err == HPE_OK) {
    out->consumed = (uint32_t)len;
    if (eof && !out->complete) {
      err = llhttp_finish(&parser);
      if (err == HPE_PAUSED)
        err = HPE_OK; /* on_message_complete ran inside finish */
    }
  } else if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) {
    out->consumed = (uint32_t)(llhttp_get_error_pos(&parser) - buf);
    if (err == HPE_PAUSED_UPGRADE || (out->complete && parser.upgrade && out->status == 101))
      out->upgrade = 1;
    err = HPE_OK;
  } else {
    const char *pos = llhttp_get_error_pos(&parser);
    out->consumed = pos != NULL ? (uint32_t)(pos - buf) : (uint32_t)len;
  }
  out->error = (int32_t)err;
  if (out->head_complete) {
    /* llhttp has no head-end callback position; the head ends at the first blank line */
    const char *end = NULL;
    size_t i;
    for (i = 0; i + 1 < len; i++) {
      if (buf[i] == '\n' && (buf[i + 1] == '\n' || (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n'))) {
        end = buf + i + (buf[i + 1] == '\n' ? 2 : 3);
        break;
      }
    }
    out->head_len = end != NULL ? (uint32_t)(end - buf) : out->consumed;
  }
  return 0;
}

const char *sy_resp_errno_name(int err)
{
  return llhttp_errno_name((llhttp_errno_t)err);
}

size_t sy_resp_struct_size(void)
{
  return sizeof(struct sy_resp);
}
