"""A private MariaDB server: its own data directory, unix socket, TCP port and pid file.

The data directory survives between runs of the same folder (`make run` keeps your data);
`make clean` removes it with the rest of run/."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from .process import Processes, StartError, check_unix_socket_path, free_port, wait_until


class MariaDB:
    def __init__(self, run: Path, port: int = 0):
        self.home = run / "mariadb"
        self.datadir = self.home / "data"
        self.socket = self.home / "mysqld.sock"
        self.port = port or free_port()
        self.processes = Processes(run)

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
            "--innodb-buffer-pool-size=128M",
            # a development server: durable at each second, not at each commit (much faster tests)
            "--innodb-flush-log-at-trx-commit=2", "--sync-binlog=0",
        ]
        if os.geteuid() == 0:
            argv.append("--user=root")
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

    def tcp_url(self, name: str, user: str, password: str) -> str:
        return f"mysql://{user}:{password}@127.0.0.1:{self.port}/{name}"

    def client_command(self, name: str, user: str) -> str:
        return f"mariadb --no-defaults -S {self.socket} -u {user} -p {name}"

    def stop(self) -> None:
        self.processes.stop_all()
