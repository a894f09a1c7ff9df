"""One of the two shared memcached servers lost under load through both hosts: no request
fails, and no read through either host is older than a write already answered (docs/cluster.md,
"memcached servers lost").

The load: readers of cached book pages (`GET /books/{id}`, `GET /books`) and writers that rename
their own book (`PATCH /books/{id}`), half through each host. A writer's book title carries a
version; once a PATCH is answered `200`, every read started after that answer must show that
version or a newer one, whichever host serves it. The faults, in turn, on the server that holds
the cache epoch (the number whose bump voids everything after a lost invalidation: the worst
one to lose): killed (`SIGKILL`) and, a while later, started again on its port (empty); then
frozen (`SIGSTOP`: unreachable but keeping every entry, as behind a network cut) and thawed
(`SIGCONT`), its entries and numbers older than the writes made meanwhile; then the other
server frozen and thawed; then both at once (memcached cut off altogether: whatever the layout
of the keys, the numbers that stamp the entries come back old)."""
from __future__ import annotations

import os
import random
import re
import signal
import threading
import time

import requests
import socket

from circulation import admin_login, bearer, make_book

PHASE = float(os.environ.get("MEMCACHED_LOSS_PHASE_SECONDS", "6"))
WRITERS = 8
READERS = 16
# after a frozen server thaws: the epoch bump's retry period (250 ms), its timeouts and a
# loaded machine's scheduling
RETURN_WINDOW = 1.0
VERSION = re.compile(r" v(\d+)$")


class Ledger:
    """The versions the API has confirmed, and everything that went wrong."""

    def __init__(self, books: list[int]):
        self.lock = threading.Lock()
        self.confirmed = {book: 0 for book in books}
        self.requests = 0
        self.failures: list[str] = []
        self.stale: list[tuple[float, str]] = []  # (seconds since the start, what was read)
        self.start = time.monotonic()

    def count(self, failure: str | None = None) -> None:
        with self.lock:
            self.requests += 1
            if failure:
                self.failures.append(failure)


def call(session: requests.Session, ledger: Ledger, method: str, url: str, **kwargs) -> requests.Response | None:
    try:
        response = session.request(method, url, timeout=30, **kwargs)
    except requests.RequestException as error:
        ledger.count(f"{method} {url}: {type(error).__name__}")
        return None
    ledger.count(None if response.status_code < 400 else f"{method} {url}: {response.status_code}")
    return response


def check(ledger: Ledger, book: dict, floor: int, where: str) -> None:
    match = VERSION.search(book["title"])
    version = int(match.group(1)) if match else 0
    if version < floor:
        with ledger.lock:
            at = time.monotonic() - ledger.start
            ledger.stale.append((at, f"{where} at {at:.2f} s: book {book['id']} v{version}, "
                                     f"v{floor} was confirmed before the read"))


def holds_key(server, key: str) -> bool:
    """Whether the memcached server has the app's `key` (text protocol over TCP)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection:
        connection.sendall(f"get library-api:{key}\r\n".encode())
        answer = b""
        while not answer.endswith(b"END\r\n"):
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer.startswith(b"VALUE ")


def cache_hits(hosts: list[str]) -> float:
    total = 0.0
    for host in hosts:
        for line in requests.get(host + "/metrics", timeout=30).text.splitlines():
            if line.startswith("library_cache_hits_total"):
                total += float(line.split()[-1])
    return total


def writer(host: str, other: str, token: str, book: int, stop: float, ledger: Ledger) -> None:
    """Renames its book through one host, and reads it back through the other at once (the
    likeliest stale read). One host for the writes: a write through node 2 right after one
    through node 1 may be certified against a row node 2 has not applied yet, and fail after
    its retries (docs/cluster.md), which is not what this test is about."""
    session = requests.Session()
    session.headers.update(bearer(token))
    version = 0
    while time.monotonic() < stop:
        version += 1
        answer = call(session, ledger, "PATCH", f"{host}/books/{book}", json={"title": f"Book {book} v{version}"})
        if answer is not None and answer.status_code == 200:
            with ledger.lock:
                ledger.confirmed[book] = max(ledger.confirmed[book], version)
        floor = ledger.confirmed[book]
        read = call(session, ledger, "GET", f"{other}/books/{book}")
        if read is not None and read.status_code == 200:
            check(ledger, read.json(), floor, f"read-back via {other}")
        time.sleep(0.02)
    session.close()


def reader(host: str, token: str, books: list[int], stop: float, ledger: Ledger) -> None:
    session = requests.Session()
    session.headers.update(bearer(token))
    while time.monotonic() < stop:
        book = random.choice(books)
        floor = ledger.confirmed[book]
        if random.random() < 0.8:
            read = call(session, ledger, "GET", f"{host}/books/{book}")
            if read is not None and read.status_code == 200:
                check(ledger, read.json(), floor, f"GET /books/{{id}} via {host}")
        else:
            floors = dict(ledger.confirmed)
            page = call(session, ledger, "GET", f"{host}/books", params={"per_page": 100, "sort": "-id"})
            if page is not None and page.status_code == 200:
                for listed in page.json():
                    if listed["id"] in floors:
                        check(ledger, listed, floors[listed["id"]], f"GET /books via {host}")
    session.close()


def test_a_memcached_server_lost_costs_no_request_and_serves_nothing_stale(cluster, clients):
    admin = admin_login(cluster.hosts[0], clients[0])
    books = [make_book(clients[0], admin, title="Book v0")["id"] for _ in range(WRITERS)]
    ledger = Ledger(books)
    hosts = [host.url for host in cluster.hosts]
    for host in hosts:  # the epoch and the books generation exist once a book read was cached
        for book in books:
            assert requests.get(f"{host}/books/{book}", headers=bearer(admin), timeout=30).status_code == 200
    holder = [server for server in cluster.memcached if holds_key(server, "epoch")]
    assert len(holder) == 1, "the cache epoch is on exactly one server"
    a = holder[0]
    b = next(server for server in cluster.memcached if server is not a)
    layout = f"epoch on {a.servers}, generation:books on " + \
        ",".join(server.servers for server in cluster.memcached if holds_key(server, "generation:books"))
    hits_before = cache_hits(hosts)
    start = ledger.start = time.monotonic()
    stop = start + 10 * PHASE
    threads = [threading.Thread(target=writer, args=(hosts[i % 2], hosts[(i + 1) % 2], admin, books[i], stop, ledger))
               for i in range(WRITERS)]
    threads += [threading.Thread(target=reader, args=(hosts[i % 2], admin, books, stop, ledger)) for i in range(READERS)]
    for thread in threads:
        thread.start()

    events: list[tuple[float, str]] = []

    def at(phase: int, what: str, action) -> None:
        time.sleep(max(0.0, start + phase * PHASE - time.monotonic()))
        action()
        events.append((time.monotonic() - start, what))

    def kill_a() -> None:
        a.processes.started["memcached"].kill()
        a.processes.stop("memcached")

    def signal_to(server, number: int):
        return lambda: os.kill(server.processes.started["memcached"].pid, number)

    at(1, "epoch's server killed", kill_a)
    at(2, "epoch's server started again (empty)", a.start)
    at(3, "epoch's server frozen", signal_to(a, signal.SIGSTOP))
    at(4, "epoch's server thawed", signal_to(a, signal.SIGCONT))
    at(5, "other server frozen", signal_to(b, signal.SIGSTOP))
    at(6, "other server thawed", signal_to(b, signal.SIGCONT))
    at(7, "both frozen", lambda: (signal_to(a, signal.SIGSTOP)(), signal_to(b, signal.SIGSTOP)()))
    at(8, "both thawed", lambda: (signal_to(a, signal.SIGCONT)(), signal_to(b, signal.SIGCONT)()))
    for thread in threads:
        thread.join(10 * PHASE + 60)

    hits = cache_hits(hosts) - hits_before
    # Known and documented (docs/cluster.md): a frozen server comes back with its old numbers,
    # and a process that has not itself lost an invalidation trusts them until the epoch bump
    # of one that has lands (it tries every 250 ms). Stale reads in that moment after a thaw
    # are counted and shown; any other stale read fails the test.
    returns = [when for when, what in events if "thawed" in what]
    excused = [text for when, text in ledger.stale if any(0 <= when - back < RETURN_WINDOW for back in returns)]
    unexcused = [text for when, text in ledger.stale if text not in excused]
    print(f"\nmemcached loss: {ledger.requests} requests through both hosts in {10 * PHASE:.0f} s, "
          f"{hits:.0f} cache hits, {len(ledger.failures)} failed, {len(unexcused)} stale, "
          f"{len(excused)} stale within {RETURN_WINDOW} s of a thaw {excused[:3]}; {layout}; "
          f"{'; '.join(f'{what} at {when:.1f} s' for when, what in events)}")
    assert ledger.requests > 500, ledger.requests
    # the cache served (reads it could have served stale): the staleness check means something
    assert hits > 100, hits
    assert unexcused == [], unexcused[:20]
    assert ledger.failures == [], ledger.failures[:20]
    # memcached is back: the hosts trust their cache again, and say so
    for host in hosts:
        assert requests.get(host + "/health", timeout=30).json()["cache"] == "ok"
