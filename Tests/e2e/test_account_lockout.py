"""Failed sign-ins counted per account (docs/api.md, Rate limits: RATELIMIT_LOGIN_ACCOUNT), through
nginx with two app processes sharing the counts: past the limit every sign-in for that account
is 429 from any address, right password or not; unknown emails are counted alike; successful
sign-ins do not count; `library-app unlock --email` ends it."""
from __future__ import annotations

import json

import pytest

from conftest import assert_no_crash, stack_config
from helpers import assert_problem, raw_request, request_head
from tools.devstack.stack import Stack

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def lockout_stack():
    stack = Stack(stack_config("nginx", "account-lockout", app_env={
        "RATELIMIT_ENABLED": "true",
        "RATELIMIT_LOGIN": "1000 per minute",       # the per-address limit stays out of the way
        "RATELIMIT_REGISTER": "1000 per minute",
        "RATELIMIT_LOGIN_ACCOUNT": "3 per 10 minute",
    })).start()
    yield stack
    assert_no_crash(stack)
    stack.stop()


def login(stack, email: str, password: str, source: str = "127.0.0.1"):
    body = json.dumps({"email": email, "password": password}).encode()
    head = request_head("POST", b"/users/login", {"Content-Type": "application/json"}, body_length=len(body))
    return raw_request(stack.url, head, body, source=source)


def register(stack, name: str) -> str:
    email = f"{name}@example.org"
    body = json.dumps({"username": name, "email": email, "password": PASSWORD}).encode()
    head = request_head("POST", b"/users/register", {"Content-Type": "application/json"}, body_length=len(body))
    status, _, answer = raw_request(stack.url, head, body)
    assert status == 201, answer
    return email


def test_guesses_from_many_addresses_lock_the_account(lockout_stack):
    stack = lockout_stack
    email = register(stack, "lock_target")
    other = register(stack, "lock_bystander")
    for n in range(3):  # three wrong passwords, each from another address
        assert login(stack, email, "wrong guess", source=f"127.0.1.{n + 1}")[0] == 401
    status, headers, body = login(stack, email, PASSWORD, source="127.0.1.9")  # the right one, yet refused
    assert_problem(status, headers, body, 429)
    assert 0 < int(headers["Retry-After"]) <= 600
    assert "this account" in json.loads(body)["detail"]
    # the address is not what is locked: the same email in other case is, another account is not
    assert login(stack, email.upper(), PASSWORD, source="127.0.1.10")[0] == 429
    assert login(stack, other, PASSWORD, source="127.0.1.1")[0] == 200


def test_an_unknown_email_is_counted_the_same_way(lockout_stack):
    stack = lockout_stack
    answers = [login(lockout_stack, "nobody-here@example.org", "guess", source=f"127.0.2.{n + 1}")[0] for n in range(4)]
    assert answers == [401, 401, 401, 429]


def test_successful_sign_ins_do_not_count(lockout_stack):
    stack = lockout_stack
    email = register(stack, "lock_owner")
    assert [login(stack, email, "typo")[0] for _ in range(2)] == [401, 401]
    assert [login(stack, email, PASSWORD)[0] for _ in range(5)] == [200] * 5
    assert login(stack, email, "typo")[0] == 401   # the third failure
    assert login(stack, email, PASSWORD)[0] == 429


def test_unlock_ends_the_lockout(lockout_stack):
    stack = lockout_stack
    email = register(stack, "lock_unlocked")
    for _ in range(3):
        login(stack, email, "wrong")
    assert login(stack, email, PASSWORD)[0] == 429
    done = stack.app.run("unlock", "--email", email.upper())
    assert "unlocked" in done.stdout
    assert login(stack, email, PASSWORD)[0] == 200
