"""Bounded answers (issue 10; docs/api.md, Pagination and Caching), through nginx and lighttpd:
query parameters a list does not know are neither repeated in `Link` nor part of the cache key,
every response header stays within the web servers' FastCGI header buffers whatever the query
(nginx's `fastcgi_buffer_size` is one 4 KiB page), so no query gives a `502`."""
from __future__ import annotations

import pytest

from circulation import admin_login, bearer, make_book, tag
from helpers import assert_problem_response, read_stored


@pytest.fixture
def admin(stack, client) -> str:
    return admin_login(stack, client)


def junk(count: int = 20, size: int = 200) -> str:
    return "&".join(f"junk{n}=" + "x" * size for n in range(count))


def test_unknown_parameters_give_200_and_are_not_echoed(client, admin):
    """On the issue's stack: 502 Bad Gateway (the Link header repeated 4 KB three times)."""
    word = tag("bounded")
    for _ in range(3):
        make_book(client, admin, title=f"{word} volume")
    answer = client.get(f"/books?q={word}&per_page=1&page=2&{junk()}", headers=bearer(admin))
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["X-Total-Count"] == "3" and len(answer.json()) == 1
    link = answer.headers["Link"]
    assert "junk" not in link and f"q={word}" in link and 'rel="next"' in link
    assert len(link) <= 2048


def test_unknown_parameters_share_one_cache_entry(client, admin):
    word = tag("flood")
    make_book(client, admin, title=f"{word} one")
    first = client.get(f"/books?q={word}&utm_source=a&{junk(5)}", headers=bearer(admin))
    second = read_stored(client.get, f"/books?q={word}&utm_source=b&cachebuster=1", headers=bearer(admin))
    third = client.get(f"/books?q={word}", headers=bearer(admin))
    assert (first.headers["X-Cache"], second.headers["X-Cache"], third.headers["X-Cache"]) == ("MISS", "HIT", "HIT")
    assert first.content == second.content == third.content
    book = first.json()[0]["id"]
    assert client.get(f"/books/{book}?x=0", headers=bearer(admin)).headers["X-Cache"] == "MISS"
    assert read_stored(client.get, f"/books/{book}?x=1", headers=bearer(admin)).headers["X-Cache"] == "HIT"
    assert client.get(f"/books/{book}?x=2", headers=bearer(admin)).headers["X-Cache"] == "HIT"


def test_a_long_q_gives_200_or_a_clear_400_never_502(client, admin):
    # 255 characters (the maximum) of two UTF-8 bytes each: every link would carry 1.5 KB.
    wide = "é" * 255
    answer = client.get("/books", headers=bearer(admin), params={"q": wide, "author": wide, "page": 2})
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["X-Total-Count"] == "0"
    assert len(answer.headers.get("Link", "")) <= 2048
    # Over the maximum: the documented 400, naming q.
    problem = assert_problem_response(client.get("/books", headers=bearer(admin), params={"q": "a" * 256}), 400)
    assert "q" in problem["errors"]
    # As long as the web server lets in (nginx: 8 KB request lines), repeated parameters too.
    for query in ["q=" + "z" * 3000, "&".join(["q=x"] * 600), "page=1&" + "&".join(["per_page=5"] * 500)]:
        response = client.get(f"/books?{query}", headers=bearer(admin))
        assert response.status_code in (200, 400, 414), (query[:40], response.status_code)
        assert len(response.headers.get("Link", "")) <= 2048


def test_other_lists_drop_unknown_parameters_from_link(client, admin):
    for path in ("/loans", "/users"):
        answer = client.get(f"{path}?{junk()}", headers=bearer(admin))
        assert answer.status_code == 200, (path, answer.text[:300])
        assert "junk" not in answer.headers["Link"]
