"""The app started the way conf/systemd's units start it: the listen socket made beforehand and
handed over as the process's standard input (`StandardInput=socket`), the process started only
when the first connection arrives. This machine runs no systemd as PID 1, so
`systemd-socket-activate --inetd` (Debian's systemd package) plays the socket unit; nginx in
front, as in production (docs/operations.md)."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from circulation import admin_login, bearer, make_book
from conftest import BaseURLSession, assert_no_crash, stack_config
from tools.devstack.stack import Stack


@pytest.fixture(scope="module")
def activated(mariadb):
    stack = Stack(stack_config("nginx", "socket-activation", processes=1, supervise=False, socket_activation=True),
                  mariadb=mariadb).start()
    yield stack
    stack.stop()
    assert_no_crash(stack)


def test_the_app_serves_on_the_socket_it_was_handed(activated):
    stack = activated
    pid = stack.pool.pid
    # systemd-socket-activate execs the app in its own process: that PID is library-app serve now
    command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    assert Path(command[0].decode()).name == "library-app" and command[1] == b"serve", command
    # its standard input is the listening socket the activator made, not one of its own
    socket_path = stack.run / "app.sock"
    listening = {line.split()[-1] for line in open("/proc/net/unix").read().splitlines()[1:]
                 if line.split()[-1:] == [str(socket_path)] and line.split()[5] == "01"}  # 01: listening
    assert listening == {str(socket_path)}
    stdin = os.stat(f"/proc/{pid}/fd/0")
    assert stat.S_ISSOCK(stdin.st_mode)
    inode = int(os.readlink(f"/proc/{pid}/fd/0").removeprefix("socket:[").removesuffix("]"))
    inodes = {int(line.split()[6]) for line in open("/proc/net/unix").read().splitlines()[1:]
              if line.split()[-1] == str(socket_path)}
    assert inode in inodes, (inode, inodes)
    # the environment came through (-E, as from the unit's EnvironmentFile): it reached MariaDB
    client = BaseURLSession(stack.url)
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["database"] == "ok", health.text
    admin = admin_login(stack, client)
    book = make_book(client, admin, copies=2)
    read = client.get(f"/books/{book['id']}", headers=bearer(admin))
    assert read.status_code == 200 and read.json()["title"] == book["title"]
    assert stack.pool.pids() == [pid]  # the same process served everything
    # started on demand: the first connection came before the app did
    log = stack.processes.log_path("app").read_text(errors="replace")
    assert 0 <= log.find("Communication attempt on fd") < log.find("library-app serving"), log[:2000]
