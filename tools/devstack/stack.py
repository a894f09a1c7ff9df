"""A whole stack: MariaDB, memcached, the app under spawn-fcgi, and nginx or lighttpd in front.

    with Stack(StackConfig(run=Path("run/test-x"), server="lighttpd", port=0)) as stack:
        requests.get(stack.url + "/health")

Start order is database, cache, migrations, app, web server; stop order is the reverse.
"""
from __future__ import annotations

import json
import secrets
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .app import App, AppPool, find_binary
from .lighttpd import Lighttpd
from .mariadb import MariaDB
from .memcached import Memcached
from .nginx import Nginx
from .process import Processes, StartError, free_port, stop_recorded, wait_until

ADMIN_USERNAME = "admin"
ADMIN_EMAIL = "admin@example.org"


@dataclass
class StackConfig:
    run: Path                       # the one folder everything lives in
    server: str = "nginx"           # nginx | lighttpd
    host: str = "127.0.0.1"
    port: int = 0                   # 0: any free port
    binary: Path | None = None      # default: app.find_binary()
    processes: int = 2              # app processes (multiwatch children)
    threads: int = 8                # worker threads per app process (the app's default)
    web_workers: int = 2            # nginx worker_processes
    keepalive: int = 16             # nginx upstream keepalive, per worker
    supervise: bool = True          # multiwatch restarts dying app processes
    library_env: str = "development"
    log_level: str = "info"
    database: str = "library"
    create_admin: bool = True
    database_tls: bool = False      # the app reaches MariaDB over TCP with TLS (MariaDB(tls=True))
    seed_books: int = 0             # `library-app seed --books N` once, when the binary has it
    seed_loans: int = 0             # with seed_books: `--loans M`, a loan history (tools/bench/reports)
    fresh: bool = False             # wipe the run folder first (tests)
    bench_locations: bool | str = False  # nginx answers GET /_bench/static itself (tools/bench);
                                         # a string: more server-level nginx text after it
    bench_upstreams: str = ""       # http-level nginx text (tools/bench's upstreams)
    memcached_servers: str = ""     # shared memcached servers (MEMCACHED_SERVERS); else our own
    socket_activation: bool = False  # one app process under systemd-socket-activate (AppPool)
    app_env: dict[str, str] = field(default_factory=dict)


class Stack:
    def __init__(self, config: StackConfig, mariadb: MariaDB | None = None):
        self.config = config
        self.run = config.run.resolve()
        self.processes = Processes(self.run)
        self.shared_mariadb = mariadb is not None
        self.mariadb = mariadb
        self.port = config.port or free_port(config.host)
        self.url = f"http://{config.host}:{self.port}"
        self.secrets: dict[str, str] = {}
        self.app: App | None = None
        self.pool: AppPool | None = None
        self.web = None
        self.memcached: Memcached | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> "Stack":
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        c = self.config
        if c.server not in ("nginx", "lighttpd"):
            raise StartError(f"unknown web server {c.server!r}")
        stop_recorded(self.run)                    # leftovers of a killed run in this folder
        if c.fresh:
            shutil.rmtree(self.run, ignore_errors=True)
        self.run.mkdir(parents=True, exist_ok=True)
        self.secrets = self._load_secrets()

        if self.mariadb is None:
            self.mariadb = MariaDB(self.run, tls=c.database_tls)
            self.mariadb.start()
        database_url = self.mariadb.create_database(c.database, c.database, self.secrets["db_password"])
        if c.database_tls:
            database_url = self.mariadb.tls_url(c.database, c.database, self.secrets["db_password"])
        memcached_servers = c.memcached_servers
        # the hostile tests write into self.memcached directly
        if not memcached_servers:
            self.memcached = Memcached(self.processes)
            self.memcached.start()
            memcached_servers = self.memcached.servers

        self.app = App(c.binary or find_binary(), {
            "LIBRARY_ENV": c.library_env,
            "SECRET_KEY": self.secrets["secret_key"],
            "DATABASE_URL": database_url,
            "MEMCACHED_SERVERS": memcached_servers,
            "LOG_LEVEL": c.log_level,
            "ACCESS_LOG": "true",
            # every process's counter file: one /metrics shows the whole pool (docs/operations.md)
            "METRICS_DIR": str(self.run / "metrics"),
            # glibc's default of up to 8 malloc arenas per core doubles each process's resident
            # memory under load (67 -> 34 MiB after `make bench`); and a fixed mmap threshold
            # gives scrypt's 32 MiB buffers back to the system after each sign-in (glibc's
            # moving threshold kept them: +30 MiB per process). conf/library-api.env.example
            "MALLOC_ARENA_MAX": "2",
            "MALLOC_MMAP_THRESHOLD_": "131072",
            **c.app_env,
        })
        self._prepare_database()

        socket = self.run / "app.sock"
        self.pool = AppPool(self.processes, self.app, socket, count=c.processes,
                            threads=c.threads, supervise=c.supervise,
                            socket_activation=c.socket_activation)
        self.pool.start()
        if c.server == "nginx":
            self.web = Nginx(self.processes, c.host, self.port, socket, self.pool.total_threads,
                             workers=c.web_workers, keepalive=c.keepalive,
                             bench_locations=c.bench_locations,
                             bench_upstreams=c.bench_upstreams)
        else:
            self.web = Lighttpd(self.processes, c.host, self.port, socket)
        self.web.start()
        self._wait_healthy()

    def stop(self) -> None:
        """Stop everything this stack started (a shared database is its owner's to stop)."""
        self.processes.stop_all()
        if self.mariadb is not None and not self.shared_mariadb:
            self.mariadb.stop()

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- helpers -------------------------------------------------------------------------------
    def _load_secrets(self) -> dict[str, str]:
        """Kept in <run>/secrets.json so the data directory and issued tokens survive a restart."""
        path = self.run / "secrets.json"
        saved = json.loads(path.read_text()) if path.exists() else {}
        for key in ("db_password", "secret_key", "admin_password"):
            saved.setdefault(key, secrets.token_hex(32 if key == "secret_key" else 12))
        path.write_text(json.dumps(saved, indent=2) + "\n")
        path.chmod(0o600)
        return saved

    def _prepare_database(self) -> None:
        """Apply migrations and make the first admin, once the binary knows how."""
        if self.app.supports("migrate"):
            self.app.run("migrate")
        marker = self.run / f".admin-created-{self.config.database}"
        if self.config.create_admin and self.app.supports("create-admin") and not marker.exists():
            self.app.run("create-admin", "--username", ADMIN_USERNAME, "--email", ADMIN_EMAIL,
                         env={"LIBRARY_ADMIN_PASSWORD": self.secrets["admin_password"]})
            marker.touch()
        if self.config.seed_books and self.app.supports("seed"):
            # A no-op when the catalogue already holds that many books.
            loans = ["--loans", str(self.config.seed_loans)] if self.config.seed_loans else []
            self.app.run("seed", "--books", str(self.config.seed_books), *loans,
                         timeout=120 + self.config.seed_loans / 1000)

    @property
    def admin_created(self) -> bool:
        return (self.run / f".admin-created-{self.config.database}").exists()

    def _wait_healthy(self, timeout: float = 30) -> None:
        def healthy() -> bool:
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as response:
                    return response.status == 200
            except (urllib.error.URLError, OSError):
                return False

        def alive() -> None:
            self.processes.ensure_alive(self.pool.name)
            self.processes.ensure_alive(self.web.name)

        try:
            wait_until(healthy, f"GET {self.url}/health", timeout=timeout, alive=alive)
        except StartError as error:
            raise StartError(f"{error}; end of the app log:\n"
                             f"{self.processes.log_tail(self.pool.name)}") from None
