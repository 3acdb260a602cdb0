/* SPDX-License-Identifier: MIT */
/* reasons.c: lookups over SY_REASON_MAP, SY_STATUS_MAP and SY_ERRNO_MAP (no second copy of any
 * table). */
#include <stddef.h>

#include "switchyard.h"

struct row {
  const char *name;
  int status;
  const char *rfc;
  enum sy_level level;
  const char *text;
};

static const struct row rows[SY_R__COUNT] = {
    [SY_R_NONE] = {"NONE", 0, "", SY_LEVEL_MAY, "no decision"},
#define XX(name, status, rfc, level, text) [SY_R_##name] = {#name, status, rfc, SY_LEVEL_##level, text},
    SY_REASON_MAP(XX)
#undef XX
};

static const struct row *row(enum sy_reason r)
{
  return (r >= 0 && r < SY_R__COUNT) ? &rows[r] : &rows[SY_R_NONE];
}

const char *sy_reason_name(enum sy_reason r)
{
  return row(r)->name;
}
int sy_reason_status(enum sy_reason r)
{
  return row(r)->status;
}
const char *sy_reason_rfc(enum sy_reason r)
{
  return row(r)->rfc;
}
enum sy_level sy_reason_level(enum sy_reason r)
{
  return row(r)->level;
}
const char *sy_reason_text(enum sy_reason r)
{
  return row(r)->text;
}

const char *sy_level_name(enum sy_level l)
{
  switch (l) {
  case SY_LEVEL_MUST:
    return "MUST";
  case SY_LEVEL_SHOULD:
    return "SHOULD";
  case SY_LEVEL_MAY:
    return "MAY";
  }
  return "?";
}

const char *sy_strerror(int err)
{
  switch (err) {
#define XX(name, value, text) \
  case value:                 \
    return text;
    SY_ERRNO_MAP(XX)
#undef XX
  }
  return "unknown error";
}

const char *sy_status_phrase(int status)
{
  switch (status) {
#define XX(code, phrase) \
  case code:             \
    return phrase;
    SY_STATUS_MAP(XX)
#undef XX
  }
  return "Unknown";
}
