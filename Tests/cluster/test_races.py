"""Races sent to two hosts on two Galera nodes at once: the loan rules hold on multi-primary.

A SELECT ... FOR UPDATE locks only on its own node, so a rule held by a read alone would break
here; the app holds each by a row that both conflicting transactions write (the book's row for
its copies, the user's row for the loan limit), and certification aborts one of them, which
the app retries."""
from __future__ import annotations

import threading

import requests

from circulation import admin_login, bearer, make_book, new_user
from invariants import check_every_node

TRIALS = 5


def race(calls) -> list:
    """Run the calls at once (each in its own thread, released together); their results."""
    results = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(index, call):
        start.wait()
        try:
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def borrow_on(host, token: str, book_id: int) -> requests.Response:
    """POST /loans on a new connection to that host's nginx."""
    return requests.post(host.url + "/loans", headers=bearer(token), json={"book_id": book_id}, timeout=60)


def statuses(results) -> list:
    return sorted(getattr(r, "status_code", repr(r)) for r in results)


def test_borrowers_on_two_nodes_share_a_books_last_copies(cluster, clients):
    admin = admin_login(cluster.hosts[0], clients[0])
    borrowers = [new_user(clients[i % 2])[1] for i in range(20)]
    for trial in range(TRIALS):
        book = make_book(clients[0], admin, copies=2)
        results = race([
            (lambda i=i: borrow_on(cluster.hosts[i % 2], borrowers[i], book["id"]))
            for i in range(20)])
        codes = statuses(results)
        assert codes.count(201) == 2, f"trial {trial}: {codes}"
        assert codes.count(409) == 18, f"trial {trial}: {codes}"
        for host_client in clients:
            seen = host_client.get(f"/books/{book['id']}", headers=bearer(borrowers[0]))
            assert seen.status_code == 200 and seen.json()["copies_available"] == 0, seen.text
        for result in results:
            if result.status_code == 201:
                returned = clients[1].post(f"/loans/{result.json()['id']}/return", headers=bearer(admin))
                assert returned.status_code == 200, returned.text
    check_every_node(cluster)


def test_one_user_borrowing_on_two_nodes_stays_within_the_loan_limit(cluster, clients):
    admin = admin_login(cluster.hosts[0], clients[0])
    for trial in range(TRIALS):
        _user, token = new_user(clients[trial % 2])
        books = [make_book(clients[0], admin, copies=3) for _ in range(10)]
        results = race([
            (lambda i=i: borrow_on(cluster.hosts[i % 2], token, books[i]["id"]))
            for i in range(10)])
        codes = statuses(results)
        assert codes.count(201) == 5, f"trial {trial}: {codes}"
        assert codes.count(409) == 5, f"trial {trial}: {codes}"
        for host_client in clients:
            mine = host_client.get("/loans?status=active&per_page=50", headers=bearer(token))
            assert mine.status_code == 200 and len(mine.json()) == 5, mine.text
    check_every_node(cluster)
