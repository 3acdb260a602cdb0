"""Stand-in servers for the differential-fuzzing tests (not adapters of the report). One process,
standin_server.py's select() loop, a bounded life.

argv: HOST PORT MODE
  strict  answers every request head with 400 (naming the WebSocket version it supports, RFC 6455
          §4.4) and closes: no MUST rule can be broken by it
  buggy   as strict, but a GET /live HTTP/1.1 with Host, `Upgrade: websocket`, a 24-character
          Sec-WebSocket-Key and `Sec-WebSocket-Version: 13` gets a 101 (with a correct
          Sec-WebSocket-Accept) whatever its Connection says: the planted bug (RFC 6455 §4.2.1:
          the handshake needs `Connection: Upgrade`; otherwise "the server MUST stop processing
          the client's handshake and return an HTTP response with an appropriate error code")
  mortal  as strict, but exits (status 3) on a request head containing CRASH
  flood   as strict, but a request head containing FLOOD gets a 200 announcing 1 GiB of content
          and then content for as long as the client reads (at most FLOOD_BYTES)
  mute    as strict, but a request head containing HANG gets no answer and the connection
          stays open (the server hangs on that input only)
"""
import base64
import hashlib
import re
import socket
import sys

from standin_server import serve

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
ANSWER_400 = (b"HTTP/1.1 400 Bad Request\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n"
              b"Connection: close\r\n\r\n")
LINE = re.compile(rb"GET /live HTTP/1\.1\r\n")
NEEDED = [re.compile(rb"\r\n" + x + rb"\r\n", re.I) for x in (
    rb"host: localhost", rb"upgrade: websocket", rb"sec-websocket-version: 13")]
KEY = re.compile(rb"\r\nsec-websocket-key: ([A-Za-z0-9+/]{22}==)\r\n", re.I)


def answer(mode: str, line: bytes, head: bytes) -> tuple[bytes, bool]:
    """(bytes to send, close after)"""
    key = KEY.search(head)
    if mode == "buggy" and LINE.fullmatch(line) and key and all(x.search(head) for x in NEEDED):
        accept = base64.b64encode(hashlib.sha1(key.group(1) + GUID).digest())
        return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"), False
    return ANSWER_400, True


FLOOD_HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n"
FLOOD_BYTES = 256 << 20         # a flood ends by itself after this many bytes
CHUNK = b"x" * 65536


def flood(s: socket.socket) -> str:
    sent = 0
    try:
        s.sendall(FLOOD_HEAD)
        while sent < FLOOD_BYTES:
            sent += s.send(CHUNK)
    except OSError:             # the client stopped reading and closed
        pass
    return "close"


def main(host: str, port: int, mode: str) -> None:
    def on_head(s: socket.socket, data: bytes) -> str:
        if mode == "mortal" and b"CRASH" in data:
            sys.exit(3)
        if mode == "flood" and b"FLOOD" in data:
            return flood(s)
        if mode == "mute" and b"HANG" in data:
            return "keep"
        end = data.find(b"\r\n\r\n")
        line, _, rest = data[:end + 4].partition(b"\r\n")
        out, close = answer(mode, line + b"\r\n", b"\r\n" + rest)
        try:
            s.sendall(out)
        except OSError:
            close = True
        return "close" if close else "switch"     # after a 101, the first frame closes

    serve(host, port, on_head, backlog=128)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
