"""Borrows, returns and holds take their row locks in one order (docs/architecture.md, "Row lock
order"), so on one server they wait for each other but never deadlock. A stress of all three on
few books and users, through the web server, counts the deadlocks MariaDB detected
(`Innodb_deadlocks`): with a borrow locking user then book and a return book then user, this
load met dozens of them in a few seconds (each retried by the app, but each a rolled-back
transaction, and under enough load a failed request)."""
from __future__ import annotations

import random
import threading
import time

import pytest
import requests

from circulation import admin_login, bearer, make_book, new_user, sql
from test_races import assert_counts_match_the_loans

SECONDS = 8
USERS = 8
THREADS_PER_USER = 2


@pytest.fixture
def admin(stack, client) -> str:
    return admin_login(stack, client)


def deadlocks(stack) -> int:
    return int(sql(stack, "SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'").split()[1])


class Circulation:
    """One thread's share of the load: a user's borrows, returns, holds and cancellations over
    the shared books, every answer recorded. Two threads share each user, so one user's
    borrows and returns also run at once."""

    def __init__(self, stack, token: str, books: list[int], seed: int):
        self.url = stack.url
        self.session = requests.Session()
        self.session.headers.update(bearer(token))
        self.books = books
        self.random = random.Random(seed)
        self.statuses: dict[tuple[str, int], int] = {}
        self.unexpected: list[str] = []

    def call(self, action: str, method: str, path: str, body: dict | None = None) -> requests.Response | None:
        try:
            response = self.session.request(method, self.url + path, json=body, timeout=30)
        except requests.RequestException as error:
            self.unexpected.append(f"{action}: {error}")
            return None
        key = (action, response.status_code)
        self.statuses[key] = self.statuses.get(key, 0) + 1
        if response.status_code >= 500:
            self.unexpected.append(f"{action} {response.status_code}: {response.text[:200]}")
        return response

    def mine(self, path: str) -> list[dict]:
        response = self.call("list", "GET", path)
        return response.json() if response is not None and response.status_code == 200 else []

    def step(self) -> None:
        choice = self.random.random()
        if choice < 0.4:
            self.call("borrow", "POST", "/loans", {"book_id": self.random.choice(self.books)})
        elif choice < 0.75:
            loans = self.mine("/loans?status=active&per_page=10")
            if loans:
                self.call("return", "POST", f"/loans/{self.random.choice(loans)['id']}/return")
        elif choice < 0.9:
            self.call("hold", "POST", "/holds", {"book_id": self.random.choice(self.books)})
        else:
            holds = self.mine("/holds?status=active&per_page=10")
            if holds:
                self.call("cancel", "DELETE", f"/holds/{self.random.choice(holds)['id']}")

    def run(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            self.step()


def test_borrows_returns_and_holds_at_once_never_deadlock(stack, client, admin):
    books = [make_book(client, admin, copies=copies)["id"] for copies in (1, 2, 2, 3)]
    tokens = [new_user(client)[1] for _ in range(USERS)]
    workers = [Circulation(stack, tokens[i % USERS], books, seed=i) for i in range(USERS * THREADS_PER_USER)]
    before = deadlocks(stack)
    deadline = time.monotonic() + SECONDS
    threads = [threading.Thread(target=worker.run, args=(deadline,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    detected = deadlocks(stack) - before

    totals: dict[tuple[str, int], int] = {}
    for worker in workers:
        for key, count in worker.statuses.items():
            totals[key] = totals.get(key, 0) + count
    # the load did what it is for: loans made and returned, holds placed, while others waited
    assert totals.get(("borrow", 201), 0) > 20 and totals.get(("return", 200), 0) > 20, totals
    assert totals.get(("hold", 201), 0) > 5, totals
    assert [problem for worker in workers for problem in worker.unexpected] == []
    latest = "" if detected == 0 else sql(stack, "SHOW ENGINE INNODB STATUS")
    assert detected == 0, f"{detected} deadlocks; {totals}\n" + latest[latest.find("LATEST DETECTED DEADLOCK"):][:6000]
    assert_counts_match_the_loans(stack)
    assert sql(stack, f"""SELECT COUNT(*) FROM books b WHERE b.id IN ({','.join(map(str, books))}) AND b.holds_waiting <>
        (SELECT COUNT(*) FROM holds h WHERE h.book_id = b.id AND h.status = 'waiting')""") == "0"
