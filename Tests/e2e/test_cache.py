"""Book reads cached in memcached (docs/api.md, Caching), through nginx and lighttpd: MISS then
HIT, never stale after a write on another process, ETag and 304, and a hit does no database
work (the database is stopped and the cached answer still comes)."""
from __future__ import annotations

import pytest
import requests

from circulation import admin_login, bearer, borrow, make_book, new_user, tag
from conftest import BaseURLSession, stack_config
from helpers import assert_problem_response, read_stored
from tools.devstack.stack import Stack


@pytest.fixture
def admin(stack, client) -> str:
    return admin_login(stack, client)


def test_miss_then_hit_with_identical_bytes_and_etag(client, admin):
    book = make_book(client, admin, title=f"Cached {tag()}")
    first = client.get(f"/books/{book['id']}", headers=bearer(admin))
    second = read_stored(client.get, f"/books/{book['id']}", headers=bearer(admin))
    assert first.status_code == second.status_code == 200
    assert first.headers["X-Cache"] == "MISS" and second.headers["X-Cache"] == "HIT"
    assert first.content == second.content and first.json() == book
    assert first.headers["ETag"] == second.headers["ETag"] and first.headers["ETag"].startswith('"')
    assert second.headers["Content-Type"] == "application/json"


def test_lists_are_cached_with_their_headers(client, admin):
    word = tag("list")
    for _ in range(3):
        make_book(client, admin, title=f"{word} volume")
    params = {"q": word, "per_page": 2}
    first = client.get("/books", headers=bearer(admin), params=params)
    second = read_stored(client.get, "/books", headers=bearer(admin), params=params)
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    assert second.headers["X-Total-Count"] == "3" and second.headers["Link"] == first.headers["Link"]
    assert second.content == first.content
    # The same parameters in another order are the same cached answer.
    reordered = client.get(f"/books?per_page=2&q={word}", headers=bearer(admin))
    assert reordered.headers["X-Cache"] == "HIT" and reordered.content == first.content


def test_if_none_match_gives_304(client, admin):
    book = make_book(client, admin)
    etag = client.get(f"/books/{book['id']}", headers=bearer(admin)).headers["ETag"]
    for _ in range(2):  # a MISS-path and a HIT-path answer both honour it
        conditional = client.get(f"/books/{book['id']}", headers={**bearer(admin), "If-None-Match": etag})
        assert conditional.status_code == 304 and conditional.content == b""
        assert conditional.headers["ETag"] == etag
    other = client.get(f"/books/{book['id']}", headers={**bearer(admin), "If-None-Match": '"0000000000000000"'})
    assert other.status_code == 200


def test_every_write_is_seen_by_the_next_read_on_any_process(stack, admin):
    """Writes and reads on separate connections (Connection: close), so they land on different
    worker threads and processes; every read after a write must show it."""
    def call(method, path, **kwargs):
        headers = {**bearer(admin), "Connection": "close", **kwargs.pop("headers", {})}
        return requests.request(method, stack.url + path, headers=headers, timeout=30, **kwargs)

    book = make_book(BaseURLSession(stack.url), admin, copies=2, title=f"{tag('fresh')} story")
    path = f"/books/{book['id']}"
    for copies in range(3, 13):
        call("GET", path)  # make sure a cached copy exists
        assert call("PATCH", path, json={"copies": copies}).status_code == 200
        seen = call("GET", path)
        assert seen.json()["copies_total"] == copies, seen.headers.get("X-Cache")
        listed = call("GET", "/books", params={"q": book["title"].split()[0]})
        assert any(item["id"] == book["id"] and item["copies_total"] == copies for item in listed.json())

    _, user = new_user(BaseURLSession(stack.url))
    call("GET", path)
    loan = borrow(BaseURLSession(stack.url), user, book["id"])
    assert loan.status_code == 201, loan.text
    assert call("GET", path).json()["copies_available"] == 11  # the loan took a copy
    returned = requests.post(f"{stack.url}/loans/{loan.json()['id']}/return", headers=bearer(user), timeout=30)
    assert returned.status_code == 200
    assert call("GET", path).json()["copies_available"] == 12


def test_a_refused_write_keeps_the_cache(client, admin):
    book = make_book(client, admin)
    assert client.get(f"/books/{book['id']}", headers=bearer(admin)).headers["X-Cache"] == "MISS"
    assert read_stored(client.get, f"/books/{book['id']}", headers=bearer(admin)).headers["X-Cache"] == "HIT"
    refused = client.patch(f"/books/{book['id']}", headers=bearer(admin), json={"copies": "many"})
    assert_problem_response(refused, 400)
    assert client.get(f"/books/{book['id']}", headers=bearer(admin)).headers["X-Cache"] == "HIT"


def test_other_responses_are_not_cached(client, admin):
    missing = client.get("/books/999999999", headers=bearer(admin))
    assert_problem_response(missing, 404)
    assert "X-Cache" not in missing.headers
    assert_problem_response(client.get("/books", headers=bearer(admin), params={"sort": "colour"}), 400)
    assert_problem_response(client.get("/books"), 401)  # no token: no cached answer either


# -- a hit does no database work --------------------------------------------------------------

@pytest.fixture(scope="module")
def private_stack():
    stack = Stack(stack_config("nginx", "cache-db-down")).start()
    yield stack
    stack.stop()


def test_a_hit_is_served_with_the_database_stopped(private_stack):
    stack = private_stack
    session = BaseURLSession(stack.url)
    admin = admin_login(stack, session)
    book = make_book(session, admin)
    path = f"/books/{book['id']}"
    assert session.get(path, headers=bearer(admin)).headers["X-Cache"] == "MISS"
    listing = session.get("/books", headers=bearer(admin))
    stack.mariadb.stop()
    try:
        hit = session.get(path, headers=bearer(admin))
        assert hit.status_code == 200 and hit.headers["X-Cache"] == "HIT" and hit.json() == book
        listed = session.get("/books", headers=bearer(admin))
        assert listed.status_code == 200 and listed.content == listing.content
        # Anything the cache does not hold needs the database, which is down.
        assert_problem_response(session.get("/books/999999999", headers=bearer(admin)), 503)
    finally:
        stack.mariadb.start()


def test_a_list_count_is_shared_by_pages_and_never_stale(client, admin):
    """The count of a filter is cached apart from its pages (a new page reuses it), and a
    write voids it like every cached answer: the next page of the same filter counts anew."""
    word = tag("count")
    for _ in range(3):
        make_book(client, admin, title=f"{word} part")
    first = client.get("/books", headers=bearer(admin), params={"q": word, "per_page": 1, "page": 1})
    assert first.headers["X-Cache"] == "MISS" and first.headers["X-Total-Count"] == "3"
    second = client.get("/books", headers=bearer(admin), params={"q": word, "per_page": 1, "page": 2})
    assert second.headers["X-Cache"] == "MISS" and second.headers["X-Total-Count"] == "3"
    make_book(client, admin, title=f"{word} part")
    third = client.get("/books", headers=bearer(admin), params={"q": word, "per_page": 1, "page": 3})
    assert third.headers["X-Cache"] == "MISS" and third.headers["X-Total-Count"] == "4"
    assert len(third.json()) == 1
    fresh = client.get("/books", headers=bearer(admin), params={"q": word, "per_page": 1, "page": 2})
    assert fresh.headers["X-Total-Count"] == "4"


def test_pages_of_every_sort_and_filter_match_the_unpaged_order(client, admin):
    """The deferred join (ids from the sort index, then the rows) returns each page in order."""
    word = tag("order")
    for year in (1990, 1970, 1980, 1970):
        make_book(client, admin, title=f"{word} {year}", published_year=year)
    for sort in ("title", "-title", "published_year", "-published_year", "id", "-id"):
        whole = client.get("/books", headers=bearer(admin), params={"q": word, "sort": sort, "per_page": 10}).json()
        paged = [book for page in (1, 2, 3, 4)
                 for book in client.get("/books", headers=bearer(admin),
                                        params={"q": word, "sort": sort, "per_page": 1, "page": page}).json()]
        assert [b["id"] for b in paged] == [b["id"] for b in whole], sort
        assert len(whole) == 4
