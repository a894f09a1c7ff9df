"""One Galera node killed under load and brought back: the app hosts fail over to the other
nodes (DATABASE_URL lists all three), few requests fail, and no loan is lost or doubled.

The figure of the issue: 60 s of load at 32 connections through both hosts, node 1 (host A's
own node) killed with SIGKILL at 20 s and restarted at 40 s; fewer than 0.1 % failed requests.
A borrow whose commit outcome was lost with the node may be answered 503; its retry's 409 is
then right, and the loans each worker believes it holds are checked against the database."""
from __future__ import annotations

import os
import random
import threading
import time

import requests

from circulation import admin_login, bearer, make_book, new_user
from diagnostics import FailureLog, report
from invariants import SYNCED, check_every_node

DURATION = float(os.environ.get("NODE_LOSS_SECONDS", "60"))
CONNECTIONS = 32
BOOKS = 40


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.failures: list[str] = []
        self.log = FailureLog()

    def add(self, failure: str | None, answer: str = "") -> None:
        with self.lock:
            self.requests += 1
            if failure:
                self.failures.append(failure)
                self.log.add(failure, answer)


def problem_detail(response: requests.Response) -> str:
    try:
        return str(response.json().get("detail"))
    except ValueError:
        return response.text[:80]


def worker(host_url: str, token: str, books: list[int], stop: float, tally: Tally, held: set[int],
           uncertain: set[int]) -> None:
    """Borrow, read, return, over and over, on one kept-alive connection. `held` ends as the
    ids of the loans this user holds by the answers it got."""
    session = requests.Session()
    headers = bearer(token)

    def call(method: str, path: str, **kwargs):
        try:
            response = session.request(method, host_url + path, headers=headers, timeout=30, **kwargs)
        except requests.RequestException as error:
            tally.add(f"{method} {path}: {type(error).__name__}", type(error).__name__)
            return None
        if response.status_code >= 500:
            tally.add(f"{method} {path}: {response.status_code}", f"{response.status_code} {problem_detail(response)}")
        else:
            tally.add(None)
        return response

    while time.monotonic() < stop:
        book = random.choice(books)
        borrowed = call("POST", "/loans", json={"book_id": book})
        call("GET", f"/books/{book}")
        if borrowed is not None and borrowed.status_code == 201:
            loan = borrowed.json()["id"]
            held.add(loan)
            returned = call("POST", f"/loans/{loan}/return")
            if returned is not None and returned.status_code in (200, 409):
                held.discard(loan)  # 409: already returned, by an earlier try whose answer was lost
            else:
                uncertain.add(loan)  # a return cut with its node may have committed
        call("GET", "/loans?status=active")
    session.close()


def test_a_node_killed_and_restarted_under_load(cluster, clients):
    admin = admin_login(cluster.hosts[0], clients[0])
    books = [make_book(clients[0], admin, copies=20)["id"] for _ in range(BOOKS)]
    users = [new_user(clients[i % 2]) for i in range(CONNECTIONS)]
    tally = Tally()
    held: list[set[int]] = [set() for _ in range(CONNECTIONS)]
    uncertain: list[set[int]] = [set() for _ in range(CONNECTIONS)]
    start = time.monotonic()
    tally.log = FailureLog()
    stop = start + DURATION
    threads = [threading.Thread(target=worker, args=(cluster.hosts[i % 2].url, users[i][1], books, stop, tally, held[i], uncertain[i]))
               for i in range(CONNECTIONS)]
    for thread in threads:
        thread.start()

    node = cluster.nodes[0]
    time.sleep(max(0.0, start + DURATION / 3 - time.monotonic()))
    node.kill()
    killed_at = time.monotonic() - start
    time.sleep(max(0.0, start + 2 * DURATION / 3 - time.monotonic()))
    cluster.galera.restart(node)
    restarted_at = time.monotonic() - start
    for thread in threads:
        thread.join(DURATION + 60)
    cluster.galera.wait_size(3)

    rate = len(tally.failures) / max(tally.requests, 1)
    print(f"\nnode loss: {tally.requests} requests in {DURATION:.0f} s at {CONNECTIONS} connections, "
          f"{len(tally.failures)} failed ({rate:.4%}); node 1 killed at {killed_at:.1f} s, "
          f"synced again at {restarted_at:.1f} s; failures: {sorted(set(tally.failures))[:10]}")
    assert tally.requests > 1000, tally.requests
    assert rate < 0.001, (f"{len(tally.failures)} of {tally.requests} failed: {tally.failures[:20]}\n"
                          + report(cluster, tally.log))

    # No loan lost or doubled: each user's active loans in the database are the ones its
    # answers left it holding (a borrow or a return answered 503 that did commit is the only excuse).
    for (user, _token), mine, unsure in zip(users, held, uncertain):
        rows = cluster.nodes[1].query(
            SYNCED + f"SELECT id FROM loans WHERE user_id = {int(user['id'])} AND returned_at IS NULL",
            cluster.config.database)
        active = {int(r[0]) for r in rows}
        assert mine - unsure <= active, f"user {user['id']}: loans answered 201 but not active: {mine - unsure - active}"
        assert len(active - mine) <= sum(1 for f in tally.failures if f.startswith("POST /loans:")), \
            f"user {user['id']}: unexplained active loans {active - mine}"
    check_every_node(cluster)
