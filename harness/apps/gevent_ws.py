"""gevent-websocket (Debian python3-gevent-websocket) for the harness: gevent's pywsgi server with
the library's WebSocketHandler; /live echoes through wsgi.websocket (the documented WSGI app),
/ is a plain 200, other paths 404. Usage: python3 gevent_ws.py HOST PORT"""
import sys

from gevent import pywsgi
from geventwebsocket.handler import WebSocketHandler


def app(environ, start_response):
    path = environ.get("PATH_INFO", "")
    ws = environ.get("wsgi.websocket")
    if path == "/live" and ws is not None:
        while True:
            message = ws.receive()
            if message is None:
                break
            ws.send(message, binary=isinstance(message, (bytes, bytearray)))
        return []
    if path == "/":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok\n"]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found\n"]


if __name__ == "__main__":
    pywsgi.WSGIServer((sys.argv[1], int(sys.argv[2])), app, handler_class=WebSocketHandler,
                      log=None, error_log=None).serve_forever()
