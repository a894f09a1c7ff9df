"""A private MariaDB server: its own data directory, unix socket, TCP port and pid file.

The data directory survives between runs of the same folder (`make run` keeps your data);
`make clean` removes it with the rest of run/.

With `tls=True` the server also speaks TLS, with a throw-away CA and server certificate made by
the openssl CLI in <run>/mariadb/tls/ (`make_certificates`); `require_secure_transport=True`
then refuses plain-text TCP (the unix socket, which the stack's set-up uses as root, stays
allowed: MariaDB counts it as secure)."""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .process import Processes, StartError, check_unix_socket_path, free_port, wait_until


@dataclass(frozen=True)
class Certificates:
    ca: Path            # the CA certificate a client verifies the server with
    ca_key: Path
    cert: Path          # the server's certificate (CN and subjectAltName 127.0.0.1, localhost)
    key: Path


def make_certificates(folder: Path, name: str = "library-api test CA") -> Certificates:
    """A new CA and a server certificate it signed, valid two days: for tests only."""
    folder.mkdir(parents=True, exist_ok=True)
    files = Certificates(folder / "ca.pem", folder / "ca-key.pem", folder / "server-cert.pem",
                         folder / "server-key.pem")
    csr = folder / "server.csr"
    extensions = folder / "server.ext"
    extensions.write_text("subjectAltName = IP:127.0.0.1, DNS:localhost\n"
                          "extendedKeyUsage = serverAuth\n")
    for argv in (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
         "-keyout", str(files.ca_key), "-out", str(files.ca)],
        ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
         "-keyout", str(files.key), "-out", str(csr)],
        ["x509", "-req", "-in", str(csr), "-CA", str(files.ca), "-CAkey", str(files.ca_key),
         "-CAcreateserial", "-days", "2", "-extfile", str(extensions), "-out", str(files.cert)],
    ):
        done = subprocess.run(["openssl", *argv], capture_output=True, text=True)
        if done.returncode != 0:
            raise StartError(f"openssl {argv[0]} failed:\n{done.stderr}")
    for key in (files.ca_key, files.key):
        key.chmod(0o600)
    return files


class MariaDB:
    def __init__(self, run: Path, port: int = 0, tls: bool = False,
                 require_secure_transport: bool = False, durable: bool = False,
                 buffer_pool: str = "128M"):
        """durable: flush the redo log at every commit (innodb_flush_log_at_trx_commit=1), as a
        production server must to lose no committed loan in a crash (tools/drills); the
        default writes it once a second, which makes the tests much faster."""
        self.home = run / "mariadb"
        self.durable = durable
        self.buffer_pool = buffer_pool  # the reports' benchmark holds a 1,000,000-loan history
        self.datadir = self.home / "data"
        self.socket = self.home / "mysqld.sock"
        self.port = port or free_port()
        self.processes = Processes(run)
        self.tls = tls or require_secure_transport
        self.require_secure_transport = require_secure_transport
        self.certificates: Certificates | None = None

    def _client(self, *args: str, sql: str | None = None) -> subprocess.CompletedProcess:
        """The mariadb command-line client as the database root over the unix socket."""
        return subprocess.run(["mariadb", "--no-defaults", f"--socket={self.socket}", "--user=root",
                               "--batch", *args], input=sql, capture_output=True, text=True)

    def _install(self) -> None:
        """Create the system tables once; root logs in over the socket without a password."""
        if (self.datadir / "mysql").is_dir():
            return
        shutil.rmtree(self.datadir, ignore_errors=True)  # a half-made one from an interrupted run
        self.datadir.mkdir(parents=True)
        argv = ["mariadb-install-db", "--no-defaults", f"--datadir={self.datadir}",
                "--auth-root-authentication-method=normal", "--skip-test-db",
                "--skip-name-resolve"]
        if os.geteuid() == 0:
            argv.append("--user=root")
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            raise StartError(f"mariadb-install-db failed:\n{done.stdout}{done.stderr}")

    def start(self) -> None:
        check_unix_socket_path(self.socket)
        self._install()
        (self.home / "tmp").mkdir(exist_ok=True)
        argv = [
            "mariadbd", "--no-defaults",
            f"--datadir={self.datadir}", f"--socket={self.socket}",
            f"--pid-file={self.home / 'mariadbd.pid'}", f"--tmpdir={self.home / 'tmp'}",
            f"--port={self.port}", "--bind-address=127.0.0.1", "--skip-name-resolve",
            "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
            # each app thread holds a connection: processes x threads per stack, several stacks
            "--max-connections=1000",
            f"--innodb-buffer-pool-size={self.buffer_pool}",
            # a development server: durable at each second, not at each commit (much faster tests)
            f"--innodb-flush-log-at-trx-commit={1 if self.durable else 2}", "--sync-binlog=0",
            # InnoDB's latch spin without `pause` delays: on 2 cores shared with the app, nginx
            # and memcached, a waiting thread that pauses only delays the one it waits for
            # (borrow+return: MariaDB -20 % CPU per request; docs/performance.md). Not
            # innodb_sync_spin_loops=0: in 10.11 that spins until the latch is free.
            "--innodb-spin-wait-delay=0",
            # A thread pool (thread_pool_size: one group per core) instead of a thread per
            # connection: the app's 16-32 sessions share a few server threads, which take the
            # next statement without a wake-up each. MariaDB CPU per borrow+return about -8 %,
            # per never-cached list page about -12 % (docs/performance.md).
            "--thread-handling=pool-of-threads",
        ]
        if self.tls:
            self.certificates = make_certificates(self.home / "tls")
            argv += [f"--ssl-ca={self.certificates.ca}", f"--ssl-cert={self.certificates.cert}",
                     f"--ssl-key={self.certificates.key}"]
        if self.require_secure_transport:
            argv.append("--require-secure-transport=ON")
        if os.geteuid() == 0:
            argv.append("--user=root")
        # Server settings to try without editing this file: measuring one setting on and off
        # in alternate bench runs (docs/performance.md). Later options win over the ones above.
        argv += shlex.split(os.environ.get("DEVSTACK_MARIADB_OPTIONS", ""))
        self.processes.start("mariadb", argv)
        wait_until(lambda: self._client(sql="SELECT 1").returncode == 0, "MariaDB", timeout=60,
                   alive=lambda: self.processes.ensure_alive("mariadb"))

    def create_database(self, name: str, user: str, password: str) -> str:
        """Create (or keep) a database and a user owning it; return the app's DATABASE_URL."""
        sql = f"""
            CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
            CREATE USER IF NOT EXISTS '{user}'@'localhost' IDENTIFIED BY '{password}';
            CREATE USER IF NOT EXISTS '{user}'@'127.0.0.1' IDENTIFIED BY '{password}';
            ALTER USER '{user}'@'localhost' IDENTIFIED BY '{password}';
            ALTER USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}';
            GRANT ALL PRIVILEGES ON `{name}`.* TO '{user}'@'localhost', '{user}'@'127.0.0.1';
        """
        done = self._client(sql=sql)
        if done.returncode != 0:
            raise StartError(f"creating database {name} failed: {done.stderr}")
        return f"mysql://{user}:{password}@localhost/{name}?socket={self.socket}"

    def tcp_url(self, name: str, user: str, password: str, query: str = "") -> str:
        return f"mysql://{user}:{password}@127.0.0.1:{self.port}/{name}" + (f"?{query}" if query else "")

    def tls_url(self, name: str, user: str, password: str) -> str:
        """TCP with TLS, the server's certificate verified against the throw-away CA."""
        if self.certificates is None:
            raise StartError("this MariaDB was not started with tls=True")
        return self.tcp_url(name, user, password,
                            f"ssl=true&ssl-ca={self.certificates.ca}&ssl-verify-server-cert=true")

    def client_command(self, name: str, user: str) -> str:
        return f"mariadb --no-defaults -S {self.socket} -u {user} -p {name}"

    def stop(self) -> None:
        self.processes.stop_all()
