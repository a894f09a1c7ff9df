"""The loan invariants under concurrency, through the web server with two app processes
(each test runs through nginx and through lighttpd): parallel fresh connections spread the
requests over both processes and their threads."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from circulation import admin_login, bearer, make_book, new_user, sql


@pytest.fixture
def admin(stack, client) -> str:
    return admin_login(stack, client)


def all_at_once(count: int, work):
    """Runs work(i) for i in range(count) on as many threads, released together."""
    barrier = threading.Barrier(count)

    def run(index):
        barrier.wait()
        return work(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def assert_counts_match_the_loans(stack):
    """The counters the borrow path keeps (books.copies_available, users.active_loans) agree
    with the loans table, for every book and user."""
    assert sql(stack, """SELECT COUNT(*) FROM books b WHERE b.copies_available <> b.copies_total - b.copies_set_aside -
        (SELECT COUNT(*) FROM loans l WHERE l.book_id = b.id AND l.returned_at IS NULL)""") == "0"
    assert sql(stack, """SELECT COUNT(*) FROM users u WHERE u.active_loans <>
        (SELECT COUNT(*) FROM loans l WHERE l.user_id = u.id AND l.returned_at IS NULL)""") == "0"


def post(stack, path: str, token: str, body: dict | None = None) -> requests.Response:
    return requests.post(stack.url + path, json=body, timeout=60,
                         headers={**bearer(token), "Connection": "close"})


def test_twenty_borrowers_three_copies(stack, client, admin):
    book = make_book(client, admin, copies=3)
    tokens = [new_user(client)[1] for _ in range(20)]
    responses = all_at_once(20, lambda i: post(stack, "/loans", tokens[i], {"book_id": book["id"]}))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] * 3 + [409] * 17, [r.text for r in responses if r.status_code not in (201, 409)]
    after = client.get(f"/books/{book['id']}", headers=bearer(admin)).json()
    assert after["copies_available"] == 0 and after["copies_total"] == 3
    loans = client.get("/loans", headers=bearer(admin), params={"book_id": book["id"]})
    assert loans.headers["X-Total-Count"] == "3"
    assert stack.pool.pids() == stack.initial_app_pids  # nothing crashed on the way
    assert_counts_match_the_loans(stack)


def test_ten_parallel_returns_of_one_loan(stack, client, admin):
    book = make_book(client, admin, copies=2)
    _, token = new_user(client)
    loan = post(stack, "/loans", token, {"book_id": book["id"]}).json()
    responses = all_at_once(10, lambda i: post(stack, f"/loans/{loan['id']}/return", token))
    assert sorted(r.status_code for r in responses) == [200] + [409] * 9
    assert client.get(f"/books/{book['id']}", headers=bearer(admin)).json()["copies_available"] == 2
    assert_counts_match_the_loans(stack)


def test_one_user_racing_for_loans_stays_within_the_rules(stack, client, admin):
    _, token = new_user(client)
    same = make_book(client, admin, copies=10)
    responses = all_at_once(8, lambda i: post(stack, "/loans", token, {"book_id": same["id"]}))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 7
    # One loan held: of eight different books at once, only four more fit under MAX_ACTIVE_LOANS.
    books = [make_book(client, admin) for _ in range(8)]
    responses = all_at_once(8, lambda i: post(stack, "/loans", token, {"book_id": books[i]["id"]}))
    assert sorted(r.status_code for r in responses) == [201] * 4 + [409] * 4
    assert client.get("/loans", headers=bearer(token), params={"status": "active"}).headers["X-Total-Count"] == "5"
    assert_counts_match_the_loans(stack)


def test_refused_borrows_leave_the_counts_as_they_were(stack, client, admin):
    """A borrow counts the user's loan before its checks: every refusal must roll that back."""
    _, token = new_user(client)
    book = make_book(client, admin, copies=1)
    assert post(stack, "/loans", token, {"book_id": 2**62}).status_code == 404   # no such book
    assert post(stack, "/loans", token, {"book_id": book["id"]}).status_code == 201
    assert post(stack, "/loans", token, {"book_id": book["id"]}).status_code == 409  # already holds it
    _, other = new_user(client)
    assert post(stack, "/loans", other, {"book_id": book["id"]}).status_code == 409  # no copy left
    assert_counts_match_the_loans(stack)
    # and the limit still counts exactly: four more different books fit, the fifth does not
    books = [make_book(client, admin) for _ in range(5)]
    assert [post(stack, "/loans", token, {"book_id": b["id"]}).status_code for b in books] == [201] * 4 + [409]
    assert_counts_match_the_loans(stack)


def test_parallel_copy_changes_and_borrows_keep_the_invariant(stack, client, admin):
    book = make_book(client, admin, copies=4)
    tokens = [new_user(client)[1] for _ in range(12)]
    targets = [1, 6, 2, 8, 3, 0, 5, 7]

    def work(index):
        if index < len(tokens):
            return post(stack, "/loans", tokens[index], {"book_id": book["id"]})
        return requests.patch(stack.url + f"/books/{book['id']}", json={"copies": targets[index - len(tokens)]},
                              headers={**bearer(admin), "Connection": "close"}, timeout=60)

    responses = all_at_once(len(tokens) + len(targets), work)
    assert all(r.status_code in (200, 201, 409) for r in responses), [r.text for r in responses]
    borrowed = sum(1 for r in responses[:len(tokens)] if r.status_code == 201)
    for response in responses[len(tokens):]:
        if response.status_code == 200:
            state = response.json()
            assert 0 <= state["copies_available"] <= state["copies_total"], state
    after = client.get(f"/books/{book['id']}", headers=bearer(admin)).json()
    assert 0 <= after["copies_available"] <= after["copies_total"]
    assert after["copies_total"] - after["copies_available"] == borrowed
    active = client.get("/loans", headers=bearer(admin), params={"book_id": book["id"], "status": "active"})
    assert int(active.headers["X-Total-Count"]) == borrowed
