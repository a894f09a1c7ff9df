"""Reports (docs/api.md, Reports): GET /reports/overdue and GET /reports/popular, through nginx
and lighttpd, each on a stack of its own whose database `library-app seed` filled with 5,000
books and a 30,000-loan history over five years (a fresh database: the reports see every loan,
so the shared stacks' loans would make the expected answers guesswork). Both of the popular
report's ways of counting are checked against the contract's definition in SQL: the books that
can reach the top counted one by one (a year, the top 10), and the window's loans read by time
(a day; a year's top 100, where too many books could reach the floor)."""
from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest

from circulation import admin_login, bearer, borrow, links, make_book, new_user, sql
from conftest import SERVERS, BaseURLSession, assert_no_crash, stack_config
from helpers import assert_problem_response, read_stored
from test_races import assert_counts_match_the_loans
from tools.devstack.stack import Stack

SEEDED_BOOKS = 5_000
SEEDED_LOANS = 30_000


@pytest.fixture(scope="module", params=SERVERS)
def stack(request, mariadb):
    stack = Stack(stack_config(request.param, f"reports-{request.param}", seed_books=SEEDED_BOOKS,
                               seed_loans=SEEDED_LOANS), mariadb=mariadb).start()
    yield stack
    stack.stop()
    assert_no_crash(stack)


@pytest.fixture
def client(stack):
    with BaseURLSession(stack.url) as session:
        yield session


@pytest.fixture
def admin(stack, client) -> str:
    return admin_login(stack, client)


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def lend_and_return(client, token: str, book_id: int, times: int) -> list[int]:
    """`times` loans of the book by one reader, each returned before the next."""
    ids = []
    for _ in range(times):
        response = borrow(client, token, book_id)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
        assert client.post(f"/loans/{ids[-1]}/return", headers=bearer(token)).status_code == 200
    return ids


def move_back(stack, loan_ids: list[int], days: int) -> None:
    """What the API cannot do: loans made `days` earlier. The monthly counts of their books
    follow (as sql/008 makes them from the loans)."""
    ids = ",".join(map(str, loan_ids))
    sql(stack, f"""UPDATE loans SET borrowed_at = borrowed_at - INTERVAL {days} DAY, due_at = due_at - INTERVAL {days} DAY,
        returned_at = returned_at - INTERVAL {days} DAY WHERE id IN ({ids})""")
    recount_months(stack, loan_ids)


def recount_months(stack, loan_ids: list[int]) -> None:
    """The monthly counts of the books of loans whose borrowed_at a test changed, from the loans."""
    ids = ",".join(map(str, loan_ids))
    books = f"SELECT DISTINCT book_id FROM loans WHERE id IN ({ids})"
    sql(stack, f"DELETE FROM book_loan_months WHERE book_id IN ({books})")
    sql(stack, f"""INSERT INTO book_loan_months (book_id, month, loans) SELECT book_id, DATE_FORMAT(borrowed_at, '%Y-%m-01'),
        COUNT(*) FROM loans WHERE book_id IN (SELECT book_id FROM loans WHERE id IN ({ids}))
        GROUP BY book_id, DATE_FORMAT(borrowed_at, '%Y-%m-01')""")


def popular(client, token: str, **query) -> list[tuple[int, int]]:
    response = client.get("/reports/popular", headers=bearer(token), params=query)
    assert response.status_code == 200, response.text
    return [(line["book"]["id"], line["loans"]) for line in response.json()]


def popular_in_sql(stack, days: int, limit: int) -> list[tuple[int, int]]:
    """The contract's definition, counted from the loans themselves."""
    rows = sql(stack, f"""SELECT book_id, COUNT(*) AS n FROM loans WHERE borrowed_at >= UTC_TIMESTAMP(6) - INTERVAL {days} DAY
        GROUP BY book_id ORDER BY n DESC, book_id LIMIT {limit}""")
    return [tuple(map(int, line.split("\t"))) for line in rows.splitlines()]


# -- access and parameters --------------------------------------------------------------------

def test_overdue_is_for_admins_and_popular_for_anyone_signed_in(client, admin):
    for path in ("/reports/overdue", "/reports/popular"):
        problem = assert_problem_response(client.get(path), 401)
        assert problem["detail"] == "Token is missing"
    _, reader = new_user(client)
    assert_problem_response(client.get("/reports/overdue", headers=bearer(reader)), 403)
    assert client.get("/reports/popular", headers=bearer(reader)).status_code == 200
    assert client.get("/reports/overdue", headers=bearer(admin)).status_code == 200


@pytest.mark.parametrize("query, fields", [
    ("page=0", {"page"}), ("per_page=101", {"per_page"}), ("per_page=0", {"per_page"}),
    ("page=x&per_page=1.5", {"page", "per_page"}),
])
def test_overdue_refuses_bad_pagination(client, admin, query, fields):
    problem = assert_problem_response(client.get(f"/reports/overdue?{query}", headers=bearer(admin)), 400)
    assert set(problem["errors"]) == fields


@pytest.mark.parametrize("query, fields", [
    ("days=0", {"days"}), ("days=366", {"days"}), ("days=abc", {"days"}), ("days=-1", {"days"}),
    ("limit=0", {"limit"}), ("limit=101", {"limit"}), ("days=1.5&limit=x", {"days", "limit"}),
])
def test_popular_refuses_bad_parameters(client, admin, query, fields):
    problem = assert_problem_response(client.get(f"/reports/popular?{query}", headers=bearer(admin)), 400)
    assert set(problem["errors"]) == fields


# -- the overdue report ----------------------------------------------------------------------

def test_overdue_most_overdue_first_with_days_and_user(stack, client, admin):
    # Three loans due 1,000 to 1,002 days ago: older than any seeded one, so the first page.
    made = []
    for days_ago in (1001, 1002, 1000):
        user, token = new_user(client)
        book = make_book(client, admin)
        response = borrow(client, token, book["id"])
        assert response.status_code == 201, response.text
        made.append((response.json()["id"], user, book, days_ago))
        sql(stack, f"""UPDATE loans SET borrowed_at = UTC_TIMESTAMP(6) - INTERVAL {days_ago + 14} DAY - INTERVAL 1 HOUR,
            due_at = UTC_TIMESTAMP(6) - INTERVAL {days_ago} DAY - INTERVAL 1 HOUR WHERE id = {response.json()['id']}""")
    recount_months(stack, [m[0] for m in made])
    response = client.get("/reports/overdue?per_page=3", headers=bearer(admin))
    assert response.status_code == 200, response.text
    page = response.json()
    by_age = sorted(made, key=lambda m: -m[3])
    assert [loan["id"] for loan in page] == [m[0] for m in by_age]
    for loan, (loan_id, user, book, days_ago) in zip(page, by_age):
        assert loan["days_overdue"] == days_ago
        assert loan["status"] == "overdue" and loan["returned_at"] is None
        assert loan["user"] == {"id": user["id"], "username": user["username"], "email": user["email"]}
        assert loan["user_id"] == user["id"] and loan["book_id"] == book["id"]
        assert loan["book"] == {"id": book["id"], "title": book["title"], "author": book["author"]}
        due = parse_time(loan["due_at"])
        assert loan["days_overdue"] == math.floor((datetime.now(timezone.utc) - due).total_seconds() / 86400)
    # A return takes a loan off the report at once.
    most_overdue = by_age[0][0]
    assert client.post(f"/loans/{most_overdue}/return", headers=bearer(admin)).status_code == 200
    response = client.get("/reports/overdue?per_page=2", headers=bearer(admin))
    assert [loan["id"] for loan in response.json()] == [m[0] for m in by_age[1:]]


def test_overdue_pages_cover_the_list_once_in_order(stack, client, admin):
    expected = [int(i) for i in sql(stack, """SELECT id FROM loans WHERE returned_at IS NULL AND due_at < UTC_TIMESTAMP(6)
        ORDER BY due_at, id""").split()]
    assert len(expected) > 20, "the seeded history has overdue loans"
    seen, path, pages = [], "/reports/overdue?per_page=7", 0
    while path:
        response = client.get(path, headers=bearer(admin))
        assert response.status_code == 200, response.text
        assert int(response.headers["X-Total-Count"]) == len(expected)
        seen += [loan["id"] for loan in response.json()]
        pages += 1
        path = links(response).get("next")
    assert pages == math.ceil(len(expected) / 7)
    assert seen == expected  # no repeat, no gap, most overdue first
    last = client.get(f"/reports/overdue?per_page=7&page={pages}", headers=bearer(admin))
    assert "next" not in links(last) and links(last)["prev"].endswith(f"page={pages - 1}&per_page=7")
    past = client.get(f"/reports/overdue?per_page=7&page={pages + 1}", headers=bearer(admin))
    assert past.status_code == 200 and past.json() == []


# -- the popular report ----------------------------------------------------------------------

def test_popular_counts_the_window_most_first_then_by_id(stack, client, admin):
    first, second, third = (make_book(client, admin, copies=2) for _ in range(3))
    _, reader = new_user(client)
    lend_and_return(client, reader, first["id"], 9)
    lend_and_return(client, reader, second["id"], 9)  # a tie with `first`: the lower id first
    recent = lend_and_return(client, reader, third["id"], 7)
    older = lend_and_return(client, reader, third["id"], 7)
    move_back(stack, older, 45)  # in a 60-day window, not in a 30-day one

    # Other tests' loans share the database: the three books in the whole list, and the list's order.
    mine = {first["id"]: 9, second["id"]: 9, third["id"]: 7}
    for days, expected in ((30, [first["id"], second["id"], third["id"]]), (60, [third["id"], first["id"], second["id"]])):
        whole = popular(client, reader, days=days, limit=100)
        assert whole == sorted(whole, key=lambda line: (-line[1], line[0]))
        assert [book for book, _ in whole if book in mine] == expected
        assert {book: n for book, n in whole if book in mine} == {**mine, third["id"]: 7 if days == 30 else 14}
        assert popular(client, reader, days=days, limit=2) == whole[:2]
    assert len(recent) == 7
    lines = client.get("/reports/popular?days=30&limit=100", headers=bearer(reader)).json()
    assert {"book": {"id": first["id"], "title": first["title"], "author": first["author"]}, "loans": 9} in lines
    # The default window is 30 days and the default limit 10.
    assert popular(client, reader) == popular(client, reader, days=30, limit=100)[:10]
    assert len(popular(client, reader)) == 10


@pytest.mark.parametrize("days, limit", [(1, 100), (7, 100), (1, 10), (30, 10), (90, 25), (365, 100), (365, 10)])
def test_popular_is_what_the_loans_say(stack, client, admin, days, limit):
    assert popular(client, admin, days=days, limit=limit) == popular_in_sql(stack, days, limit)


def test_popular_never_stale_after_a_borrow_a_return_or_a_deleted_reader(stack, client, admin):
    book = make_book(client, admin, copies=3)
    reader, token = new_user(client)
    lend_and_return(client, token, book["id"], 12)  # more than any other book in a day
    url = "/reports/popular?days=1&limit=1"
    assert client.get(url, headers=bearer(token)).headers["X-Cache"] == "MISS"
    cached = read_stored(client.get, url, headers=bearer(token))
    assert cached.headers["X-Cache"] == "HIT" and cached.json()[0]["loans"] == 12

    _, other = new_user(client)
    response = borrow(client, other, book["id"])
    assert response.status_code == 201
    after = client.get(url, headers=bearer(token))
    assert after.headers["X-Cache"] == "MISS" and after.json()[0] == {
        "book": {"id": book["id"], "title": book["title"], "author": book["author"]}, "loans": 13}
    assert client.post(f"/loans/{response.json()['id']}/return", headers=bearer(other)).status_code == 200
    assert client.get(url, headers=bearer(token)).json()[0]["loans"] == 13  # a return is still a loan made

    # A deleted reader's loans go with them: they no longer count.
    assert client.delete(f"/users/{reader['id']}", headers=bearer(admin)).status_code == 204
    counted = dict(popular(client, admin, days=1, limit=100))
    assert counted.get(book["id"]) == 1
    assert popular(client, admin, days=1, limit=100) == popular_in_sql(stack, 1, 100)
    assert_counts_match_the_loans(stack)


def test_the_report_counts_match_the_loans(stack, client, admin):
    """sql/008's counts after everything above: loans_total never below a book's loans, and the
    monthly counts equal to the loans of each month."""
    assert sql(stack, "SELECT COUNT(*) FROM books b WHERE b.loans_total < (SELECT COUNT(*) FROM loans l WHERE l.book_id = b.id)") == "0"
    assert sql(stack, """SELECT COUNT(*) FROM (SELECT book_id, DATE_FORMAT(borrowed_at, '%Y-%m-01') AS month, COUNT(*) AS n
        FROM loans GROUP BY book_id, month) AS l LEFT JOIN book_loan_months m ON m.book_id = l.book_id AND m.month = l.month
        WHERE m.loans IS NULL OR m.loans <> l.n""") == "0"
    assert sql(stack, """SELECT COUNT(*) FROM book_loan_months m WHERE m.loans <> (SELECT COUNT(*) FROM loans l
        WHERE l.book_id = m.book_id AND DATE_FORMAT(l.borrowed_at, '%Y-%m-01') = m.month)""") == "0"
    assert_counts_match_the_loans(stack)
