"""Who can reach the FastCGI socket (docs/security.md): `serve --socket PATH` makes it 0660 in
the web server's group, `--socket :PORT` listens on loopback only, and FCGI_WEB_SERVER_ADDRS
closes TCP connections from any other peer. The real binary, spoken to in FastCGI directly."""
from __future__ import annotations

import grp
import os
import socket
import stat
import subprocess
import time

import pytest

from fastcgi_client import request
from tools.devstack.app import find_binary
from tools.devstack.process import free_port

PARAMS = {"REQUEST_METHOD": "GET", "REQUEST_URI": "/no-such-route", "SCRIPT_NAME": "/no-such-route",
          "QUERY_STRING": "", "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1"}


@pytest.fixture
def serve(tmp_path):
    """Starts `library-app serve ARGS` (no database: the router's 404 needs none); stops it by PID."""
    started = []

    def start(*args: str, **env: str) -> subprocess.Popen:
        clean = {k: v for k, v in os.environ.items()
                 if k not in ("DATABASE_URL", "MEMCACHED_SERVERS", "APP_SOCKET_GROUP", "FCGI_WEB_SERVER_ADDRS")}
        process = subprocess.Popen([str(find_binary()), "serve", "--threads", "2", *args],
                                   env={**clean, "LIBRARY_ENV": "testing", "SECRET_KEY": "s" * 64, **env},
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=open(tmp_path / f"serve-{len(started)}.log", "w"), cwd=tmp_path)
        started.append(process)
        return process

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=30)


def wait_for(condition, process: subprocess.Popen, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, f"serve exited with {process.returncode}"
        assert time.monotonic() < deadline, "serve did not start listening"
        time.sleep(0.05)


def listening_addresses(port: int) -> set[str]:
    """The local addresses of TCP sockets listening on `port`, from /proc/net/tcp and tcp6."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).read().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_unix_socket_is_0660_in_the_web_servers_group(tmp_path, serve, how):
    group = grp.getgrgid(65534).gr_name if os.geteuid() == 0 else grp.getgrgid(os.getegid()).gr_name
    path = tmp_path / "app.sock"
    process = (serve("--socket", str(path), "--socket-group", group) if how == "option"
               else serve("--socket", str(path), APP_SOCKET_GROUP=group))
    wait_for(path.is_socket, process)
    status = path.stat()
    assert stat.S_IMODE(status.st_mode) == 0o660  # before: 0666, anyone on the host
    assert grp.getgrgid(status.st_gid).gr_name == group
    code, headers, _ = request(str(path), PARAMS)
    assert code == 404 and headers.get("X-Request-Id")


def test_an_unknown_socket_group_stops_serve(tmp_path, serve):
    process = serve("--socket", str(tmp_path / "app.sock"), "--socket-group", "no-such-group-here")
    assert process.wait(timeout=30) != 0
    assert "no such group 'no-such-group-here'" in (tmp_path / "serve-0.log").read_text()
    assert not (tmp_path / "app.sock").exists()


def test_a_port_alone_listens_on_loopback_only(serve):
    port = free_port()
    process = serve("--socket", f":{port}")
    wait_for(lambda: listening_addresses(port), process)
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1; before: 00000000, every interface
    assert answers(("127.0.0.1", port))


def answers(address) -> bool:
    """Whether the app answered a request there (a closed connection is no answer)."""
    try:
        code, headers, _ = request(address, PARAMS, timeout=5)
    except OSError:
        return False
    return code == 404 and bool(headers.get("X-Request-Id"))


def test_web_server_addresses_close_other_peers_over_tcp(serve):
    port, allowed_port = free_port(), free_port()
    process = serve("--socket", f"127.0.0.1:{port}", FCGI_WEB_SERVER_ADDRS="127.0.0.2, ::1")
    allowed = serve("--socket", f"127.0.0.1:{allowed_port}", FCGI_WEB_SERVER_ADDRS="127.0.0.1")
    wait_for(lambda: listening_addresses(port), process)
    wait_for(lambda: listening_addresses(allowed_port), allowed)
    assert not answers(("127.0.0.1", port))
    assert answers(("127.0.0.1", allowed_port))
