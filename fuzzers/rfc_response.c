/* SPDX-License-Identifier: MIT */
/* rfc_response.c: one response re-parsed by llhttp in response mode. */
#include <string.h>

#include "llhttp.h"
#include "oracles.h"

struct resp_ctx {
  struct oc_resp *r;
  int head_request;
  int in_value;
  int overflow;
};

static int r_field(llhttp_t *p, const char *at, size_t n)
{
  struct resp_ctx *c = p->data;
  struct oc_resp *r = c->r;
  if (c->in_value || r->n_fields == 0) {
    if (r->n_fields == OC_MAX_RESP_FIELDS) {
      c->overflow = 1;
      return -1;
    }
    r->fields[r->n_fields].name = at;
    r->fields[r->n_fields].nlen = 0;
    r->fields[r->n_fields].value = NULL;
    r->fields[r->n_fields].vlen = 0;
    r->n_fields++;
    c->in_value = 0;
  }
  r->fields[r->n_fields - 1].nlen = (size_t)(at + n - r->fields[r->n_fields - 1].name);
  return 0;
}

static int r_value(llhttp_t *p, const char *at, size_t n)
{
  struct resp_ctx *c = p->data;
  struct oc_field *f = &c->r->fields[c->r->n_fields - 1];
  if (f->value == NULL)
    f->value = at;
  f->vlen = (size_t)(at + n - f->value);
  c->in_value = 1;
  return 0;
}

static int r_headers_complete(llhttp_t *p)
{
  struct resp_ctx *c = p->data;
  c->r->status = p->status_code;
  c->r->major = p->http_major;
  c->r->minor = p->http_minor;
  return c->head_request ? 1 : 0; /* 1: no body follows (response to HEAD) */
}

static int r_body(llhttp_t *p, const char *at, size_t n)
{
  (void)at;
  ((struct resp_ctx *)p->data)->r->body_len += n;
  return 0;
}

static int r_complete(llhttp_t *p)
{
  (void)p;
  return HPE_PAUSED; /* stop at the end of this message */
}

int oc_parse_response(struct oc_resp *r, const uint8_t *buf, size_t n, int head_request,
                      const char **why)
{
  llhttp_settings_t s;
  llhttp_t p;
  struct resp_ctx c = {r, head_request, 0, 0};
  llhttp_errno_t e;
  memset(r, 0, sizeof *r);
  if (why)
    *why = "";
  llhttp_settings_init(&s);
  s.on_header_field = r_field;
  s.on_header_value = r_value;
  s.on_headers_complete = r_headers_complete;
  s.on_body = r_body;
  s.on_message_complete = r_complete;
  llhttp_init(&p, HTTP_RESPONSE, &s);
  p.data = &c;
  e = llhttp_execute(&p, (const char *)buf, n);
  if (e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) {
    r->len = (size_t)(llhttp_get_error_pos(&p) - (const char *)buf);
    r->upgrade = e == HPE_PAUSED_UPGRADE || llhttp_get_upgrade(&p);
    /* the head ends at the CRLF CRLF before the body */
    for (size_t i = 3; i < r->len; i++)
      if (buf[i - 3] == '\r' && buf[i - 2] == '\n' && buf[i - 1] == '\r' && buf[i] == '\n') {
        r->head_len = i + 1;
        break;
      }
    return 1;
  }
  if (e == HPE_OK)
    return 0;
  if (why)
    *why = c.overflow ? "too many fields" : llhttp_errno_name(e);
  return -1;
}

int oc_resp_field(const struct oc_resp *r, const char *name, const char **v, size_t *vlen)
{
  for (size_t i = 0; i < r->n_fields; i++)
    if (oc_ieq(r->fields[i].name, r->fields[i].nlen, name)) {
      if (v)
        *v = r->fields[i].value ? r->fields[i].value : "";
      if (vlen)
        *vlen = r->fields[i].vlen;
      return 1;
    }
  return 0;
}
