/* SPDX-License-Identifier: MIT */
/* fuzz_ws_key.c: Sec-WebSocket-Key validation and the accept value.
 * Input: the bytes of a key. Oracles: sy_ws_key_valid agrees with OpenSSL (decode with
 * EVP_DecodeBlock, re-encode, compare: RFC 6455 §4.1 "base64-encoded 16-byte value");
 * sy_ws_accept equals SHA-1 through EVP_Digest + EVP_EncodeBlock (RFC 6455 §4.2.2); and, in a
 * whole handshake built around the key, the core answers 101 iff the key is valid. */
#include <stdlib.h>
#include <string.h>

#include "oracles.h"

static const char pre[] = "GET /live HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                          "Sec-WebSocket-Key: ";
static const char post[] = "\r\n\r\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  char acc[SY_WS_ACCEPT_LEN + 1];
  (void)argc;
  (void)argv;
  /* RFC 6455 §1.3's worked example, through both implementations. */
  OC_CHECK(sy_ws_accept("dGhlIHNhbXBsZSBub25jZQ==", 24, acc) == 0 &&
               strcmp(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0,
           "accept-value", "RFC 6455 §1.3", "the RFC's example gives %s", acc);
  oc_ws_accept((const uint8_t *)"dGhlIHNhbXBsZSBub25jZQ==", 24, acc);
  OC_CHECK(strcmp(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0, "oracle-setup", "RFC 6455 §1.3",
           "OpenSSL gives %s", acc);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char acc[SY_WS_ACCEPT_LEN + 1], want[SY_WS_ACCEPT_LEN + 1];
  int valid, ref, rc;
  size_t a = 0, b = size;

  if (size > 4096)
    return 0;
  valid = sy_ws_key_valid((const char *)data, size);
  ref = oc_ws_key_valid(data, size);
  OC_CHECK(valid == ref, "ws-key-valid", "RFC 6455 §4.1",
           "core says %d, OpenSSL decode+re-encode says %d for a %zu-byte key", valid, ref, size);

  rc = sy_ws_accept((const char *)data, size, acc);
  if (size <= 256) {
    OC_CHECK(rc == 0, "accept-value", "switchyard.h sy_ws_accept", "rc %d for %zu bytes", rc, size);
    oc_ws_accept(data, size, want);
    OC_CHECK(strcmp(acc, want) == 0, "accept-value", "RFC 6455 §4.2.2", "%s, expected %s", acc,
             want);
  } else {
    OC_CHECK(rc == SY_EINVAL, "accept-value", "switchyard.h sy_ws_accept",
             "rc %d for a %zu-byte key", rc, size);
    oc_check_errno(rc);
  }

  /* End to end: the key in a handshake that is otherwise textbook. The field value is the key
   * without surrounding OWS (RFC 9110 §5.5); keys that break the field line are skipped. */
  for (size_t i = 0; i < size; i++)
    if ((data[i] < 0x20 && data[i] != '\t') || data[i] == 0x7f)
      return 0;
  while (a < b && (data[a] == ' ' || data[a] == '\t'))
    a++;
  while (b > a && (data[b - 1] == ' ' || data[b - 1] == '\t'))
    b--;
  {
    size_t n = sizeof pre - 1 + size + sizeof post - 1;
    char *req = malloc(n);
    struct sy_request r;
    struct sy_decision d;
    int ok = oc_ws_key_valid(data + a, b - a);
    memcpy(req, pre, sizeof pre - 1);
    memcpy(req + sizeof pre - 1, data, size);
    memcpy(req + sizeof pre - 1 + size, post, sizeof post - 1);
    rc = sy_handle(oc_policy(), req, n, &r, &d);
    OC_CHECK(rc == (int)n || (rc > 0 && r.error != SY_R_NONE), "ws-key-handshake",
             "RFC 6455 §4.2.1", "handshake parse returned %d of %zu", rc, n);
    if (rc > 0) {
      oc_check_decision(oc_policy(), &r, &d, (const uint8_t *)req, n);
      OC_CHECK((d.status == 101) == ok, "ws-key-handshake", "RFC 6455 §4.2.1",
               "key %s (valid %d) got %d %s", ok ? "valid" : "invalid", ok, d.status,
               sy_reason_name(d.reason));
      if (ok) {
        oc_ws_accept(data + a, b - a, want);
        OC_CHECK(strcmp(d.accept, want) == 0, "accept-value", "RFC 6455 §4.2.2", "%s, expected %s",
                 d.accept, want);
      }
    }
    free(req);
  }
  return 0;
}
