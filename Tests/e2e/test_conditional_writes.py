"""If-Match on PUT, PATCH and DELETE /books/{id} (docs/api.md, Conditional writes), through
nginx and lighttpd: a stale ETag is 412 and changes nothing; `*`, lists and the order of the
checks."""
from __future__ import annotations

import pytest

from circulation import admin_login, bearer, borrow, make_book, new_user
from helpers import assert_problem_response


@pytest.fixture
def admin(stack, client) -> str:
    return admin_login(stack, client)


def current(client, admin: str, book_id: int):
    response = client.get(f"/books/{book_id}", headers=bearer(admin))
    assert response.status_code == 200
    return response.json(), response.headers["ETag"]


def test_a_stale_etag_is_412_and_changes_nothing(client, admin):
    book = make_book(client, admin, copies=2)
    before, etag = current(client, admin, book["id"])
    changed = client.patch(f"/books/{book['id']}", headers={**bearer(admin), "If-Match": etag}, json={"genre": "Essays"})
    assert changed.status_code == 200, changed.text
    new_etag = changed.headers["ETag"]
    assert new_etag != etag and current(client, admin, book["id"])[1] == new_etag  # what GET now sends

    for method, body in (("PATCH", {"genre": "Poetry"}), ("PUT", {"title": "T", "author": "A", "isbn": book["isbn"]}),
                         ("DELETE", None)):
        stale = client.request(method, f"/books/{book['id']}", headers={**bearer(admin), "If-Match": etag}, json=body)
        assert_problem_response(stale, 412)
    after, unchanged = current(client, admin, book["id"])
    assert unchanged == new_etag and after["genre"] == "Essays"

    # a weak tag never matches (strong comparison); a list matches when any member does
    weak = client.patch(f"/books/{book['id']}", headers={**bearer(admin), "If-Match": "W/" + new_etag}, json={"genre": "X"})
    assert_problem_response(weak, 412)
    listed = client.put(f"/books/{book['id']}", headers={**bearer(admin), "If-Match": f'"0000000000000000", {new_etag}'},
                        json={"title": "Replaced", "author": "A", "isbn": book["isbn"], "copies": 2})
    assert listed.status_code == 200 and listed.json()["title"] == "Replaced"
    assert client.delete(f"/books/{book['id']}", headers={**bearer(admin), "If-Match": listed.headers["ETag"]}).status_code == 204


def test_a_loan_changes_the_etag(client, admin):
    """copies_available is part of the book's JSON: a borrow makes an earlier ETag stale."""
    book = make_book(client, admin, copies=2)
    _, etag = current(client, admin, book["id"])
    _, token = new_user(client)
    assert borrow(client, token, book["id"]).status_code == 201
    assert_problem_response(client.patch(f"/books/{book['id']}", headers={**bearer(admin), "If-Match": etag},
                                         json={"copies": 3}), 412)
    assert current(client, admin, book["id"])[0]["copies_total"] == 2


def test_star_matches_any_existing_book_and_the_order_of_checks(client, admin):
    book = make_book(client, admin, copies=1)
    star = {**bearer(admin), "If-Match": "*"}
    stale = {**bearer(admin), "If-Match": '"0000000000000000"'}
    assert client.patch(f"/books/{book['id']}", headers=star, json={"genre": "Any"}).status_code == 200
    # 404 before 412
    assert_problem_response(client.patch("/books/999999999", headers=stale, json={"genre": "x"}), 404)
    assert_problem_response(client.delete("/books/999999999", headers=star), 404)
    # 412 before 400 (an invalid body) and before 409 (copies below those on loan)
    assert_problem_response(client.patch(f"/books/{book['id']}", headers=stale, json={"copies": -1}), 412)
    _, token = new_user(client)
    assert borrow(client, token, book["id"]).status_code == 201
    assert_problem_response(client.patch(f"/books/{book['id']}", headers=stale, json={"copies": 0}), 412)
    assert_problem_response(client.delete(f"/books/{book['id']}", headers=stale), 412)
    # with a matching tag the usual answers come back
    assert_problem_response(client.patch(f"/books/{book['id']}", headers=star, json={"copies": -1}), 400)
    assert_problem_response(client.patch(f"/books/{book['id']}", headers=star, json={"copies": 0}), 409)
    assert_problem_response(client.delete(f"/books/{book['id']}", headers=star), 409)
    # no If-Match: as before
    assert client.patch(f"/books/{book['id']}", headers=bearer(admin), json={"genre": "Plain"}).status_code == 200
