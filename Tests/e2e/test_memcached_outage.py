"""memcached trouble (docs/api.md, Degraded operation; issue 5): with two servers keys spread
over both and one stopping keeps the service answering; with memcached stopped, requests are
still served from the database (no 5xx), health says degraded, rate limits fail open and a
metric counts it; restarted, the cache is used again and nothing stale is served."""
from __future__ import annotations

import os
import signal
import socket
import time

import pytest

from circulation import admin_login, bearer, make_book
from conftest import RUN, BaseURLSession, assert_no_crash, stack_config
from helpers import read_stored

from tools.devstack.memcached import Memcached
from tools.devstack.process import Processes
from tools.devstack.stack import Stack


def item_count(port: int) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(b"stats\r\n")
        data = b""
        while not data.endswith(b"END\r\n"):
            data += connection.recv(65536)
    for line in data.decode().splitlines():
        if line.startswith("STAT curr_items "):
            return int(line.split()[-1])
    raise AssertionError(data)


@pytest.fixture(scope="module")
def two_servers():
    # over TCP, as servers on other hosts are reached (the other stacks use a unix socket)
    servers = [Memcached(Processes(RUN / "test-memcached-pair" / name), tcp=True) for name in ("a", "b")]
    for server in servers:
        server.start()
    stack = Stack(stack_config("nginx", "memcached-outage", app_env={
        "MEMCACHED_SERVERS": ",".join(server.servers for server in servers),
        "RATELIMIT_ENABLED": "true", "RATELIMIT_DEFAULT": "100000 per day"})).start()
    yield stack, servers
    assert_no_crash(stack)
    stack.stop()
    for server in servers:
        server.processes.stop_all()


def metric(session, name: str) -> float:
    """The largest value a process reports (each process counts its own)."""
    values = []
    for _ in range(6):
        text = session.get("/metrics", headers={"Connection": "close"}).text
        values.append(sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name)))
    return max(values)


def test_keys_spread_over_both_servers(two_servers):
    stack, servers = two_servers
    session = BaseURLSession(stack.url)
    admin = admin_login(stack, session)
    for _ in range(30):
        book = make_book(session, admin)
        session.get(f"/books/{book['id']}", headers=bearer(admin))
    counts = [item_count(server.port) for server in servers]
    assert all(count > 3 for count in counts), counts


def test_one_server_stopping_keeps_the_service_answering(two_servers):
    stack, servers = two_servers
    session = BaseURLSession(stack.url)
    admin = admin_login(stack, session)
    book = make_book(session, admin)
    servers[1].processes.stop_all()
    try:
        for _ in range(30):
            response = session.get(f"/books/{book['id']}", headers=bearer(admin))
            assert response.status_code == 200 and response.json()["id"] == book["id"]
    finally:
        servers[1].start()


def test_memcached_down_then_back(two_servers):
    stack, servers = two_servers
    session = BaseURLSession(stack.url)
    admin = admin_login(stack, session)
    book = make_book(session, admin, copies=3)
    path = f"/books/{book['id']}"
    # The server restarted by the test before is used again within its retry time (2 s).
    deadline = time.monotonic() + 10
    while session.get(path, headers=bearer(admin)).headers["X-Cache"] != "HIT":
        assert time.monotonic() < deadline, "the cache is not used"
        time.sleep(0.2)
    failures_before = metric(session, "library_ratelimit_store_failures_total")

    for server in servers:
        server.processes.stop_all()
    try:
        started = time.monotonic()
        for copies in (4, 5, 6):
            changed = session.patch(path, headers=bearer(admin), json={"copies": copies})
            assert changed.status_code == 200, changed.text
            read = session.get(path, headers=bearer(admin))
            assert read.status_code == 200 and read.json()["copies_total"] == copies
            assert read.headers["X-Cache"] == "MISS"
        for _ in range(20):
            assert session.get("/books", headers=bearer(admin)).status_code == 200
        assert time.monotonic() - started < 10, "memcached down made requests slow"
        # /health answers from a probe at most a second old
        deadline = time.monotonic() + 3
        while (health := session.get("/health")).json()["status"] == "ok" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert health.status_code == 200
        assert health.json() == {"status": "degraded", "database": "ok", "cache": "unavailable"}
        assert metric(session, "library_ratelimit_store_failures_total") > failures_before
    finally:
        for server in servers:
            server.start()

    # Back: a change made while memcached was away is visible (nothing stale), then hits again.
    deadline = time.monotonic() + 15
    while session.get("/health").json()["status"] != "ok":
        assert time.monotonic() < deadline, "the app did not use memcached again"
        time.sleep(0.2)
    assert session.patch(path, headers=bearer(admin), json={"copies": 7}).status_code == 200
    for _ in range(10):
        read = session.get(path, headers=bearer(admin))
        assert read.json()["copies_total"] == 7
    # Each process trusts its cache again once it has flushed what the outage may have left.
    deadline = time.monotonic() + 10
    while session.get(path, headers=bearer(admin)).headers["X-Cache"] != "HIT":
        assert time.monotonic() < deadline, "the cache is not used again"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def one_process_stack():
    """One app process: what one process knows of a lost invalidation is then all there is."""
    stack = Stack(stack_config("nginx", "memcached-hang", processes=1, threads=16)).start()
    yield stack
    assert_no_crash(stack)
    stack.stop()


def test_a_hung_memcached_that_resumes_serves_nothing_stale(one_process_stack):
    """SIGSTOP keeps memcached's data: when it resumes it still holds the old answer and the
    old generation, since the write's invalidation never arrived. It must never be served."""
    stack = one_process_stack
    session = BaseURLSession(stack.url)
    admin = admin_login(stack, session)
    book = make_book(session, admin, copies=1)
    path = f"/books/{book['id']}"
    session.get(path, headers=bearer(admin))
    assert read_stored(session.get, path, headers=bearer(admin)).headers["X-Cache"] == "HIT"

    memcached = stack.processes.started["memcached"].pid
    os.kill(memcached, signal.SIGSTOP)
    try:
        started = time.monotonic()
        assert session.patch(path, headers=bearer(admin), json={"copies": 5}).status_code == 200
        assert session.get(path, headers=bearer(admin)).json()["copies_total"] == 5
        assert time.monotonic() - started < 5, "a hung memcached made requests slow"
    finally:
        os.kill(memcached, signal.SIGCONT)

    deadline = time.monotonic() + 10
    hit = False
    while not hit:
        read = session.get(path, headers=bearer(admin))
        assert read.json()["copies_total"] == 5, "a stale answer from before the hang was served"
        hit = read.headers["X-Cache"] == "HIT"
        assert hit or time.monotonic() < deadline, "the cache is not used again"
        time.sleep(0.05)
