"""Stand-in servers for the driver's tests of exit codes, time budgets and repeatability (not an
adapter of the report). One process, one thread, select(): the test harness reads its thread
states, so the process must be what does the work.

argv: HOST PORT MODE
  mute        accepts connections, reads, never answers
  partial     answers a request for / (the readiness probe) with 200; any other request: silence
  slowclose   answers every request head with 400 (no Connection: close), then works on the CPU
              for a random 0-120 ms (as a server the scheduler keeps off the CPU), then closes
  mortal      as partial for /, 200 for others; exits at once on a request containing DIE
Lives at most LIFE seconds even if nobody stops it. serve() is also difffuzz_standin.py's loop.
"""
import random
import select
import socket
import sys
import time

ANSWER_200 = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
ANSWER_400 = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
LIFE = 120.0            # seconds a stand-in lives even if nobody stops it


def burn(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def serve(host: str, port: int, on_head, backlog: int = 64) -> None:
    """The stand-ins' one loop: select() over the listener and the connections, for LIFE seconds.
    Once a connection's bytes hold a whole head, `on_head(sock, data)` answers (it writes to sock
    itself) and says what follows: "keep" (the next request is read from nothing), "close", or
    "switch" (the connection left HTTP: whatever it sends next closes it)."""
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(backlog)
    conns: dict[socket.socket, bytes] = {}
    switched: set[socket.socket] = set()
    until = time.monotonic() + LIFE
    while time.monotonic() < until:
        ready, _, _ = select.select([ls, *conns], [], [], 1.0)
        for s in ready:
            if s is ls:
                c, _ = ls.accept()
                conns[c] = b""
                continue
            try:
                chunk = s.recv(65536)
            except OSError:
                chunk = b""
            if not chunk or s in switched:
                conns.pop(s, None)
                switched.discard(s)
                s.close()
                continue
            data = conns[s] + chunk
            if b"\r\n\r\n" not in data:
                conns[s] = data
                continue
            conns[s] = b""
            then = on_head(s, data)
            if then == "close":
                del conns[s]
                s.close()
            elif then == "switch":
                switched.add(s)


def main(host: str, port: int, mode: str) -> None:
    def on_head(s: socket.socket, data: bytes) -> str:
        if mode == "mortal" and b"DIE" in data:
            sys.exit(9)
        plain = data.startswith(b"GET / ")
        if mode == "slowclose":
            s.sendall(ANSWER_400)
            burn(random.uniform(0.0, 0.12))
            return "close"
        if mode == "partial" and plain or mode == "mortal":
            s.sendall(ANSWER_200)
        # mute, and partial for anything but /: silence
        return "keep"

    serve(host, port, on_head)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
