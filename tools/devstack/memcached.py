"""A private memcached on 127.0.0.1:<port>."""
from __future__ import annotations

import os
from pathlib import Path

from .process import Processes, free_port, tcp_open, wait_until


class Memcached:
    def __init__(self, processes: Processes, port: int = 0, memory_mb: int = 64):
        self.processes = processes
        self.port = port or free_port()
        self.memory_mb = memory_mb

    @property
    def servers(self) -> str:
        """The app's MEMCACHED_SERVERS value."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        argv = ["memcached", "-l", "127.0.0.1", "-p", str(self.port), "-U", "0",  # no UDP
                "-m", str(self.memory_mb), "-c", "4096"]
        if os.geteuid() == 0:
            argv += ["-u", "root"]  # memcached refuses to run as root unless told
        self.processes.start("memcached", argv)
        wait_until(lambda: tcp_open("127.0.0.1", self.port), "memcached", timeout=10,
                   alive=lambda: self.processes.ensure_alive("memcached"))
