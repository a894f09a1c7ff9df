"""memcached holds data, never authority (issue 10; docs/security.md, memcached): whoever can
write to memcached (no authentication there) plants a token check saying "admin" and a cached
book answer of their own, with the current stamps read from memcached itself. Neither is
believed: the next request is answered from the database, the forged entry is counted in
`library_cache_forged_entries_total` and overwritten. And a process that starts bumps the cache
epoch, so an invalidation lost before a restart is not served after it.

One app process (its /metrics is the whole count), nginx."""
from __future__ import annotations

import base64
import json
import time

import pytest
import requests

from circulation import admin_login, bearer, make_book, new_user, sql
from conftest import BaseURLSession, assert_no_crash, stack_config
from helpers import read_stored
from memcached_text import MemcachedText
from tools.devstack.stack import Stack


@pytest.fixture(scope="module")
def solo_stack(mariadb):
    stack = Stack(stack_config("nginx", "memcached-integrity", processes=1, threads=4), mariadb=mariadb).start()
    yield stack
    assert_no_crash(stack)
    stack.stop()


@pytest.fixture
def client(solo_stack):
    with BaseURLSession(solo_stack.url) as session:
        yield session


def forged_count(client) -> float:
    text = client.get("/metrics").text
    return sum(float(line.split()[-1]) for line in text.splitlines()
               if line.startswith("library_cache_forged_entries_total"))


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def fields(*values: str | None) -> bytes:
    """The token-check entry's layout: each field `<length>:<bytes>`, `-` when absent."""
    out = b""
    for value in values:
        out += b"-" if value is None else f"{len(value.encode())}:".encode() + value.encode()
    return out


def stamp(memcached: MemcachedText, generation_key: str) -> str:
    generation, epoch = memcached.get(generation_key), memcached.get("epoch")
    assert generation is not None and epoch is not None, "the stamps are readable in memcached"
    return f"{generation.decode()}@{epoch.decode()}"


def test_a_forged_token_check_does_not_make_an_admin(solo_stack, client):
    user, token = new_user(client)
    jti, user_id = claims(token)["jti"], user["id"]
    assert client.get("/users", headers=bearer(token)).status_code == 403  # the check is cached now
    before = forged_count(client)
    with MemcachedText(solo_stack.memcached.socket) as memcached:
        assert memcached.stored(f"auth:{jti}") is not None
        forged = fields(stamp(memcached, f"authgen:{user_id}"), str(user_id), user["username"], user["email"],
                        None, None, "admin", str(int(time.time()) * 1_000_000))
        memcached.set(f"auth:{jti}", forged)

        answer = client.get("/users", headers=bearer(token))
        assert answer.status_code == 403, "memcached made a user an admin"
        assert client.get("/users/me", headers=bearer(token)).json()["role"] == "user"
        assert forged_count(client) == before + 1
        # Recomputed and overwritten: the entry is the service's own again.
        assert memcached.get(f"auth:{jti}") != forged
        assert client.get("/users", headers=bearer(token)).status_code == 403
        assert forged_count(client) == before + 1


def test_an_entry_moved_to_another_token_is_refused(solo_stack, client):
    """The key is in the tag: the admin's genuine entry, copied under one's own token, is caught
    by its tag (the user id and stamp checks behind it would refuse it too)."""
    admin = admin_login(solo_stack, client)
    user, token = new_user(client)
    assert client.get("/users/me", headers=bearer(admin)).status_code == 200
    assert client.get("/users/me", headers=bearer(token)).status_code == 200
    before = forged_count(client)
    with MemcachedText(solo_stack.memcached.socket) as memcached:
        memcached.set(f"auth:{claims(token)['jti']}", memcached.stored(f"auth:{claims(admin)['jti']}"))
    me = client.get("/users/me", headers=bearer(token))
    assert me.status_code == 200 and me.json()["id"] == user["id"] and me.json()["role"] == "user"
    assert client.get("/users", headers=bearer(token)).status_code == 403
    assert forged_count(client) == before + 1


def test_a_planted_book_answer_is_not_served(solo_stack, client):
    admin = admin_login(solo_stack, client)
    book = make_book(client, admin, title="The real title")
    path = f"/books/{book['id']}"
    assert client.get(path, headers=bearer(admin)).headers["X-Cache"] == "MISS"
    assert read_stored(client.get, path, headers=bearer(admin)).headers["X-Cache"] == "HIT"
    before = forged_count(client)
    planted = {**book, "title": "Planted by whoever reaches memcached"}
    with MemcachedText(solo_stack.memcached.socket) as memcached:
        key = f"response:books:{path}?"
        assert memcached.get(key) is not None
        entry = (f"{stamp(memcached, 'generation:books')}\n\"0123456789abcdef\"\n"
                 f"Content-Type: application/json\n\n").encode() + json.dumps(planted).encode()
        memcached.set(key, entry)

        answer = client.get(path, headers=bearer(admin))
        assert answer.status_code == 200 and answer.json()["title"] == "The real title", answer.text
        assert answer.headers["X-Cache"] == "MISS"
        assert forged_count(client) == before + 1
        again = read_stored(client.get, path, headers=bearer(admin))
        assert again.headers["X-Cache"] == "HIT" and again.json()["title"] == "The real title"
    # Logged at warning by its key, never with its content.
    log = (solo_stack.run / "logs" / "app.log").read_text(errors="replace")
    assert f"failed its integrity check; ignored and recomputed key={key}" in log
    assert "Planted" not in log


def test_a_planted_list_count_is_not_believed(solo_stack, client):
    admin = admin_login(solo_stack, client)
    word = f"count{int(time.time() * 1000)}"
    make_book(client, admin, title=f"{word} one")
    assert client.get("/books", headers=bearer(admin), params={"q": word, "page": 1}).headers["X-Total-Count"] == "1"
    before = forged_count(client)
    with MemcachedText(solo_stack.memcached.socket) as memcached:
        key = f"count:books:q={word}"
        assert memcached.stored(key) is not None
        memcached.set(key, f"{stamp(memcached, 'generation:books')} 999".encode())
    # Another page of the same filter misses the answer cache and reads the count.
    answer = client.get("/books", headers=bearer(admin), params={"q": word, "page": 2})
    assert answer.status_code == 200 and answer.headers["X-Total-Count"] == "1"
    assert forged_count(client) == before + 1


def test_a_restarted_process_does_not_serve_what_a_lost_invalidation_left(solo_stack, client):
    """A change the cache never heard of (here: made in the database directly, as when the
    invalidation was lost while memcached was unreachable and the process died before it could
    bump the epoch) is served from the cache until a process starts again: then it is gone."""
    admin = admin_login(solo_stack, client)
    book = make_book(client, admin, title="Before the restart")
    path = f"/books/{book['id']}"
    assert client.get(path, headers=bearer(admin)).headers["X-Cache"] == "MISS"
    assert read_stored(client.get, path, headers=bearer(admin)).headers["X-Cache"] == "HIT"
    sql(solo_stack, f"UPDATE books SET title = 'Changed behind the cache' WHERE id = {book['id']}")
    stale = client.get(path, headers=bearer(admin))
    assert stale.headers["X-Cache"] == "HIT" and stale.json()["title"] == "Before the restart"
    with MemcachedText(solo_stack.memcached.socket) as memcached:
        epoch = int(memcached.get("epoch"))

    solo_stack.pool.stop()
    solo_stack.pool.start()  # returns once the process exists: it bumps the epoch before it serves
    with BaseURLSession(solo_stack.url) as fresh:
        answer = fresh.get(path, headers=bearer(admin))
        assert answer.status_code == 200 and answer.json()["title"] == "Changed behind the cache"
        assert answer.headers["X-Cache"] == "MISS"
    with MemcachedText(solo_stack.memcached.socket) as memcached:
        assert int(memcached.get("epoch")) == epoch + 1
