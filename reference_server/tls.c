/* SPDX-License-Identifier: MIT */
/* tls.c: the TLS session after an RFC 2817 101, OpenSSL over two memory BIOs (SSL_set_bio with
 * BIO_s_mem), so the connection stays bytes in, bytes out. RFC 2817 §3.3: the server handshakes
 * on the same connection, then "MUST continue with the response to the original request" inside
 * TLS; "Any TLS handshake failure MUST lead to disconnection". The answer says Connection: close:
 * one request is served inside TLS, then close_notify and close.
 *
 * CVE-2025-49812 (httpd) served plaintext that followed the offer as if it came through TLS.
 * Here nothing reaches the application but what OpenSSL decrypted after a completed handshake,
 * and the first byte after the request must open a TLS handshake record (content type 22,
 * version 3.x; RFC 8446 §5.1): plaintext there fails the connection before OpenSSL sees it.
 * Compiled out with SY_NO_SESSIONS (switchyard.h). */
#include <stdio.h>
#include <string.h>

#include "session.h"

/* -Ireference_server makes <limits.h> our limits.h, for OpenSSL's headers too: INT_MAX from the
 * compiler (GCC and clang both predefine __INT_MAX__). */
#ifndef INT_MAX
#define INT_MAX __INT_MAX__
#endif

#ifdef SY_NO_SESSIONS

struct sy_tls_ctx *sy_tls_ctx_new(const char *cert_pem, size_t cert_len, const char *key_pem,
                                  size_t key_len, char *err, size_t errcap)
{
  (void)cert_pem, (void)cert_len, (void)key_pem, (void)key_len;
  if (err && errcap)
    strncpy(err, "built with SY_NO_SESSIONS", errcap - 1), err[errcap - 1] = '\0';
  return NULL;
}
struct sy_tls_ctx *sy_tls_ctx_new_ephemeral(const char *cn, char *err, size_t errcap)
{
  (void)cn;
  return sy_tls_ctx_new(NULL, 0, NULL, 0, err, errcap);
}
void sy_tls_ctx_free(struct sy_tls_ctx *ctx)
{
  (void)ctx;
}
int sy_sessions_available(void)
{
  return 0;
}
int sy__tls_start(struct sy_conn *c, const struct sy_request *req, const struct sy_decision *d)
{
  (void)c, (void)req, (void)d;
  return SY_EINVAL;
}
int sy__tls_step(struct sy_conn *c)
{
  (void)c;
  return 0;
}
void sy__tls_free(struct sy_conn *c)
{
  (void)c;
}

#else

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

struct sy_tls_ctx {
  SSL_CTX *ctx;
};

enum { TLS_FIRST_BYTES = 1,
       TLS_HANDSHAKE,
       TLS_DONE,
       TLS_FAILED };

int sy_sessions_available(void)
{
  return 1;
}

static struct sy_tls_ctx *fail(SSL_CTX *ctx, const char *what, char *err, size_t errcap)
{
  unsigned long e = ERR_get_error();
  if (err && errcap) {
    char lib[256];
    ERR_error_string_n(e, lib, sizeof lib);
    snprintf(err, errcap, "%s%s%s", what, e ? ": " : "", e ? lib : "");
  }
  ERR_clear_error();
  SSL_CTX_free(ctx);
  return NULL;
}

static struct sy_tls_ctx *wrap(SSL_CTX *ctx, X509 *cert, EVP_PKEY *key, char *err, size_t errcap)
{
  struct sy_tls_ctx *t;
  int ok = cert && key && SSL_CTX_use_certificate(ctx, cert) == 1 &&
           SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!ok)
    return fail(ctx, "certificate or key unusable", err, errcap);
  t = OPENSSL_zalloc(sizeof *t);
  if (t == NULL)
    return fail(ctx, "out of memory", err, errcap);
  t->ctx = ctx;
  return t;
}

static SSL_CTX *server_ctx(void)
{
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (ctx) {
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION); /* RFC 8996 */
    SSL_CTX_set_num_tickets(ctx, 0);                    /* one answer, then close: nothing to resume */
  }
  return ctx;
}

struct sy_tls_ctx *sy_tls_ctx_new(const char *cert_pem, size_t cert_len, const char *key_pem,
                                  size_t key_len, char *err, size_t errcap)
{
  SSL_CTX *ctx = server_ctx();
  BIO *cb, *kb;
  X509 *cert;
  EVP_PKEY *key;
  if (ctx == NULL)
    return fail(NULL, "SSL_CTX_new", err, errcap);
  if (cert_len > INT_MAX || key_len > INT_MAX)
    return fail(ctx, "PEM text too large", err, errcap);
  cb = BIO_new_mem_buf(cert_pem, (int)cert_len);
  kb = BIO_new_mem_buf(key_pem, (int)key_len);
  cert = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
  key = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
  BIO_free(cb);
  BIO_free(kb);
  if (cert == NULL || key == NULL) {
    X509_free(cert);
    EVP_PKEY_free(key);
    return fail(ctx, cert == NULL ? "no PEM certificate" : "no PEM private key", err, errcap);
  }
  return wrap(ctx, cert, key, err, errcap);
}

struct sy_tls_ctx *sy_tls_ctx_new_ephemeral(const char *cn, char *err, size_t errcap)
{
  SSL_CTX *ctx = server_ctx();
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *cert = X509_new();
  X509_NAME *name;
  int ok;
  if (ctx == NULL || key == NULL || cert == NULL) {
    X509_free(cert);
    EVP_PKEY_free(key);
    return fail(ctx, "cannot make a key", err, errcap);
  }
  name = X509_get_subject_name(cert);
  ok = X509_set_version(cert, 2) && ASN1_INTEGER_set(X509_get_serialNumber(cert), 1) &&
       X509_gmtime_adj(X509_getm_notBefore(cert), 0) &&
       X509_gmtime_adj(X509_getm_notAfter(cert), 86400L) && X509_set_pubkey(cert, key) &&
       X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) &&
       X509_set_issuer_name(cert, name) && X509_sign(cert, key, EVP_sha256());
  if (!ok) {
    X509_free(cert);
    EVP_PKEY_free(key);
    return fail(ctx, "cannot sign a certificate", err, errcap);
  }
  return wrap(ctx, cert, key, err, errcap);
}

void sy_tls_ctx_free(struct sy_tls_ctx *t)
{
  if (t) {
    SSL_CTX_free(t->ctx);
    OPENSSL_free(t);
  }
}

int sy__tls_start(struct sy_conn *c, const struct sy_request *req, const struct sy_decision *d)
{
  SSL *ssl;
  BIO *rb, *wb;
  int version = TLS1_2_VERSION;
  if (c->opts.tls == NULL)
    return SY_EINVAL;
  for (size_t i = 0; i < d->n_fields; i++)
    if (d->fields[i].value && strncmp(d->fields[i].value, "TLS/1.3", 7) == 0)
      version = TLS1_3_VERSION;
  ssl = SSL_new(c->opts.tls->ctx);
  rb = BIO_new(BIO_s_mem());
  wb = BIO_new(BIO_s_mem());
  if (ssl == NULL || rb == NULL || wb == NULL) {
    SSL_free(ssl);
    BIO_free(rb);
    BIO_free(wb);
    ERR_clear_error();
    return SY_ELIMIT;
  }
  SSL_set_bio(ssl, rb, wb);
  SSL_set_accept_state(ssl);
  /* The 101 named one version (decide.c tls_stack): the handshake holds to it. */
  SSL_set_min_proto_version(ssl, version);
  SSL_set_max_proto_version(ssl, version);
  sy_decide_switched(req, &c->inner);
  c->inner.fields[c->inner.n_fields++] = (struct sy_field){"Connection", "close"};
  c->tls = ssl;
  c->tls_state = TLS_FIRST_BYTES;
  return 0;
}

/* Feeds ciphertext, advances the handshake, and writes the answer once it completes. */
static void advance(struct sy_conn *c, SSL *ssl)
{
  BIO *rb = SSL_get_rbio(ssl);
  if (c->tls_state == TLS_FIRST_BYTES) {
    /* Judged on the bytes themselves, however they were cut into reads. */
    if (c->in_len >= 1 && c->in[0] != 0x16)
      c->tls_state = TLS_FAILED; /* not a TLS handshake record: plaintext, never read as TLS */
    else if (c->in_len >= 2)
      c->tls_state = c->in[1] == 0x03 ? TLS_HANDSHAKE : TLS_FAILED;
    if (c->tls_state != TLS_HANDSHAKE)
      return;
  }
  if (c->in_len && BIO_ctrl_pending(rb) < SY_TLS_MAX_PENDING) {
    int n = BIO_write(rb, c->in, c->in_len > INT_MAX ? INT_MAX : (int)c->in_len);
    if (n > 0)
      sy__conn_consume(c, (size_t)n);
  }
  int rc = SSL_do_handshake(ssl);
  if (rc == 1) {
    char resp[SY_MAX_RESPONSE_BYTES];
    int n = sy_render(&c->inner, resp, sizeof resp);
    if (n <= 0 || SSL_write(ssl, resp, n) != n)
      c->tls_state = TLS_FAILED;
    else {
      (void)SSL_shutdown(ssl); /* close_notify after the answer */
      c->tls_state = TLS_DONE;
    }
  } else {
    int e = SSL_get_error(ssl, rc);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
      c->tls_state = TLS_FAILED; /* the alert OpenSSL wrote, if any, is still sent */
  }
  ERR_clear_error();
}

int sy__tls_step(struct sy_conn *c)
{
  SSL *ssl = c->tls;
  BIO *wb = SSL_get_wbio(ssl);
  size_t pending;

  if (c->tls_state == TLS_FIRST_BYTES || c->tls_state == TLS_HANDSHAKE)
    advance(c, ssl);
  if (c->tls_state == TLS_DONE || c->tls_state == TLS_FAILED)
    c->in_len = 0; /* after the answer or a failure nothing more is read */
  while ((pending = BIO_ctrl_pending(wb)) > 0 && sy__conn_out_room(c) > 0) {
    size_t room = sy__conn_out_room(c);
    int n = BIO_read(wb, c->out + c->out_len, (int)(pending < room ? pending : room));
    if (n <= 0)
      break;
    c->out_len += (size_t)n;
  }
  if ((c->tls_state == TLS_DONE || c->tls_state == TLS_FAILED) && BIO_ctrl_pending(wb) == 0)
    c->state = SY_CONN_CLOSING;
  return 0;
}

void sy__tls_free(struct sy_conn *c)
{
  SSL_free(c->tls); /* frees both BIOs */
  c->tls = NULL;
}

#endif
