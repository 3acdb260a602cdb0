/* libsoup 3 (Debian libsoup-3.0-dev) for the harness: /live is a WebSocket echo through
 * soup_server_add_websocket_handler, / a plain 200, other paths 404.
 * Usage: soup_echo HOST PORT */
#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

static void on_message(SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer ud)
{
  (void)ud;
  soup_websocket_connection_send_message(ws, (SoupWebsocketDataType)type, message);
}

static void on_closed(SoupWebsocketConnection *ws, gpointer ud)
{
  (void)ud;
  g_object_unref(ws);
}

static void on_websocket(SoupServer *server, SoupServerMessage *msg, const char *path,
                         SoupWebsocketConnection *ws, gpointer ud)
{
  (void)server, (void)msg, (void)path, (void)ud;
  g_object_ref(ws); /* the connection lives until it is closed */
  g_signal_connect(ws, "message", G_CALLBACK(on_message), NULL);
  g_signal_connect(ws, "closed", G_CALLBACK(on_closed), NULL);
}

static void on_plain(SoupServer *server, SoupServerMessage *msg, const char *path,
                     GHashTable *query, gpointer ud)
{
  (void)server, (void)query, (void)ud;
  if (strcmp(path, "/") != 0) {
    soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }
  soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response(msg, "text/plain", SOUP_MEMORY_STATIC, "ok\n", 3);
}

int main(int argc, char **argv)
{
  GError *err = NULL;
  if (argc != 3) {
    g_printerr("usage: %s HOST PORT\n", argv[0]);
    return 2;
  }
  SoupServer *server = soup_server_new(NULL, NULL);
  soup_server_add_handler(server, NULL, on_plain, NULL, NULL);
  soup_server_add_websocket_handler(server, "/live", NULL, NULL, on_websocket, NULL, NULL);
  GSocketAddress *addr = g_inet_socket_address_new_from_string(argv[1], (guint)atoi(argv[2]));
  if (addr == NULL || !soup_server_listen(server, addr, 0, &err)) {
    g_printerr("soup: cannot listen on %s:%s: %s\n", argv[1], argv[2],
               err ? err->message : "bad address");
    return 1;
  }
  g_main_loop_run(g_main_loop_new(NULL, FALSE));
  return 0;
}
