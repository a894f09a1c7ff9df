"""A minimal FastCGI client (responder role, one request per connection), for tests that talk
to the app's socket directly: to send parameters a web server would set, such as REQUEST_START."""
from __future__ import annotations

import socket
import struct

BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7
RESPONDER = 1


def _record(kind: int, content: bytes, request_id: int = 1) -> bytes:
    padding = -len(content) % 8
    return struct.pack(">BBHHBx", 1, kind, request_id, len(content), padding) + content + b"\0" * padding


def _length(n: int) -> bytes:
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def _params(params: dict[str, str]) -> bytes:
    out = b""
    for name, value in params.items():
        n, v = name.encode(), value.encode()
        out += _length(len(n)) + _length(len(v)) + n + v
    return out


def request(path: str | tuple[str, int], params: dict[str, str], body: bytes = b"",
            timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """Sends one request to the unix socket at `path`, or to a TCP (host, port); answers
    (status, headers, body)."""
    family = socket.AF_INET if isinstance(path, tuple) else socket.AF_UNIX
    with socket.socket(family, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        conn.connect(path)
        conn.sendall(_record(BEGIN_REQUEST, struct.pack(">HB5x", RESPONDER, 0))
                     + _record(PARAMS, _params(params)) + _record(PARAMS, b"")
                     + (_record(STDIN, body) if body else b"") + _record(STDIN, b""))
        stdout = b""
        buffer = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            buffer += chunk
            while len(buffer) >= 8:
                _, kind, _, length, padding = struct.unpack(">BBHHBx", buffer[:8])
                if len(buffer) < 8 + length + padding:
                    break
                content, buffer = buffer[8:8 + length], buffer[8 + length + padding:]
                if kind == STDOUT:
                    stdout += content
                elif kind == END_REQUEST:
                    return _parse(stdout)
        return _parse(stdout)


def _parse(stdout: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = stdout.partition(b"\r\n\r\n")
    headers = {}
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    status = int(headers.pop("Status", "200").split()[0])
    return status, headers, body
