"""Starting, watching and stopping the processes of a stack, each by its PID.

Every process runs in the foreground as our child (no daemon mode), in its own session so that a
Ctrl-C in the terminal reaches only us and we stop the others in order. Each PID is also written
to <run>/pids/<name>.pid (with its start time, so a reused PID is never mistaken for ours), which
lets `python3 -m tools.devstack stop` clean up after a run that was killed with SIGKILL.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path


class StartError(RuntimeError):
    """A process did not start or did not become ready."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the kernel's choice)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def start_time(pid: int) -> str | None:
    """The kernel's start time of a process (field 22 of /proc/PID/stat), or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # the command name may contain spaces
    if fields[0] == "Z":                           # a zombie has finished already
        return None
    return fields[19]


def children(pid: int) -> list[int]:
    """The direct children of a process (what multiwatch forked)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return sorted(found)


def check_unix_socket_path(path: Path) -> None:
    if len(os.fsencode(path)) > 107:  # sun_path is 108 bytes with the NUL
        raise StartError(f"unix socket path too long ({len(str(path))} > 107 bytes): {path}; "
                         "use a shorter run folder")


def wait_until(ready, what: str, timeout: float, alive=None) -> None:
    """Poll ready() until it is true; fail early when alive() says the process has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if alive is not None:
            alive()
        time.sleep(0.05)
    raise StartError(f"{what} not ready after {timeout:.0f} s")


def tcp_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class Processes:
    """The processes one owner (a stack, a shared database) started, in start order."""

    def __init__(self, run: Path):
        self.run = run
        self.pids_dir = run / "pids"
        self.logs_dir = run / "logs"
        self.started: dict[str, subprocess.Popen] = {}

    def log_path(self, name: str) -> Path:
        return self.logs_dir / f"{name}.log"

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        """Start argv in the foreground, stdout and stderr to logs/<name>.log."""
        if name in self.started:
            raise StartError(f"{name} already started")
        self.pids_dir.mkdir(parents=True, exist_ok=True)
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path(name), "ab") as log:
            log.write(f"==> {time.strftime('%Y-%m-%dT%H:%M:%S')} {' '.join(argv)}\n".encode())
            log.flush()
            try:
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                        stderr=subprocess.STDOUT, env=env, start_new_session=True)
            except OSError as error:
                raise StartError(f"cannot start {name}: {error}") from error
        self.started[name] = proc
        (self.pids_dir / f"{name}.pid").write_text(f"{proc.pid} {start_time(proc.pid)}\n")
        return proc

    def ensure_alive(self, name: str) -> None:
        """Raise with the end of the log when the process has exited."""
        proc = self.started[name]
        if proc.poll() is not None:
            raise StartError(f"{name} exited with status {proc.returncode}; "
                             f"end of {self.log_path(name)}:\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path(name).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, name: str, timeout: float = 10.0) -> int | None:
        """SIGTERM, wait up to timeout, then SIGKILL. Returns the exit status."""
        proc = self.started.pop(name, None)
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        (self.pids_dir / f"{name}.pid").unlink(missing_ok=True)
        return proc.returncode

    def stop_all(self) -> None:
        """Stop in reverse start order: web server, app, cache, database."""
        for name in reversed(list(self.started)):
            self.stop(name)


def stop_recorded(run: Path, recursive: bool = False, timeout: float = 10.0) -> list[str]:
    """Stop the processes recorded in run/pids/ (and in every folder below run when recursive)
    by an earlier run that did not clean up (one killed by SIGKILL, say), newest first.
    A PID whose start time differs now belongs to someone else and is left alone."""
    stopped = []
    pattern = "**/pids/*.pid" if recursive else "pids/*.pid"
    pid_files = sorted(run.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
    for pid_file in pid_files:
        try:
            pid_text, started = pid_file.read_text().split()
            pid = int(pid_text)
        except (OSError, ValueError):
            pid_file.unlink(missing_ok=True)
            continue
        if start_time(pid) == started:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while start_time(pid) == started and time.monotonic() < deadline:
                time.sleep(0.05)
            if start_time(pid) == started:
                os.kill(pid, signal.SIGKILL)
            stopped.append(f"{pid_file.stem} (pid {pid})")
        pid_file.unlink(missing_ok=True)
    return stopped
