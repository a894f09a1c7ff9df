"""nginx in the foreground (`daemon off;`), its config rendered from
conf/nginx/nginx.conf.template, every path inside <run>/nginx."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from .app import REPO
from .process import Processes, StartError, tcp_open, wait_until
from .templates import render

TEMPLATE = REPO / "conf/nginx/nginx.conf.template"

# {{BENCH_LOCATIONS}} when asked for (tools/bench): nginx's own answer, the benchmark's baseline
BENCH_LOCATIONS = """location = /_bench/static {
            default_type application/json;
            return 200 '{"status":"ok"}';
        }"""


class Nginx:
    name = "nginx"

    def __init__(self, processes: Processes, host: str, port: int, app_socket: Path,
                 app_threads: int, workers: int = 2, keepalive: int = 16,
                 bench_locations: bool | str = False, bench_upstreams: str = ""):
        """bench_locations: True adds /_bench/static; a string adds it and then the string
        (server-level nginx text). bench_upstreams: http-level nginx text (tools/bench)."""
        self.processes, self.host, self.port = processes, host, port
        self.home = processes.run / "nginx"
        self.values = {
            "USER_DIRECTIVE": "user root;" if os.geteuid() == 0 else "",  # workers reach the socket
            "WORKERS": workers, "KEEPALIVE": keepalive, "APP_THREADS": app_threads,
            "RUN": processes.run, "LISTEN": f"{host}:{port}", "APP_SOCKET": app_socket,
            "STATIC_ROOT": REPO / "static",
            "BENCH_LOCATIONS": (BENCH_LOCATIONS + (f"\n\n        {bench_locations}"
                                                   if isinstance(bench_locations, str) else "")
                                if bench_locations else ""),
            "BENCH_UPSTREAMS": bench_upstreams,
        }

    def start(self) -> None:
        if not shutil.which("nginx"):
            raise StartError("nginx not found: run `make install-deps`")
        for temp in ("body", "fastcgi", "proxy", "scgi", "uwsgi"):
            (self.home / "tmp" / temp).mkdir(parents=True, exist_ok=True)
        conf = render(TEMPLATE, self.home / "nginx.conf", self.values)
        self.processes.logs_dir.mkdir(parents=True, exist_ok=True)
        # -e: the error log from the very start, before nginx has read error_log (else /var/log)
        self.processes.start(self.name, ["nginx", "-p", str(self.home), "-c", str(conf),
                                         "-e", str(self.processes.logs_dir / "nginx-error.log"),
                                         "-g", "daemon off;"])
        wait_until(lambda: tcp_open(self.host, self.port), "nginx", timeout=10,
                   alive=lambda: self.processes.ensure_alive(self.name))
