/* CivetWeb (Debian libcivetweb-dev) for the harness: /live is a WebSocket echo through
 * mg_set_websocket_handler, / a plain 200; other paths get CivetWeb's own 404.
 * Usage: civetweb_echo HOST PORT */
#include <civetweb.h>
#include <stdio.h>
#include <unistd.h>

static int on_data(struct mg_connection *conn, int bits, char *data, size_t len, void *ud)
{
  int op = bits & 0x0f;
  (void)ud;
  if (op == MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE)
    return 0; /* CivetWeb answers the close and ends the connection */
  if (op == MG_WEBSOCKET_OPCODE_TEXT || op == MG_WEBSOCKET_OPCODE_BINARY)
    mg_websocket_write(conn, op, data, len);
  return 1;
}

static int on_plain(struct mg_connection *conn, void *ud)
{
  (void)ud;
  mg_send_http_ok(conn, "text/plain", 3);
  mg_write(conn, "ok\n", 3);
  return 200;
}

int main(int argc, char **argv)
{
  char listen[128];
  if (argc != 3) {
    fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
    return 2;
  }
  snprintf(listen, sizeof listen, "%s:%s", argv[1], argv[2]);
  const char *options[] = {"listening_ports", listen, "num_threads", "8", NULL};
  mg_init_library(MG_FEATURES_WEBSOCKET);
  struct mg_context *ctx = mg_start(NULL, NULL, options);
  if (ctx == NULL) {
    fprintf(stderr, "civetweb: mg_start failed on %s\n", listen);
    return 1;
  }
  mg_set_request_handler(ctx, "/$", on_plain, NULL);
  mg_set_websocket_handler(ctx, "/live", NULL, NULL, on_data, NULL, NULL);
  for (;;)
    pause(); /* SIGTERM from the harness ends the process */
}
