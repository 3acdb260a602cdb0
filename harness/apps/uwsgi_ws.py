"""uWSGI (Debian uwsgi-core + uwsgi-plugin-python3) for the harness: its native HTTP socket and
native WebSocket support; /live is the echo of uWSGI's WebSocket documentation
(uwsgi.websocket_handshake, then websocket_recv/websocket_send), / a plain 200, other paths 404."""
import uwsgi


def application(env, start_response):
    path = env.get("PATH_INFO", "")
    if path == "/live":
        uwsgi.websocket_handshake(env.get("HTTP_SEC_WEBSOCKET_KEY", ""), env.get("HTTP_ORIGIN", ""))
        while True:
            uwsgi.websocket_send(uwsgi.websocket_recv())
    if path == "/":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok\n"]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found\n"]
