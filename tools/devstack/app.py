"""library-app: finding or building the binary, its administrative subcommands, and its
processes under spawn-fcgi.

spawn-fcgi makes the listen socket (backlog 1024: a small backlog turns bursts into 502s) and,
with -n, execs into multiwatch, which forks N copies of `library-app serve` sharing that socket as
fd 0 and starts a new one whenever one dies. On our SIGTERM multiwatch stops restarting, sends
every child SIGUSR1 (the FastCGI convention for a graceful stop, which the app honours like
SIGTERM) and exits when they have finished. Leave multiwatch's `-s` alone: in Debian 12's
multiwatch 1.0.0 it sends the index of the name in its list, not the signal (`-s TERM` sends
SIGQUIT, `-s USR1` SIGILL).
Without supervision (`supervise=False`) spawn-fcgi execs the app itself: one process, our
direct child, whose exit status we can read (the SIGTERM test uses that).
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

from .process import (Processes, StartError, check_unix_socket_path, children, start_time,
                      wait_until)

REPO = Path(__file__).resolve().parents[2]
PRODUCT = "library-app"


def build(configuration: str = "release", scratch: Path | None = None) -> Path:
    """`swift build` the app product; return the binary's path."""
    argv = ["swift", "build", "-c", configuration, "--product", PRODUCT]
    if scratch:
        argv += ["--scratch-path", str(scratch)]
    print("+", " ".join(argv), flush=True)
    subprocess.run(argv, cwd=REPO, check=True)
    bin_dir = subprocess.run(argv[:4] + argv[6:] + ["--show-bin-path"], cwd=REPO, check=True,
                             capture_output=True, text=True).stdout.strip()
    return Path(bin_dir) / PRODUCT


def find_binary() -> Path:
    """$LIBRARY_APP, else the newest of .build/{release,debug}/library-app."""
    if os.environ.get("LIBRARY_APP"):
        path = Path(os.environ["LIBRARY_APP"]).resolve()
        if not os.access(path, os.X_OK):
            raise StartError(f"LIBRARY_APP={path} is not an executable")
        return path
    built = [p for p in (REPO / ".build/release" / PRODUCT, REPO / ".build/debug" / PRODUCT)
             if os.access(p, os.X_OK)]
    if not built:
        raise StartError(f"no {PRODUCT} binary: run `make build` (or set LIBRARY_APP)")
    return max(built, key=lambda p: p.stat().st_mtime)


class App:
    """One library-app binary and the environment it runs with."""

    def __init__(self, binary: Path, env: dict[str, str]):
        self.binary = binary
        self.env = {**os.environ, **env}
        self._subcommands: set[str] | None = None

    def supports(self, subcommand: str) -> bool:
        """Whether `library-app --help` lists the subcommand (they arrive issue by issue)."""
        if self._subcommands is None:
            done = subprocess.run([str(self.binary), "--help"], capture_output=True, text=True,
                                  env=self.env, timeout=30, stdin=subprocess.DEVNULL)
            section = (done.stdout + done.stderr).partition("SUBCOMMANDS:")[2]
            self._subcommands = set(re.findall(r"^  ([a-z][a-z0-9-]*)", section, re.M))
        return subcommand in self._subcommands

    def run(self, *args: str, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
        done = subprocess.run([str(self.binary), *args], capture_output=True, text=True,
                              env={**self.env, **(env or {})}, timeout=timeout, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise StartError(f"library-app {' '.join(args)} failed ({done.returncode}):\n"
                             f"{done.stdout}{done.stderr}")
        return done


class AppPool:
    """N app processes on one unix socket, started by spawn-fcgi (+ multiwatch).

    `command` runs another FastCGI responder the same way instead of `library-app serve`
    (tools/bench: a C hello beside the app); it reads its thread count from APP_THREADS."""

    def __init__(self, processes: Processes, app: App, socket: Path, count: int = 2,
                 threads: int = 64, supervise: bool = True, name: str = "app",
                 command: list[str] | None = None, socket_activation: bool = False):
        self.processes, self.app, self.socket = processes, app, socket
        self.count, self.threads, self.supervise, self.name = count, threads, supervise, name
        self.command = command
        # systemd-socket-activate instead of spawn-fcgi: see start_socket_activated
        self.socket_activation = socket_activation

    @property
    def total_threads(self) -> int:
        return self.count * self.threads

    def start(self) -> None:
        check_unix_socket_path(self.socket)
        if self.socket_activation:
            return self.start_socket_activated()
        for tool in ("spawn-fcgi", "multiwatch"):
            if not shutil.which(tool):
                raise StartError(f"{tool} not found: run `make install-deps`")
        serve = self.command or [str(self.app.binary), "serve", "--threads", str(self.threads)]
        argv = ["spawn-fcgi", "-s", str(self.socket), "-M", "0660", "-b", "1024", "-n", "--"]
        if self.supervise:
            # spawn-fcgi execs with execv (no PATH lookup): give multiwatch's full path
            argv += [shutil.which("multiwatch"), "-f", str(self.count), "-r", "10", "--"]
        elif self.count != 1:
            raise StartError("an unsupervised pool has exactly one process")
        self.processes.start(self.name, argv + serve,
                             env={**self.app.env, "APP_THREADS": str(self.threads)})
        # spawn-fcgi makes the socket before it execs: connections queue in the backlog from then
        wait_until(lambda: self.socket.is_socket() and len(self.pids()) == self.count,
                   "app processes", timeout=15, alive=lambda: self.processes.ensure_alive(self.name))
        if self.command is None:
            # Each process bumps the cache epoch before it serves, voiding what is cached: tests
            # that count on a hit must not cache anything before every process has done so.
            wait_until(self.all_serving, "app processes serving", timeout=30,
                       alive=lambda: self.processes.ensure_alive(self.name))

    def start_socket_activated(self) -> None:
        """One process started the way conf/systemd/library-api@.socket and .service start it:
        systemd-socket-activate (Debian's systemd package) makes the listen socket and, when
        the first connection arrives, execs the app with that socket as its standard input
        (`--inetd`: the units' `StandardInput=socket`, where FastCGI expects it). It passes
        on only the environment named with -E, as a unit's EnvironmentFile does."""
        tool = shutil.which("systemd-socket-activate")
        if not tool:
            raise StartError("systemd-socket-activate not found: run `make install-deps` (systemd)")
        if self.supervise or self.count != 1:
            raise StartError("a socket-activated pool is one process, supervised by systemd in production")
        env = {**self.app.env, "APP_THREADS": str(self.threads)}
        argv = [tool, "--inetd", "--listen", str(self.socket)]
        for name in env:
            argv += ["-E", name]  # the value from the environment given to the tool
        serve = [str(self.app.binary), "serve", "--threads", str(self.threads)]
        self.processes.start(self.name, argv + ["--"] + serve, env=env)
        wait_until(self.socket.is_socket, "the activation socket", timeout=15,
                   alive=lambda: self.processes.ensure_alive(self.name))
        # The socket needs the web server's group, as the .socket unit's SocketGroup gives it.
        os.chmod(self.socket, 0o660)

    def all_serving(self) -> bool:
        """Every current process has logged `library-app serving` (after its start-up work)."""
        try:
            log = self.processes.log_path(self.name).read_text(errors="replace")
        except OSError:
            return False
        serving = set(re.findall(r"library-app serving .*?\bpid=(\d+)", log))
        pids = self.pids()
        return len(pids) == self.count and all(str(pid) in serving for pid in pids)

    @property
    def pid(self) -> int:
        """spawn-fcgi's PID: multiwatch when supervised, else the app itself."""
        return self.processes.started[self.name].pid

    def pids(self) -> list[int]:
        """The PIDs of the app processes serving now."""
        if self.name not in self.processes.started:
            return []
        return children(self.pid) if self.supervise else [self.pid]

    def stop(self) -> int | None:
        """Graceful (requests in flight finish), then by force: a child still there once its
        supervisor has gone is killed by PID rather than left behind."""
        leftovers = [(pid, start_time(pid)) for pid in self.pids()]
        status = self.processes.stop(self.name, timeout=30)
        for pid, started in leftovers:
            if started is not None and start_time(pid) == started:
                os.kill(pid, signal.SIGKILL)
        return status
