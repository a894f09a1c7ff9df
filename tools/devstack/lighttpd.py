"""lighttpd in the foreground (-D), its config rendered from
conf/lighttpd/lighttpd.conf.template, every path inside <run>/lighttpd."""
from __future__ import annotations

import shutil
from pathlib import Path

from .app import REPO
from .process import Processes, StartError, tcp_open, wait_until
from .templates import render

TEMPLATE = REPO / "conf/lighttpd/lighttpd.conf.template"


class Lighttpd:
    name = "lighttpd"

    def __init__(self, processes: Processes, host: str, port: int, app_socket: Path):
        self.processes, self.host, self.port = processes, host, port
        self.home = processes.run / "lighttpd"
        self.values = {
            "BIND": host, "PORT": port, "RUN": processes.run, "APP_SOCKET": app_socket,
            "STATIC_ROOT": REPO / "static", "CONF": REPO / "conf/lighttpd",
        }

    def start(self) -> None:
        if not shutil.which("lighttpd"):
            raise StartError("lighttpd not found: run `make install-deps`")
        for sub in ("tmp", "empty"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        conf = render(TEMPLATE, self.home / "lighttpd.conf", self.values)
        self.processes.start(self.name, ["lighttpd", "-D", "-f", str(conf)])
        wait_until(lambda: tcp_open(self.host, self.port), "lighttpd", timeout=10,
                   alive=lambda: self.processes.ensure_alive(self.name))
