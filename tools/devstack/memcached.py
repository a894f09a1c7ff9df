"""A private memcached: on a unix socket inside the run folder (the default: on one host it
costs the app far less per request than TCP over loopback), or on 127.0.0.1:<port>."""
from __future__ import annotations

import os
import socket

from .process import Processes, check_unix_socket_path, free_port, tcp_open, wait_until


class Memcached:
    def __init__(self, processes: Processes, port: int = 0, memory_mb: int = 64, tcp: bool = False):
        self.processes = processes
        self.tcp = tcp
        self.port = (port or free_port()) if tcp else 0
        self.socket = processes.run / "memcached.sock"
        self.memory_mb = memory_mb

    @property
    def servers(self) -> str:
        """The app's MEMCACHED_SERVERS value."""
        return f"127.0.0.1:{self.port}" if self.tcp else str(self.socket)

    def start(self) -> None:
        argv = ["memcached", "-U", "0", "-m", str(self.memory_mb), "-c", "4096"]  # -U 0: no UDP
        if self.tcp:
            argv += ["-l", "127.0.0.1", "-p", str(self.port)]
        else:
            check_unix_socket_path(self.socket)
            self.processes.run.mkdir(parents=True, exist_ok=True)
            if self.socket.is_socket():
                self.socket.unlink()  # left by a killed run
            argv += ["-s", str(self.socket), "-a", "0600"]
        if os.geteuid() == 0:
            argv += ["-u", "root"]  # memcached refuses to run as root unless told
        self.processes.start("memcached", argv)
        wait_until(self.answers, "memcached", timeout=10, alive=lambda: self.processes.ensure_alive("memcached"))

    def answers(self) -> bool:
        if self.tcp:
            return tcp_open("127.0.0.1", self.port)
        try:
            with socket.socket(socket.AF_UNIX) as probe:
                probe.settimeout(0.5)
                probe.connect(str(self.socket))
                return True
        except OSError:
            return False
