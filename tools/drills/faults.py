"""The faults, each done to a running stack the way an operator (or bad luck) would, returning
when the fault is over: the moment service may be expected back.

Each drill names what it allows (`Allowance`): nothing at all; the writes in flight at the
fault (an app process killed with SIGKILL or stopped: 502, nginx does not resend a POST; an
old nginx worker closing a kept client connection as a POST arrives: no answer; a killed
database connection inside a COMMIT, whose outcome the app cannot know: 503); or 503 +
Retry-After while MariaDB is away.
"""
from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable

from ..bench.fixtures import sql
from ..devstack.mariadb import MariaDB
from ..devstack.memcached import Memcached
from ..devstack.process import children, wait_until
from ..devstack.stack import Stack


class Allowance(Enum):
    NOTHING = "no failure"
    WRITES_IN_FLIGHT = "the writes in flight at the fault, with the drill's status"
    DATABASE_AWAY = "503 + Retry-After while MariaDB is away"


@dataclass
class Fault:
    """What happened: when the fault began and ended (time.monotonic()), and notes for the
    table (a finding of the fault itself, such as the slow loris not being cut)."""
    began: float
    ended: float
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    cuts: int = 1           # separate moments that may cut the requests in flight


@dataclass
class Drill:
    name: str
    title: str
    allowance: Allowance
    act: Callable[[Stack, MariaDB, bool], Fault]
    # WRITES_IN_FLIGHT: how a write cut by the fault ends ("error": no answer, connection closed)
    in_flight_status: int | str = 502


# -- app processes ----------------------------------------------------------------------------
def _replaced(stack: Stack, gone: int, timeout: float = 15) -> None:
    """Wait until multiwatch has started a process in place of `gone`."""
    count = stack.config.processes
    wait_until(lambda: gone not in stack.pool.pids() and len(stack.pool.pids()) == count,
               f"a replacement of app process {gone}", timeout=timeout)


def kill_app_process(stack: Stack, _db: MariaDB, _quick: bool) -> Fault:
    victim = stack.pool.pids()[0]
    began = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    _replaced(stack, victim)   # spawn-fcgi + multiwatch start another, as in production
    return Fault(began, time.monotonic())


def rolling_restart(stack: Stack, _db: MariaDB, _quick: bool) -> Fault:
    """SIGTERM one process (its requests in flight finish), wait for its replacement, next."""
    began = time.monotonic()
    victims = list(stack.pool.pids())
    for victim in victims:
        os.kill(victim, signal.SIGTERM)
        _replaced(stack, victim, timeout=40)
    return Fault(began, time.monotonic(), cuts=len(victims))


# -- nginx ------------------------------------------------------------------------------------
def nginx_reload(stack: Stack, _db: MariaDB, _quick: bool) -> Fault:
    master = stack.processes.started["nginx"].pid
    old_workers = set(children(master))
    home = stack.web.home
    began = time.monotonic()
    subprocess.run(["nginx", "-p", str(home), "-c", str(home / "nginx.conf"),
                    "-e", str(stack.processes.logs_dir / "nginx-error.log"), "-s", "reload"],
                   check=True, capture_output=True, timeout=30)
    # over when the old workers have finished their kept connections and exited
    wait_until(lambda: not (old_workers & set(children(master))), "old nginx workers to exit", timeout=30)
    return Fault(began, time.monotonic())


def header_timeout(stack: Stack) -> float:
    """client_header_timeout as the rendered nginx configuration sets it (nginx's default: 60 s)."""
    text = (stack.web.home / "nginx.conf").read_text()
    found = re.search(r"^\s*client_header_timeout\s+(\d+)(ms|s|m)?\s*;", text, re.M)
    if not found:
        return 60.0
    value, unit = int(found[1]), found[2] or "s"
    return value / 1000 if unit == "ms" else value * (60 if unit == "m" else 1)


def slow_loris(stack: Stack, _db: MariaDB, _quick: bool) -> Fault:
    """A client sending its request headers a byte a second: nginx must cut it at
    client_header_timeout; the load running beside it shows the others are served meanwhile."""
    timeout = header_timeout(stack)
    request = b"GET /health HTTP/1.1\r\nHost: localhost\r\nUser-Agent: " + b"x" * 10_000
    began = time.monotonic()
    with socket.create_connection((stack.config.host, stack.port), timeout=5) as loris:
        loris.settimeout(None)   # blocking: with a timeout, recv ignores MSG_DONTWAIT and waits
        for byte in request:
            try:
                loris.sendall(bytes([byte]))
            except OSError:
                break
            # a second until the next byte, watching for nginx's answer or close
            select.select([loris], [], [], 1.0)
            if _cut(loris) or time.monotonic() - began > timeout + 10:
                break
    cut_after = time.monotonic() - began
    fault = Fault(began, time.monotonic(), notes=[f"loris cut after {cut_after:.1f} s (client_header_timeout {timeout:g} s)"])
    if not (timeout - 1.5 <= cut_after <= timeout + 2):
        fault.problems.append(f"the slow loris was cut after {cut_after:.1f} s, not at client_header_timeout {timeout:g} s")
    return fault


def _cut(connection: socket.socket) -> bool:
    """Whether nginx has answered (a 408, say) or closed the connection; never blocks."""
    try:
        connection.recv(1, socket.MSG_DONTWAIT | socket.MSG_PEEK)
        return True          # some answer, or b"" at end of file
    except BlockingIOError:
        return False
    except OSError:
        return True          # reset


# -- memcached --------------------------------------------------------------------------------
def restart_memcached(stack: Stack, _db: MariaDB, quick: bool) -> Fault:
    began = time.monotonic()
    stack.processes.started["memcached"].kill()
    stack.processes.stop("memcached")
    time.sleep(1 if quick else 3)
    Memcached(stack.processes).start()   # same socket path: the app's MEMCACHED_SERVERS
    return Fault(began, time.monotonic())


def freeze_memcached(stack: Stack, _db: MariaDB, _quick: bool) -> Fault:
    pid = stack.processes.started["memcached"].pid
    began = time.monotonic()
    os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(3)
    finally:
        os.kill(pid, signal.SIGCONT)
    return Fault(began, time.monotonic())


# -- MariaDB ----------------------------------------------------------------------------------
def stop_database(stack: Stack, db: MariaDB, _quick: bool) -> Fault:
    began = time.monotonic()
    db.stop()               # SIGTERM: a clean shutdown
    time.sleep(5)
    db.start()              # returns once it accepts connections
    return Fault(began, time.monotonic())


def kill_database(stack: Stack, db: MariaDB, _quick: bool) -> Fault:
    began = time.monotonic()
    db.processes.started["mariadb"].kill()
    db.processes.stop("mariadb")
    time.sleep(2)
    db.start()              # crash recovery from the redo log, then it accepts connections
    return Fault(began, time.monotonic())


def kill_database_connections(stack: Stack, db: MariaDB, _quick: bool) -> Fault:
    user = stack.config.database
    began = time.monotonic()
    ids = [row[0] for row in sql(stack, f"SELECT id FROM information_schema.processlist WHERE user = '{user}';")]
    sql(stack, "".join(f"KILL CONNECTION {i};" for i in ids) or "SELECT 1;")
    fault = Fault(began, time.monotonic(), notes=[f"{len(ids)} connections killed"])
    if not ids:
        fault.problems.append("no app connection to kill")
    return fault


DRILLS = [
    Drill("kill-app", "kill -9 of an app process", Allowance.WRITES_IN_FLIGHT, kill_app_process),
    Drill("rolling-restart", "rolling restart (SIGTERM each app process)", Allowance.WRITES_IN_FLIGHT,
          rolling_restart),
    Drill("nginx-reload", "nginx -s reload", Allowance.WRITES_IN_FLIGHT, nginx_reload, in_flight_status="error"),
    Drill("memcached-restart", "memcached kill -9 and restart", Allowance.NOTHING, restart_memcached),
    Drill("memcached-freeze", "slow memcached (SIGSTOP 3 s)", Allowance.NOTHING, freeze_memcached),
    Drill("db-stop", "MariaDB stopped 5 s, restarted", Allowance.DATABASE_AWAY, stop_database),
    Drill("db-kill", "MariaDB kill -9, restarted (durable)", Allowance.DATABASE_AWAY, kill_database),
    Drill("db-kill-connections", "KILL CONNECTION of every app connection", Allowance.WRITES_IN_FLIGHT,
          kill_database_connections, in_flight_status=503),
    Drill("slow-loris", "slow loris (headers 1 byte/s)", Allowance.NOTHING, slow_loris),
]
