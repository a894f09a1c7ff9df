"""memcached's text protocol over the stack's unix socket: what an attacker who can reach
memcached does (it has no authentication). Keys are given without the app's prefix."""
from __future__ import annotations

import socket
import time
from pathlib import Path

PREFIX = "library-api:"


class MemcachedText:
    def __init__(self, path: Path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(5)
        self.sock.connect(str(path))
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "MemcachedText":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            assert chunk, "memcached closed the connection"
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _exactly(self, count: int) -> bytes:
        while len(self.buffer) < count + 2:
            chunk = self.sock.recv(65536)
            assert chunk, "memcached closed the connection"
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count + 2:]
        return data

    def get(self, key: str) -> bytes | None:
        self.sock.sendall(f"get {PREFIX}{key}\r\n".encode())
        value = None
        while True:
            line = self._line()
            if line == b"END":
                return value
            assert line.startswith(b"VALUE "), line
            value = self._exactly(int(line.split()[3]))

    def stored(self, key: str) -> bytes | None:
        """What the app stored under `key` in the request just answered: its stores go without an
        acknowledgement, so one may land a moment after the answer (waits for it up to 2 s)."""
        deadline = time.monotonic() + 2
        while (value := self.get(key)) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return value

    def set(self, key: str, value: bytes, expire: int = 300) -> None:
        self.sock.sendall(f"set {PREFIX}{key} 0 {expire} {len(value)}\r\n".encode() + value + b"\r\n")
        assert self._line() == b"STORED"
