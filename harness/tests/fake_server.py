"""A deliberately fragile HTTP server for the runner's tests (not an adapter of the report).

argv: HOST PORT [MODE]. MODE "ok" answers 200 to every request head; a request containing
CRASH makes the process exit(3); one containing HANG blocks the whole process (a hang);
MODE "slow" is "ok" 0.2 s late; MODE "die" exits at start; MODE "never" never listens.
"""
import socket
import sys
import time


def main(host, port, mode):
    if mode == "die":
        sys.exit(7)
    if mode == "never":
        time.sleep(60)
        return
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(16)
    deadline = time.monotonic() + 120          # bounded life even if nobody stops us
    srv.settimeout(1.0)
    while time.monotonic() < deadline:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        conn.settimeout(1.0)
        data = b""
        try:
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            pass
        if b"CRASH" in data:
            sys.exit(3)
        if b"HANG" in data:
            time.sleep(60)
        if data and mode == "slow":
            time.sleep(0.2)
        if data:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        conn.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "ok")
