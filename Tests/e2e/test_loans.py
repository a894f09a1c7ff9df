"""Loans through the web server (docs/api.md, Loans), on a real MariaDB, once through
nginx and once through lighttpd."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from circulation import admin_login, bearer, borrow, links, make_book, new_user, sql
from helpers import assert_problem_response

LOAN_FIELDS = {"id", "user_id", "book_id", "borrowed_at", "due_at", "returned_at", "renewals", "status", "book"}


@pytest.fixture
def admin(stack, client) -> str:
    return admin_login(stack, client)


def when(text: str) -> datetime:
    assert text.endswith("Z"), text
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def make_overdue(stack, loan_id: int) -> None:
    sql(stack, f"UPDATE loans SET borrowed_at = UTC_TIMESTAMP(6) - INTERVAL 20 DAY, "
               f"due_at = UTC_TIMESTAMP(6) - INTERVAL 6 DAY WHERE id = {int(loan_id)}")


# -- borrowing --------------------------------------------------------------------------------

def test_borrow_makes_an_active_loan_and_takes_a_copy(client, admin):
    book = make_book(client, admin, copies=2)
    user, token = new_user(client)
    before = datetime.now(timezone.utc).replace(microsecond=0)
    response = borrow(client, token, book["id"])
    assert response.status_code == 201, response.text
    loan = response.json()
    assert response.headers["Location"] == f"/loans/{loan['id']}"
    assert set(loan) == LOAN_FIELDS
    assert loan["user_id"] == user["id"] and loan["book_id"] == book["id"]
    assert loan["book"] == {"id": book["id"], "title": book["title"], "author": book["author"]}
    assert loan["status"] == "active" and loan["renewals"] == 0 and loan["returned_at"] is None
    borrowed, due = when(loan["borrowed_at"]), when(loan["due_at"])
    assert before - timedelta(seconds=2) <= borrowed <= datetime.now(timezone.utc) + timedelta(seconds=2)
    assert abs((due - borrowed) - timedelta(days=14)) <= timedelta(seconds=1)
    assert client.get(f"/books/{book['id']}", headers=bearer(token)).json()["copies_available"] == 1


def test_borrow_validation(client):
    _, token = new_user(client)
    for body, fields in [({}, {"book_id"}), ({"book_id": "1"}, {"book_id"}), ({"book_id": 0}, {"book_id"}),
                         ({"book_id": 1.5}, {"book_id"}), ({"book_id": None}, {"book_id"}),
                         ({"book_id": 1, "due_at": "2030-01-01T00:00:00Z"}, {"due_at"}),
                         ({"book_id": -3, "user_id": "me", "renewals": 9}, {"book_id", "user_id", "renewals"})]:
        problem = assert_problem_response(client.post("/loans", headers=bearer(token), json=body), 400)
        assert set(problem["errors"]) == fields, body
    assert_problem_response(client.post("/loans", headers=bearer(token), data="book_id=1"), 415)
    assert_problem_response(client.post("/loans", json={"book_id": 1}), 401)


def test_borrowing_a_missing_book_is_404(client):
    _, token = new_user(client)
    assert_problem_response(borrow(client, token, 999_999_999), 404)


def test_no_copy_free_is_409(client, admin):
    book = make_book(client, admin, copies=1)
    _, first = new_user(client)
    _, second = new_user(client)
    assert borrow(client, first, book["id"]).status_code == 201
    problem = assert_problem_response(borrow(client, second, book["id"]), 409)
    assert "No copy" in problem["detail"]
    assert_problem_response(borrow(client, second, make_book(client, admin, copies=0)["id"]), 409)


def test_the_same_book_twice_is_409(client, admin):
    book = make_book(client, admin, copies=5)
    _, token = new_user(client)
    assert borrow(client, token, book["id"]).status_code == 201
    problem = assert_problem_response(borrow(client, token, book["id"]), 409)
    assert "already has this book" in problem["detail"]
    assert client.get(f"/books/{book['id']}", headers=bearer(token)).json()["copies_available"] == 4


def test_max_active_loans_is_409(client, admin):
    _, token = new_user(client)
    loans = [borrow(client, token, make_book(client, admin)["id"]) for _ in range(5)]
    assert [r.status_code for r in loans] == [201] * 5
    book = make_book(client, admin)
    problem = assert_problem_response(borrow(client, token, book["id"]), 409)
    assert "maximum of 5" in problem["detail"]
    assert client.get(f"/books/{book['id']}", headers=bearer(token)).json()["copies_available"] == 1
    # A returned loan frees a place.
    assert client.post(f"/loans/{loans[0].json()['id']}/return", headers=bearer(token)).status_code == 200
    assert borrow(client, token, book["id"]).status_code == 201


def test_an_overdue_loan_blocks_borrowing_and_renewing(stack, client, admin):
    _, token = new_user(client)
    loan = borrow(client, token, make_book(client, admin)["id"]).json()
    make_overdue(stack, loan["id"])
    shown = client.get(f"/loans/{loan['id']}", headers=bearer(token)).json()
    assert shown["status"] == "overdue" and shown["returned_at"] is None
    problem = assert_problem_response(borrow(client, token, make_book(client, admin)["id"]), 409)
    assert "overdue" in problem["detail"]
    problem = assert_problem_response(client.post(f"/loans/{loan['id']}/renew", headers=bearer(token)), 409)
    assert "overdue" in problem["detail"].lower()
    # Returning it lifts the block.
    returned = client.post(f"/loans/{loan['id']}/return", headers=bearer(token)).json()
    assert returned["status"] == "returned"
    assert borrow(client, token, make_book(client, admin)["id"]).status_code == 201


def test_admin_lends_for_another_user(client, admin):
    user, token = new_user(client)
    other, _ = new_user(client)
    book = make_book(client, admin)
    response = borrow(client, admin, book["id"], user_id=user["id"])
    assert response.status_code == 201, response.text
    assert response.json()["user_id"] == user["id"]
    assert client.get(f"/loans/{response.json()['id']}", headers=bearer(token)).status_code == 200
    assert_problem_response(borrow(client, token, make_book(client, admin)["id"], user_id=other["id"]), 403)
    assert borrow(client, token, make_book(client, admin)["id"], user_id=user["id"]).status_code == 201
    assert_problem_response(borrow(client, admin, make_book(client, admin)["id"], user_id=999_999_999), 404)


# -- reading ----------------------------------------------------------------------------------

def test_a_loan_is_visible_to_its_owner_and_admins_only(client, admin):
    _, token = new_user(client)
    _, stranger = new_user(client)
    loan = borrow(client, token, make_book(client, admin)["id"]).json()
    assert client.get(f"/loans/{loan['id']}", headers=bearer(token)).json() == loan
    assert client.get(f"/loans/{loan['id']}", headers=bearer(admin)).json() == loan
    hidden = client.get(f"/loans/{loan['id']}", headers=bearer(stranger))
    missing = client.get("/loans/999999999", headers=bearer(stranger))
    assert_problem_response(hidden, 404)
    assert_problem_response(missing, 404)
    assert hidden.json()["detail"].replace(str(loan["id"]), "N") == missing.json()["detail"].replace("999999999", "N")
    assert_problem_response(client.post(f"/loans/{loan['id']}/return", headers=bearer(stranger)), 404)
    assert_problem_response(client.post(f"/loans/{loan['id']}/renew", headers=bearer(stranger)), 404)
    assert_problem_response(client.get("/loans/abc", headers=bearer(token)), 404)


def test_users_list_their_own_loans_with_status_filter(stack, client, admin):
    user, token = new_user(client)
    _, other = new_user(client)
    mine = [borrow(client, token, make_book(client, admin)["id"]).json() for _ in range(3)]
    borrow(client, other, make_book(client, admin)["id"])
    client.post(f"/loans/{mine[0]['id']}/return", headers=bearer(token))
    make_overdue(stack, mine[1]["id"])

    everything = client.get("/loans", headers=bearer(token))
    assert everything.status_code == 200 and everything.headers["X-Total-Count"] == "3"
    assert [loan["id"] for loan in everything.json()] == [loan["id"] for loan in mine]
    assert all(loan["user_id"] == user["id"] for loan in everything.json())
    for status, expected in (("returned", mine[0]), ("overdue", mine[1]), ("active", mine[2])):
        listed = client.get("/loans", headers=bearer(token), params={"status": status})
        assert [loan["id"] for loan in listed.json()] == [expected["id"]], status
        assert listed.json()[0]["status"] == status
    client.post(f"/loans/{mine[1]['id']}/return", headers=bearer(token))  # leave the user able to borrow


def test_admin_lists_all_loans_with_user_and_book_filters(client, admin):
    user, token = new_user(client)
    book = make_book(client, admin, copies=3)
    loans = [borrow(client, token, book["id"]).json()]
    _, second = new_user(client)
    loans.append(borrow(client, second, book["id"]).json())
    by_book = client.get("/loans", headers=bearer(admin), params={"book_id": book["id"]})
    assert [loan["id"] for loan in by_book.json()] == [loan["id"] for loan in loans]
    by_user = client.get("/loans", headers=bearer(admin), params={"user_id": user["id"], "book_id": book["id"]})
    assert [loan["id"] for loan in by_user.json()] == [loans[0]["id"]]
    assert int(client.get("/loans", headers=bearer(admin)).headers["X-Total-Count"]) >= 2
    page = client.get("/loans", headers=bearer(admin), params={"book_id": book["id"], "per_page": 1})
    assert page.headers["X-Total-Count"] == "2" and set(links(page)) == {"first", "next", "last"}
    assert client.get(links(page)["next"], headers=bearer(admin)).json() == [by_book.json()[1]]
    # Filters by user or book are for admins; a user's list is always their own.
    assert_problem_response(client.get("/loans", headers=bearer(token), params={"user_id": user["id"]}), 403)
    assert_problem_response(client.get("/loans", headers=bearer(token), params={"book_id": book["id"]}), 403)


@pytest.mark.parametrize("params", [
    {"status": "late"}, {"status": "ACTIVE"}, {"user_id": "0"}, {"user_id": "x"}, {"book_id": "-2"},
    {"page": "0"}, {"per_page": "1000"}, {"status": "x", "book_id": "y"},
])
def test_bad_loan_list_parameters_are_400(client, admin, params):
    problem = assert_problem_response(client.get("/loans", headers=bearer(admin), params=params), 400)
    assert set(problem["errors"]) == set(params)


# -- returning and renewing -------------------------------------------------------------------

def test_return_frees_the_copy_once(client, admin):
    book = make_book(client, admin, copies=1)
    _, token = new_user(client)
    loan = borrow(client, token, book["id"]).json()
    response = client.post(f"/loans/{loan['id']}/return", headers=bearer(token))
    assert response.status_code == 200, response.text
    returned = response.json()
    assert returned["status"] == "returned" and when(returned["returned_at"]) >= when(loan["borrowed_at"])
    assert client.get(f"/books/{book['id']}", headers=bearer(token)).json()["copies_available"] == 1
    again = client.post(f"/loans/{loan['id']}/return", headers=bearer(token))
    assert "already been returned" in assert_problem_response(again, 409)["detail"]
    assert client.get(f"/books/{book['id']}", headers=bearer(token)).json()["copies_available"] == 1
    # The same user may borrow the book again once it is back.
    assert borrow(client, token, book["id"]).status_code == 201


def test_admin_returns_any_loan(client, admin):
    _, token = new_user(client)
    loan = borrow(client, token, make_book(client, admin)["id"]).json()
    assert client.post(f"/loans/{loan['id']}/return", headers=bearer(admin)).status_code == 200


def test_renew_extends_up_to_max_renewals(client, admin):
    _, token = new_user(client)
    loan = borrow(client, token, make_book(client, admin)["id"]).json()
    for count in (1, 2):
        response = client.post(f"/loans/{loan['id']}/renew", headers=bearer(token))
        assert response.status_code == 200, response.text
        renewed = response.json()
        assert renewed["renewals"] == count and renewed["status"] == "active"
        due = when(renewed["due_at"])
        assert abs(due - datetime.now(timezone.utc) - timedelta(days=14)) < timedelta(seconds=5)
    problem = assert_problem_response(client.post(f"/loans/{loan['id']}/renew", headers=bearer(token)), 409)
    assert "maximum of 2" in problem["detail"]
    assert client.get(f"/loans/{loan['id']}", headers=bearer(token)).json()["renewals"] == 2


def test_renewing_a_returned_loan_is_409(client, admin):
    _, token = new_user(client)
    loan = borrow(client, token, make_book(client, admin)["id"]).json()
    client.post(f"/loans/{loan['id']}/return", headers=bearer(token))
    assert_problem_response(client.post(f"/loans/{loan['id']}/renew", headers=bearer(token)), 409)


def test_loan_routes_wrong_methods(client, admin):
    response = client.delete("/loans/1", headers=bearer(admin))
    assert_problem_response(response, 405)
    assert response.headers["Allow"] == "GET, HEAD"
    assert client.get("/loans/1/return", headers=bearer(admin)).headers["Allow"] == "POST"


# -- deleting users with loans ----------------------------------------------------------------

def test_a_user_with_active_loans_cannot_be_deleted(client, admin):
    user, token = new_user(client)
    book = make_book(client, admin)
    loan = borrow(client, token, book["id"]).json()
    assert "active loans" in assert_problem_response(client.delete("/users/me", headers=bearer(token)), 409)["detail"]
    assert_problem_response(client.delete(f"/users/{user['id']}", headers=bearer(admin)), 409)
    assert client.post(f"/loans/{loan['id']}/return", headers=bearer(token)).status_code == 200
    # Returned loans do not block; they go with the account.
    assert client.delete("/users/me", headers=bearer(token)).status_code == 204
    assert_problem_response(client.get(f"/loans/{loan['id']}", headers=bearer(admin)), 404)
    assert client.get(f"/books/{book['id']}", headers=bearer(admin)).json()["copies_available"] == 1


def test_admin_deletes_a_user_whose_loans_are_all_returned(client, admin):
    user, token = new_user(client)
    loan = borrow(client, token, make_book(client, admin)["id"]).json()
    client.post(f"/loans/{loan['id']}/return", headers=bearer(admin))
    assert client.delete(f"/users/{user['id']}", headers=bearer(admin)).status_code == 204
