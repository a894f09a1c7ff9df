"""A private 3-node MariaDB Galera cluster on loopback, and two app "hosts" in front of it.

    with Cluster(ClusterConfig(run=Path("run/cluster"))) as cluster:
        requests.get(cluster.hosts[0].url + "/health")

Each node is a `mariadbd` of its own (data directory, unix socket, SQL port, Galera group port,
IST and SST ports), run as the `mysql` user: the rsync state transfer refuses to run as root.
Node 1 bootstraps the cluster (`--wsrep-new-cluster`); nodes 2 and 3 join it one after the
other and receive the data by rsync SST. A node counts as up when it says `wsrep_ready=ON` and
`Synced`. The cluster is made fresh on each start (a demo and test fixture, not a data store).

The hosts are two tools/devstack Stacks (app processes + nginx each) sharing one secret key and
one list of two memcached servers; host A's app talks to node 1, host B's to node 2, and each
DATABASE_URL lists the other nodes after its own, for failover.
"""
from __future__ import annotations

import json
import os
import pwd
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from .memcached import Memcached
from .process import Processes, StartError, check_unix_socket_path, free_port, stop_recorded, wait_until
from .stack import Stack, StackConfig

PROVIDER = "/usr/lib/galera/libgalera_smm.so"
SYSTEM_USER = "mysql"

# Settings the app needs of every node (docs/cluster.md): row-based replication of InnoDB
# tables, interleaved auto-increment locks (statement locks do not replicate), and a node that
# disappears without leaving is declared dead after a few seconds (loopback, no real network).
GALERA_SETTINGS = [
    "--binlog-format=ROW",
    "--default-storage-engine=InnoDB",
    "--innodb-autoinc-lock-mode=2",
    "--wsrep-sst-method=rsync",
    "--wsrep-slave-threads=2",
    "--wsrep-log-conflicts=ON",   # which statement lost, in the node's log
]
PROVIDER_TIMEOUTS = "evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.keepalive_period=PT1S"


def stable_port() -> int:
    """A free loopback port below the kernel's ephemeral range. A node restarted after a kill
    binds its ports again; a port from the ephemeral range (what port 0 gives) may meanwhile be
    the local end of some client connection, and the restart failed with "Address already in
    use" on its IST port."""
    try:
        lowest_ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        lowest_ephemeral = 32768
    for _ in range(200):
        port = random.randrange(10000, max(lowest_ephemeral, 10001))
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    return free_port()


class GaleraNode:
    def __init__(self, cluster_home: Path, number: int, processes: Processes):
        self.number = number
        self.name = f"node{number}"
        self.home = cluster_home / self.name
        self.datadir = self.home / "data"
        self.socket = self.home / "mysqld.sock"
        self.processes = processes
        self.port = stable_port()
        self.group_port = stable_port()
        self.ist_port = stable_port()
        self.sst_port = stable_port()

    @property
    def group_address(self) -> str:
        return f"127.0.0.1:{self.group_port}"

    def client(self, sql: str, database: str | None = None) -> subprocess.CompletedProcess:
        """The mariadb client as the database root over this node's unix socket."""
        argv = ["mariadb", "--no-defaults", f"--socket={self.socket}", "--user=root", "--batch",
                "--skip-column-names"]
        if database:
            argv.append(f"--database={database}")
        return subprocess.run(argv, input=sql, capture_output=True, text=True, timeout=60)

    def query(self, sql: str, database: str | None = None) -> list[list[str]]:
        done = self.client(sql, database)
        if done.returncode != 0:
            raise StartError(f"{self.name}: {done.stderr.strip()}")
        return [line.split("\t") for line in done.stdout.splitlines()]

    def status(self, name: str) -> str | None:
        done = self.client(f"SHOW GLOBAL STATUS LIKE '{name}'")
        if done.returncode != 0 or not done.stdout.strip():
            return None
        return done.stdout.split("\t", 1)[1].strip()

    def is_synced(self) -> bool:
        return self.status("wsrep_ready") == "ON" and self.status("wsrep_local_state_comment") == "Synced"

    def _install(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)
        (self.home / "tmp").mkdir(parents=True)
        self.datadir.mkdir()
        _give_to_mysql(self.home)
        done = subprocess.run(
            ["mariadb-install-db", "--no-defaults", f"--datadir={self.datadir}",
             f"--user={SYSTEM_USER}", "--auth-root-authentication-method=normal",
             "--skip-test-db", "--skip-name-resolve", f"--tmpdir={self.home / 'tmp'}"],
            capture_output=True, text=True)
        if done.returncode != 0:
            raise StartError(f"mariadb-install-db ({self.name}) failed:\n{done.stdout}{done.stderr}")

    def start(self, members: list["GaleraNode"], bootstrap: bool = False, fresh: bool = True) -> None:
        check_unix_socket_path(self.socket)
        if fresh:
            self._install()
        argv = self._argv(members)
        if bootstrap:
            argv.append("--wsrep-new-cluster")
        if not fresh:
            argv.append(f"--wsrep-start-position={self._recover_position(argv)}")
        # a node that was killed may have left its pid file; mariadbd refuses none, but be tidy
        (self.home / "mariadbd.pid").unlink(missing_ok=True)
        self.processes.start(self.name, argv)
        wait_until(self.is_synced, f"Galera {self.name} synced", timeout=120,
                   alive=lambda: self.processes.ensure_alive(self.name))

    def _recover_position(self, argv: list[str]) -> str:
        """The last commit this node's InnoDB holds (`--wsrep-recover`, what systemd's
        galera_recovery does): given as the start position, a node that was killed rejoins by
        IST from the others' write-set cache instead of a full rsync SST, which blocks its
        donor for the whole copy."""
        log = self.home / "recover.log"
        log.unlink(missing_ok=True)
        subprocess.run([*argv, "--wsrep-recover", f"--log-error={log}"], capture_output=True, timeout=120)
        found = re.findall(r"WSREP: Recovered position: (\S+)", log.read_text(errors="replace") if log.exists() else "")
        if not found:
            raise StartError(f"{self.name}: --wsrep-recover found no position; see {log}")
        return found[-1]

    def _argv(self, members: list["GaleraNode"]) -> list[str]:
        addresses = ",".join(node.group_address for node in members)
        argv = [
            "mariadbd", "--no-defaults", f"--user={SYSTEM_USER}",
            f"--datadir={self.datadir}", f"--socket={self.socket}",
            f"--pid-file={self.home / 'mariadbd.pid'}", f"--tmpdir={self.home / 'tmp'}",
            f"--port={self.port}", "--bind-address=127.0.0.1", "--skip-name-resolve",
            "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
            "--max-connections=1000", "--innodb-buffer-pool-size=64M",
            # durability comes from the other nodes holding every commit too
            "--innodb-flush-log-at-trx-commit=2", "--sync-binlog=0",
            "--wsrep-on=ON", f"--wsrep-provider={PROVIDER}",
            "--wsrep-cluster-name=library", f"--wsrep-node-name={self.name}",
            f"--wsrep-cluster-address=gcomm://{addresses}",
            f"--wsrep-node-address={self.group_address}",
            f"--wsrep-sst-receive-address=127.0.0.1:{self.sst_port}",
            f"--wsrep-provider-options=gmcast.listen_addr=tcp://{self.group_address};"
            f"ist.recv_addr=127.0.0.1:{self.ist_port};{PROVIDER_TIMEOUTS}",
            *GALERA_SETTINGS,
        ]
        return argv

    def kill(self) -> None:
        """SIGKILL, as a crashed machine: no goodbye to the cluster."""
        proc = self.processes.started[self.name]
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.processes.started.pop(self.name)
        (self.processes.pids_dir / f"{self.name}.pid").unlink(missing_ok=True)

    def stop(self) -> None:
        self.processes.stop(self.name, timeout=60)

    # what tools/devstack's Stack asks of its database server
    def create_database(self, name: str, user: str, password: str) -> str:
        sql = f"""
            CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
            CREATE USER IF NOT EXISTS '{user}'@'127.0.0.1' IDENTIFIED BY '{password}';
            ALTER USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}';
            GRANT ALL PRIVILEGES ON `{name}`.* TO '{user}'@'127.0.0.1';
        """
        done = self.client(sql)
        if done.returncode != 0:
            raise StartError(f"creating database {name} on {self.name} failed: {done.stderr}")
        return self.tcp_url(name, user, password)

    # every read waits until this node has applied what the cluster committed before it; a
    # statement may wait out the eviction of a dead node (evs timeouts, ~4 s): past the default
    # 5 s read timeout it would be a lost connection
    url_options = "?wsrep_sync_wait=1&read_timeout=10"

    def tcp_url(self, name: str, user: str, password: str) -> str:
        return f"mysql://{user}:{password}@127.0.0.1:{self.port}/{name}{self.url_options}"

    def client_command(self, name: str, user: str) -> str:
        return f"mariadb --no-defaults -h 127.0.0.1 -P {self.port} -u {user} -p {name}"


class FailoverDatabase:
    """What a host's Stack sees as its database server: the database is made on its own node,
    and the app's DATABASE_URL lists that node first and the others after it (failover)."""

    def __init__(self, first: GaleraNode, others: list[GaleraNode]):
        self.first, self.others = first, others

    def create_database(self, name: str, user: str, password: str) -> str:
        self.first.create_database(name, user, password)
        hosts = ",".join(f"127.0.0.1:{node.port}" for node in [self.first, *self.others])
        return f"mysql://{user}:{password}@{hosts}/{name}{GaleraNode.url_options}"

    def client_command(self, name: str, user: str) -> str:
        return self.first.client_command(name, user)


def _give_to_mysql(path: Path) -> None:
    account = pwd.getpwnam(SYSTEM_USER)
    for folder, _dirs, files in os.walk(path):
        os.chown(folder, account.pw_uid, account.pw_gid)
        for name in files:
            os.chown(os.path.join(folder, name), account.pw_uid, account.pw_gid)


class GaleraCluster:
    def __init__(self, run: Path, size: int = 3):
        self.run = run
        self.processes = Processes(run)
        self.nodes = [GaleraNode(run / "galera", n, self.processes) for n in range(1, size + 1)]

    def start(self) -> None:
        if os.geteuid() != 0:
            raise StartError("the Galera cluster runs its nodes as the mysql user: start it as root")
        if not Path(PROVIDER).exists():
            raise StartError(f"{PROVIDER} not found: run `make install-deps` (galera-4)")
        self.run.mkdir(parents=True, exist_ok=True)
        self.run.chmod(0o755)
        # mysql must be able to reach its folders through every parent
        for parent in self.run.resolve().parents:
            if parent.stat().st_mode & 0o001 == 0:
                raise StartError(f"{parent} is not reachable by the mysql user (o+x)")
        for index, node in enumerate(self.nodes):
            node.start(self.nodes, bootstrap=index == 0)
        self.wait_size(len(self.nodes))

    def wait_size(self, size: int, timeout: float = 60) -> None:
        wait_until(lambda: all(node.status("wsrep_cluster_size") == str(size)
                               for node in self.nodes if node.name in self.processes.started),
                   f"Galera cluster of {size}", timeout=timeout)

    def restart(self, node: GaleraNode) -> None:
        """Bring a stopped or killed node back: it rejoins by IST (or SST) with its own data."""
        node.start(self.nodes, bootstrap=False, fresh=False)

    def stop(self) -> None:
        """Joiners first, the bootstrap node last: it then shuts down as the last of the cluster."""
        for node in reversed(self.nodes):
            if node.name in self.processes.started:
                node.stop()


@dataclass
class ClusterConfig:
    run: Path
    binary: Path | None = None
    processes: int = 2              # app processes per host
    threads: int = 16               # worker threads per app process
    library_env: str = "testing"
    database: str = "library"
    app_env: dict[str, str] = field(default_factory=dict)


class Cluster:
    """3 Galera nodes, 2 memcached servers, 2 hosts (app + nginx) on nodes 1 and 2."""

    def __init__(self, config: ClusterConfig):
        self.config = config
        self.run = config.run.resolve()
        self.galera = GaleraCluster(self.run)
        self.memcached = [Memcached(Processes(self.run / f"memcached-{n}"), tcp=True) for n in "ab"]
        self.hosts: list[Stack] = []

    @property
    def nodes(self) -> list[GaleraNode]:
        return self.galera.nodes

    def start(self) -> "Cluster":
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        c = self.config
        stop_recorded(self.run, recursive=True)
        shutil.rmtree(self.run, ignore_errors=True)
        self.galera.start()
        for server in self.memcached:
            server.processes.run.mkdir(parents=True, exist_ok=True)
            server.start()
        self.shared = {"db_password": secrets.token_hex(12), "secret_key": secrets.token_hex(32),
                       "admin_password": secrets.token_hex(12)}
        for index, (name, node) in enumerate(zip("ab", self.nodes)):
            self.hosts.append(self.start_host(name, node, create_admin=index == 0))

    def start_host(self, name: str, node: GaleraNode, failover: bool = True, create_admin: bool = False,
                   processes: int | None = None) -> Stack:
        """A host (app processes + nginx) under run/host-<name> whose DATABASE_URL names `node`
        first and, with `failover`, the other nodes after it; the caller stops it (the
        cluster's own hosts are stopped by `stop`)."""
        c = self.config
        run = self.run / f"host-{name}"
        run.mkdir(parents=True, exist_ok=True)
        (run / "secrets.json").write_text(json.dumps(self.shared) + "\n")
        env = {"RATELIMIT_ENABLED": "false", **c.app_env}
        others = [n for n in self.nodes if n is not node] if failover else []
        host = Stack(StackConfig(
            run=run, port=0, binary=c.binary, processes=processes or c.processes, threads=c.threads,
            web_workers=1, keepalive=4, library_env=c.library_env, database=c.database,
            create_admin=create_admin, memcached_servers=self.memcached_servers, app_env=env),
            mariadb=FailoverDatabase(node, others))
        return host.start()

    @property
    def memcached_servers(self) -> str:
        return ",".join(server.servers for server in self.memcached)

    def stop(self) -> None:
        for host in reversed(self.hosts):
            host.stop()
        for server in self.memcached:
            server.processes.stop_all()
        self.galera.stop()

    def __enter__(self) -> "Cluster":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
