"""Holds: the queue for a book that is out (docs/api.md, Holds), through nginx and lighttpd with
two app processes each. The counts on the book and user rows are checked against the holds and
loans tables in SQL after every test."""
from __future__ import annotations

import time
from datetime import datetime

import pytest
import requests

from circulation import admin_login, bearer, borrow, make_book, new_user, sql
from conftest import SERVERS, assert_no_crash, stack_config
from helpers import assert_problem_response, read_stored
from test_races import all_at_once, assert_counts_match_the_loans, post
from tools.devstack.stack import Stack


@pytest.fixture
def admin(stack, client) -> str:
    return admin_login(stack, client)


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def place(client, token: str, book_id: int, **extra) -> requests.Response:
    return client.post("/holds", headers=bearer(token), json={"book_id": book_id, **extra})


def hold_of(client, token: str, hold_id: int) -> dict:
    response = client.get(f"/holds/{hold_id}", headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()


def book_of(client, token: str, book_id: int) -> dict:
    response = client.get(f"/books/{book_id}", headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()


def give_back(client, token: str, loan_id: int) -> None:
    response = client.post(f"/loans/{loan_id}/return", headers=bearer(token))
    assert response.status_code == 200, response.text


def assert_hold_counts(stack) -> None:
    """Every counter the hold rules rest on agrees with the rows, for every book and user:
    on loan + set aside + available = total, set aside = ready holds, holds_waiting = waiting
    holds, active_holds = waiting + ready holds; and queue numbers never repeat per book."""
    assert_counts_match_the_loans(stack)
    assert sql(stack, """SELECT COUNT(*) FROM books b WHERE b.copies_set_aside <>
        (SELECT COUNT(*) FROM holds h WHERE h.book_id = b.id AND h.status = 'ready')
        OR b.holds_waiting <> (SELECT COUNT(*) FROM holds h WHERE h.book_id = b.id AND h.status = 'waiting')""") == "0"
    assert sql(stack, """SELECT COUNT(*) FROM users u WHERE u.active_holds <>
        (SELECT COUNT(*) FROM holds h WHERE h.user_id = u.id AND h.status IN ('waiting', 'ready'))""") == "0"
    assert sql(stack, "SELECT COUNT(*) FROM (SELECT book_id, queue_number FROM holds "
                      "GROUP BY book_id, queue_number HAVING COUNT(*) > 1) AS repeated") == "0"


def out_book(client, admin: str, copies: int = 1) -> tuple[dict, list[tuple[str, int]]]:
    """A book whose every copy is on loan; with the (token, loan id) of each borrower."""
    book = make_book(client, admin, copies=copies)
    loans = []
    for _ in range(copies):
        _, token = new_user(client)
        response = borrow(client, token, book["id"])
        assert response.status_code == 201, response.text
        loans.append((token, response.json()["id"]))
    return book, loans


def test_the_whole_life_of_a_hold(stack, client, admin):
    book, [(lender, loan_id)] = out_book(client, admin)
    reader, first = new_user(client)
    _, second = new_user(client)
    assert_problem_response(borrow(client, first, book["id"]), 409)

    placed = place(client, first, book["id"])
    assert placed.status_code == 201, placed.text
    hold = placed.json()
    assert placed.headers["Location"].endswith(f"/holds/{hold['id']}")
    assert hold["status"] == "waiting" and hold["position"] == 1 and hold["user_id"] == reader["id"]
    assert hold["ready_at"] is None and hold["expires_at"] is None
    assert hold["book"] == {"id": book["id"], "title": book["title"], "author": book["author"]}
    later = place(client, second, book["id"]).json()
    assert later["position"] == 2

    assert_problem_response(place(client, first, book["id"]), 409)   # one active hold per book
    assert_problem_response(place(client, lender, book["id"]), 409)  # the lender has it
    assert book_of(client, first, book["id"])["holds_waiting"] == 2
    renewal = client.post(f"/loans/{loan_id}/renew", headers=bearer(lender))
    assert "waiting" in assert_problem_response(renewal, 409)["detail"]

    queue = client.get(f"/books/{book['id']}/holds", headers=bearer(admin))
    assert queue.status_code == 200 and queue.headers["X-Total-Count"] == "2"
    assert [h["id"] for h in queue.json()] == [hold["id"], later["id"]]
    assert_problem_response(client.get(f"/books/{book['id']}/holds", headers=bearer(first)), 403)
    assert_problem_response(client.get(f"/holds/{hold['id']}", headers=bearer(second)), 404)

    give_back(client, lender, loan_id)
    ready = hold_of(client, first, hold["id"])
    assert ready["status"] == "ready" and ready["position"] is None
    pickup = parse_time(ready["expires_at"]) - parse_time(ready["ready_at"])
    assert pickup.total_seconds() == 259200
    after_return = book_of(client, first, book["id"])
    assert after_return["copies_available"] == 0 and after_return["holds_waiting"] == 1
    assert hold_of(client, second, later["id"])["position"] == 1
    # the set-aside copy is for its holder only
    _, stranger = new_user(client)
    assert_problem_response(borrow(client, stranger, book["id"]), 409)
    assert_problem_response(borrow(client, second, book["id"]), 409)

    loan = borrow(client, first, book["id"])
    assert loan.status_code == 201, loan.text
    assert hold_of(client, first, hold["id"])["status"] == "fulfilled"
    mine = client.get("/holds", headers=bearer(first), params={"status": "fulfilled"})
    assert [h["id"] for h in mine.json()] == [hold["id"]]
    assert_problem_response(client.delete(f"/holds/{hold['id']}", headers=bearer(first)), 409)

    assert client.delete(f"/holds/{later['id']}", headers=bearer(second)).status_code == 204
    assert hold_of(client, second, later["id"])["status"] == "cancelled"
    assert book_of(client, first, book["id"])["holds_waiting"] == 0
    assert client.get("/holds", headers=bearer(second), params={"status": "active"}).json() == []
    assert_hold_counts(stack)


def test_a_cancelled_ready_hold_passes_its_copy_on(stack, client, admin):
    book, [(lender, loan_id)] = out_book(client, admin)
    _, first = new_user(client)
    _, second = new_user(client)
    one = place(client, first, book["id"]).json()
    two = place(client, second, book["id"]).json()
    give_back(client, lender, loan_id)
    assert hold_of(client, first, one["id"])["status"] == "ready"
    assert client.delete(f"/holds/{one['id']}", headers=bearer(first)).status_code == 204
    assert hold_of(client, second, two["id"])["status"] == "ready"
    assert client.delete(f"/holds/{two['id']}", headers=bearer(second)).status_code == 204
    shelf = book_of(client, admin, book["id"])  # nobody waits: the copy is back on the shelf
    assert shelf["copies_available"] == 1 and shelf["holds_waiting"] == 0
    assert_hold_counts(stack)


def test_queue_order_with_three_readers(stack, client, admin):
    book, loans = out_book(client, admin, copies=3)
    readers = [new_user(client)[1] for _ in range(3)]
    holds = [place(client, token, book["id"]).json() for token in readers]
    assert [h["position"] for h in holds] == [1, 2, 3]
    for returned, (lender, loan_id) in enumerate(loans, start=1):
        give_back(client, lender, loan_id)
        statuses = [hold_of(client, token, h["id"])["status"] for token, h in zip(readers, holds)]
        assert statuses == ["ready"] * returned + ["waiting"] * (3 - returned)
    listed = client.get(f"/books/{book['id']}/holds", headers=bearer(admin)).json()
    assert [h["id"] for h in listed] == [h["id"] for h in holds]  # ready ones by ready_at
    assert_hold_counts(stack)


def test_refusals(stack, client, admin):
    free = make_book(client, admin, copies=1)
    user, token = new_user(client)
    assert "borrow it instead" in assert_problem_response(place(client, token, free["id"]), 409)["detail"]
    assert_problem_response(place(client, token, 999_999_999), 404)
    out, _ = out_book(client, admin)
    other, _ = new_user(client)
    assert_problem_response(place(client, token, out["id"], user_id=other["id"]), 403)
    assert_problem_response(place(client, admin, out["id"], user_id=999_999_999), 404)
    by_admin = place(client, admin, out["id"], user_id=other["id"])
    assert by_admin.status_code == 201 and by_admin.json()["user_id"] == other["id"]
    for bad in ({"status": "lost"}, {"page": "0"}, {"per_page": "101"}, {"book_id": "x"}):
        assert_problem_response(client.get("/holds", headers=bearer(admin), params=bad), 400)
    assert_problem_response(client.get("/holds", headers=bearer(token), params={"user_id": other["id"]}), 403)
    assert_problem_response(client.get("/holds/abc", headers=bearer(token)), 404)
    assert_problem_response(client.post("/holds", headers=bearer(token), json={"book_id": out["id"], "x": 1}), 400)
    # MAX_HOLDS (default 5)
    for _ in range(5):
        book, _ = out_book(client, admin)
        assert place(client, token, book["id"]).status_code == 201
    book, _ = out_book(client, admin)
    assert "maximum of 5" in assert_problem_response(place(client, token, book["id"]), 409)["detail"]
    assert client.get("/holds", headers=bearer(token)).headers["X-Total-Count"] == "5"
    assert_hold_counts(stack)


def test_books_and_users_with_holds(stack, client, admin):
    book, [(lender, loan_id)] = out_book(client, admin)
    holder, first = new_user(client)
    _, second = new_user(client)
    one = place(client, first, book["id"]).json()
    two = place(client, second, book["id"]).json()
    give_back(client, lender, loan_id)
    assert_problem_response(client.delete(f"/books/{book['id']}", headers=bearer(admin)), 409)
    # copies below the set-aside one: refused; more copies go to the queue first
    assert_problem_response(client.patch(f"/books/{book['id']}", headers=bearer(admin), json={"copies": 0}), 409)
    grown = client.patch(f"/books/{book['id']}", headers=bearer(admin), json={"copies": 3})
    assert grown.status_code == 200, grown.text
    assert grown.json()["copies_available"] == 1 and grown.json()["holds_waiting"] == 0
    assert hold_of(client, second, two["id"])["status"] == "ready"
    # deleting a user cancels their holds: the ready copy goes back (nobody else waits)
    assert client.delete(f"/users/{holder['id']}", headers=bearer(admin)).status_code == 204
    assert sql(stack, f"SELECT COUNT(*) FROM holds WHERE id = {one['id']}") == "0"
    assert book_of(client, admin, book["id"])["copies_available"] == 2
    assert client.delete(f"/holds/{two['id']}", headers=bearer(second)).status_code == 204
    assert client.delete(f"/books/{book['id']}", headers=bearer(admin)).status_code == 204
    assert_hold_counts(stack)


def test_deleting_a_user_passes_their_ready_copy_on(stack, client, admin):
    book, [(lender, loan_id)] = out_book(client, admin)
    holder, first = new_user(client)
    _, second = new_user(client)
    place(client, first, book["id"])
    two = place(client, second, book["id"]).json()
    give_back(client, lender, loan_id)
    assert client.delete("/users/me", headers=bearer(first)).status_code == 204
    assert hold_of(client, second, two["id"])["status"] == "ready"
    assert_hold_counts(stack)


def test_twenty_readers_at_once_then_five_returns_at_once(stack, client, admin):
    """20 holds placed at once, then 5 copies returned at once, over both app processes: the
    queue numbers and positions never repeat, each copy goes to the head of the queue, never
    to two holds."""
    book, loans = out_book(client, admin, copies=5)
    readers = [new_user(client)[1] for _ in range(20)]
    placed = all_at_once(20, lambda i: post(stack, "/holds", readers[i], {"book_id": book["id"]}))
    assert all(r.status_code == 201 for r in placed), [r.text for r in placed if r.status_code != 201]
    positions = sorted(r.json()["position"] for r in placed)
    assert positions == list(range(1, 21))
    queue = {r.json()["id"]: int(sql(stack, f"SELECT queue_number FROM holds WHERE id = {r.json()['id']}")) for r in placed}
    assert sorted(queue.values()) == list(range(1, 21))

    returned = all_at_once(5, lambda i: post(stack, f"/loans/{loans[i][1]}/return", loans[i][0]))
    assert all(r.status_code == 200 for r in returned), [(r.status_code, r.text) for r in returned if r.status_code != 200]
    ready = sql(stack, f"SELECT queue_number FROM holds WHERE book_id = {book['id']} AND status = 'ready' ORDER BY queue_number")
    assert [int(n) for n in ready.split()] == [1, 2, 3, 4, 5]
    shelf = book_of(client, admin, book["id"])
    assert shelf["copies_available"] == 0 and shelf["holds_waiting"] == 15
    waiting = sorted(hold_of(client, admin, hold_id)["position"] for hold_id, number in queue.items() if number > 5)
    assert waiting == list(range(1, 16))
    assert stack.pool.pids() == stack.initial_app_pids
    assert_hold_counts(stack)


def test_holds_and_returns_racing(stack, client, admin):
    """5 returns and 20 holds all at once: whatever the interleaving, a copy returned while
    someone waits goes to the queue's head, one that finds nobody waiting to the shelf (and
    the holds after it are refused: borrow it instead); the counts add up."""
    book, loans = out_book(client, admin, copies=5)
    readers = [new_user(client)[1] for _ in range(20)]

    def work(index):
        if index < 5:
            return post(stack, f"/loans/{loans[index][1]}/return", loans[index][0])
        return post(stack, "/holds", readers[index - 5], {"book_id": book["id"]})

    responses = all_at_once(25, work)
    assert all(r.status_code == 200 for r in responses[:5]), [r.text for r in responses[:5]]
    placed = [r for r in responses[5:] if r.status_code == 201]
    for response in responses[5:]:
        if response.status_code != 201:
            assert "borrow it instead" in assert_problem_response(response, 409)["detail"]
    shelf = book_of(client, admin, book["id"])
    ready = sql(stack, f"SELECT queue_number FROM holds WHERE book_id = {book['id']} AND status = 'ready' ORDER BY queue_number")
    waiting = sql(stack, f"SELECT queue_number FROM holds WHERE book_id = {book['id']} AND status = 'waiting' ORDER BY queue_number")
    ready_numbers = [int(n) for n in ready.split()]
    waiting_numbers = [int(n) for n in waiting.split()]
    assert len(ready_numbers) + shelf["copies_available"] == 5
    assert len(ready_numbers) + len(waiting_numbers) == len(placed)
    if waiting_numbers:  # nobody ready behind someone still waiting, and no copy on the shelf
        assert max(ready_numbers, default=0) < min(waiting_numbers)
        assert shelf["copies_available"] == 0
    assert shelf["holds_waiting"] == len(waiting_numbers)
    assert stack.pool.pids() == stack.initial_app_pids
    assert_hold_counts(stack)


# --- expiry, on stacks of its own with a short HOLD_PICKUP_SECONDS --------------------------

PICKUP = 3


@pytest.fixture(scope="module", params=SERVERS)
def quick_stack(request, mariadb):
    stack = Stack(stack_config(request.param, f"holds-{request.param}",
                               app_env={"RATELIMIT_ENABLED": "false", "HOLD_PICKUP_SECONDS": str(PICKUP)}),
                  mariadb=mariadb).start()
    yield stack
    stack.stop()
    assert_no_crash(stack)


def test_a_ready_hold_expires_and_its_copy_passes_on_without_any_write(quick_stack):
    from conftest import BaseURLSession
    with BaseURLSession(quick_stack.url) as client:
        admin = admin_login(quick_stack, client)
        book, [(lender, loan_id)] = out_book(client, admin)
        _, first = new_user(client)
        _, second = new_user(client)
        one = place(client, first, book["id"]).json()
        two = place(client, second, book["id"]).json()
        give_back(client, lender, loan_id)
        ready = hold_of(client, first, one["id"])
        assert ready["status"] == "ready"
        expires_at = parse_time(ready["expires_at"])
        # cached reads of the book: the second one comes from memcached
        assert book_of(client, admin, book["id"])["holds_waiting"] == 1
        cached = read_stored(client.get, f"/books/{book['id']}", headers=bearer(admin))
        assert cached.headers["X-Cache"] == "HIT" and cached.json()["holds_waiting"] == 1

        # Past the expiry (+ the contract's 1 s), with no request touching the book or its
        # holds: the book's cached JSON already shows the copy passed on.
        time.sleep(max(0.0, expires_at.timestamp() - time.time()) + 1.0)
        seen = client.get(f"/books/{book['id']}", headers=bearer(admin))
        assert seen.json()["holds_waiting"] == 0 and seen.json()["copies_available"] == 0, \
            (time.time() - expires_at.timestamp(), seen.headers.get("X-Cache"), seen.json(), sql(quick_stack, f"SELECT id, status, ready_at, expires_at, UTC_TIMESTAMP(6) FROM holds WHERE book_id = {book['id']}"))
        expired = hold_of(client, first, one["id"])
        assert expired["status"] == "expired" and expired["expires_at"] == ready["expires_at"]
        passed = hold_of(client, second, two["id"])
        assert passed["status"] == "ready" and passed["ready_at"] == ready["expires_at"]
        assert_problem_response(borrow(client, first, book["id"]), 409)  # not theirs any more

        # the second expires too: nobody waits, the copy is on the shelf
        time.sleep(max(0.0, parse_time(passed["expires_at"]).timestamp() - time.time()) + 1.0)
        shelf = book_of(client, admin, book["id"])
        assert shelf["copies_available"] == 1 and shelf["holds_waiting"] == 0, shelf
        assert hold_of(client, second, two["id"])["status"] == "expired"
        assert_problem_response(client.delete(f"/holds/{two['id']}", headers=bearer(second)), 409)
        assert borrow(client, first, book["id"]).status_code == 201
        assert_hold_counts(quick_stack)
