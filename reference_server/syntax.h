/* SPDX-License-Identifier: MIT */
/* syntax.h: the RFC 9112 byte checks of syntax.c, pure functions that request.c asks around
 * llhttp. Internal to the core (sy__ names); test_syntax.c checks each against a table of rows.
 * A check that returns SY_R__COUNT means "no verdict yet": the bytes that decide it have not
 * arrived, and the caller waits for them rather than judge a prefix (split invariance). */
#ifndef SY_SYNTAX_H
#define SY_SYNTAX_H

#include "switchyard.h"

/* ---- a complete head ---- */
/* Strips OWS (SP, HTAB) from both ends of a field value (RFC 9110 §5.5). */
void sy__trim_ows(struct sy_span *s);
/* The method's id; methods are case-sensitive (RFC 9110 §9.1). SY_M_OTHER for any other. */
enum sy_method sy__method_id(struct sy_span m);
/* 1 iff a Host value is uri-host [":" port] (RFC 9110 §4.2.1, RFC 3986 §3.2.2), or empty. */
int sy__host_valid(struct sy_span h);
/* The target's path without query or fragment; "/" for an absolute-form target without a path,
 * an empty span (at the target) for the authority-form. */
struct sy_span sy__path_of(struct sy_span t);
/* One field line's name and value as llhttp passed them (header or trailer section): SY_R_NONE,
 * or SPACE_BEFORE_COLON, BAD_FIELD, OBS_FOLD or CTL_IN_FIELD. */
enum sy_reason sy__field_line_reason(struct sy_span name, struct sy_span value);
/* The checks llhttp 8 does not make on a head it accepted, `r` filled by request.c up to
 * head_len and `buf` the bytes it was parsed from (RFC 9112 §2.2, §3, §3.2, §5.1, §5.2, §6.1,
 * RFC 9110 §5.1): the first failure's reason, or SY_R_NONE. */
enum sy_reason sy__check_head(const struct sy_request *r, const char *buf);

/* ---- naming an llhttp error by the bytes before it (buf[0..len) is what has arrived) ---- */
/* What byte i says on its own: BARE_LF, BARE_CR, CTL_IN_FIELD, SY_R_NONE, or SY_R__COUNT for a
 * CR that is the last byte that has arrived (bare or not: the next byte decides). */
enum sy_reason sy__byte_reason(const char *buf, size_t i, size_t len);
/* The first of buf[0..end) that sy__byte_reason names, or SY_R_NONE. */
enum sy_reason sy__classify_bytes(const char *buf, size_t end, size_t len);
/* Where a complete (CRLF-ended) request line, after any empty lines, carries a well-formed
 * HTTP-version ("HTTP/" DIGIT "." DIGIT after its second and last SP), or NULL. */
const char *sy__line_version(const char *buf, size_t len);
/* 1 iff the request line has not ended and what follows its second SP may still become
 * "HTTP/D.D" CRLF (llhttp refuses "HTTP/3.1" at the minor digit, before that CRLF). */
int sy__other_version_prefix(const char *buf, size_t len);
/* llhttp stopped on the method: METHOD_NOT_IMPLEMENTED (a token and SP), BAD_SYNTAX (no
 * request line can start so), BAD_REQUEST_LINE, `b` when it is a bare CR or LF (b: the
 * sy__classify_bytes verdict), or SY_R_NONE while the method is still a token prefix. */
enum sy_reason sy__method_error(const char *buf, size_t len, enum sy_reason b);
/* llhttp stopped at pos right after a field name and SP/HTAB: SPACE_BEFORE_COLON when a colon
 * follows the whitespace, SY_R__COUNT when only whitespace has arrived, else SY_R_NONE. */
enum sy_reason sy__space_before_colon(const char *buf, size_t pos, size_t len);

#endif
