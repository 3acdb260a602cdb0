/* SPDX-License-Identifier: MIT */
/* session.h: internal seam between conn.c and the sessions that follow an h2c or TLS switch
 * (h2c.c over libnghttp2, tls.c over OpenSSL memory BIOs). Not public: sy__ names. */
#ifndef SY_SESSION_H
#define SY_SESSION_H

#include "switchyard.h"

/* Start the session after the 101 for `req` (whose bytes are still in c->in). 0, or < 0 when
 * the session cannot start (no library in this build, no TLS context, out of memory): the
 * connection then closes after the 101. */
int sy__h2_start(struct sy_conn *c, const struct sy_request *req);
int sy__tls_start(struct sy_conn *c, const struct sy_request *req, const struct sy_decision *d);
/* One step: feed c->in to the library, move its output into c->out. 1 to step again. */
int sy__h2_step(struct sy_conn *c);
int sy__tls_step(struct sy_conn *c);
void sy__h2_free(struct sy_conn *c);
void sy__tls_free(struct sy_conn *c);

/* conn.c's helpers the sessions share. */
size_t sy__conn_out_room(const struct sy_conn *c);
void sy__conn_consume(struct sy_conn *c, size_t n);

#endif
