"""WebSocket frames (RFC 6455 §5.2): the one builder and the one reader, for the driver's tail
probe (cases.TAIL_WS), the fuzz seeds (fuzzers/seeds.py) and the socket tests
(reference_server/test). Bytes only: no socket here."""
from __future__ import annotations

from dataclasses import dataclass

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
LEN_16, LEN_64 = 126, 127      # the 7-bit length values that announce a 16-bit or 64-bit length


def frame(opcode: int, payload: bytes = b"", mask: bytes | None = None, fin: bool = True) -> bytes:
    """One frame with the shortest length encoding: masked with the 4-byte `mask` (a client's,
    §5.3), or unmasked when `mask` is None (a server's; from a client, a §5.1 violation)."""
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    m = 0x80 if mask is not None else 0
    if n < LEN_16:
        head = bytes([b0, m | n])
    elif n < 1 << 16:
        head = bytes([b0, m | LEN_16]) + n.to_bytes(2, "big")
    else:
        head = bytes([b0, m | LEN_64]) + n.to_bytes(8, "big")
    if mask is None:
        return head + payload
    return head + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload))


@dataclass(frozen=True)
class Frame:
    fin: bool
    opcode: int
    masked: bool
    payload: bytes      # unmasked
    size: int           # bytes the frame took in the buffer


def parse(buf: bytes) -> Frame | None:
    """The frame at the start of buf, or None while it is not complete."""
    if len(buf) < 2:
        return None
    n, at = buf[1] & 0x7F, 2
    if n == LEN_16:
        if len(buf) < 4:
            return None
        n, at = int.from_bytes(buf[2:4], "big"), 4
    elif n == LEN_64:
        if len(buf) < 10:
            return None
        n, at = int.from_bytes(buf[2:10], "big"), 10
    masked = bool(buf[1] & 0x80)
    key = buf[at:at + 4] if masked else b""
    at += len(key)
    if len(key) < 4 * masked or len(buf) < at + n:
        return None
    payload = buf[at:at + n]
    if masked:
        payload = bytes(c ^ key[i % 4] for i, c in enumerate(payload))
    return Frame(fin=bool(buf[0] & 0x80), opcode=buf[0] & 0x0F, masked=masked, payload=payload,
                 size=at + n)
