"""Rate limits (docs/api.md, Rate limits) through nginx, with the app's two processes sharing the
counters in memcached: the sixth login in ten minutes is 429 whichever process answers,
another client address is unaffected, headers count down, a window's end frees the client,
and X-Forwarded-For counts only from a trusted proxy."""
from __future__ import annotations

import json
import time

import pytest
import requests

from conftest import assert_no_crash, stack_config
from helpers import assert_problem, assert_problem_response, raw_request, request_head
from tools.devstack.stack import Stack

LOGIN_BODY = json.dumps({"email": "nobody@example.com", "password": "not the password"}).encode()


@pytest.fixture(scope="module")
def limited_stack():
    stack = Stack(stack_config("nginx", "rate-limits", app_env={
        "RATELIMIT_ENABLED": "true",
        "RATELIMIT_DEFAULT": "200 per day",
        "RATELIMIT_REGISTER": "3 per 2 second",
        "RATELIMIT_TRUSTED_PROXIES": "127.0.0.3",
        # these tests all guess one account's password: its own limit (test_account_lockout.py)
        # stays out of the way of the per-address ones tested here
        "RATELIMIT_LOGIN_ACCOUNT": "1000 per minute",
    })).start()
    yield stack
    assert_no_crash(stack)
    stack.stop()


def login_from(stack, source: str, extra_headers: dict | None = None):
    """One login attempt on a new connection (so it may reach either app process)."""
    head = request_head("POST", b"/users/login", {"Content-Type": "application/json", **(extra_headers or {})},
                        body_length=len(LOGIN_BODY))
    return raw_request(stack.url, head, LOGIN_BODY, source=source)


def test_sixth_login_in_ten_minutes_is_429_on_any_process(limited_stack):
    stack = limited_stack
    answers = [login_from(stack, "127.0.0.4") for _ in range(6)]
    remaining = []
    for status, headers, body in answers[:5]:
        assert_problem(status, headers, body, 401)
        assert headers["X-RateLimit-Limit"] == "5"
        remaining.append(int(headers["X-RateLimit-Remaining"]))
        reset = int(headers["X-RateLimit-Reset"])
        assert 0 < reset - time.time() <= 600
    assert remaining == [4, 3, 2, 1, 0]
    status, headers, body = answers[5]
    assert_problem(status, headers, body, 429)
    assert 0 < int(headers["Retry-After"]) <= 600
    assert headers["X-RateLimit-Remaining"] == "0"
    # Still refused, whichever process takes the next connections.
    assert all(login_from(stack, "127.0.0.4")[0] == 429 for _ in range(6))
    # Another client address has a budget of its own.
    assert login_from(stack, "127.0.0.5")[0] == 401


def test_the_default_limit_counts_down_per_route(limited_stack):
    stack = limited_stack
    session = requests.Session()
    first = session.get(stack.url + "/books")  # 401 without a token: still counted
    second = session.get(stack.url + "/books")
    assert first.headers["X-RateLimit-Limit"] == "200"
    assert (first.headers["X-RateLimit-Remaining"], second.headers["X-RateLimit-Remaining"]) == ("199", "198")
    # Flask-Limiter's default limits count each route on its own.
    assert session.get(stack.url + "/loans").headers["X-RateLimit-Remaining"] == "199"
    # Operations endpoints are never limited.
    health = session.get(stack.url + "/health")
    assert health.status_code == 200 and "X-RateLimit-Limit" not in health.headers


def test_window_expiry_frees_the_client(limited_stack):
    stack = limited_stack

    def register(index: int) -> requests.Response:
        name = f"window{time.time_ns()}{index}"
        return requests.post(stack.url + "/users/register", timeout=30, headers={"Connection": "close"},
                             json={"username": name, "email": f"{name}@example.com", "password": "long enough pw"})

    # Start at the beginning of a 2-second window, so all four land in the same one.
    time.sleep(2 - time.time() % 2 + 0.05)
    statuses = [register(index).status_code for index in range(4)]
    assert statuses == [201, 201, 201, 429], statuses
    time.sleep(2 - time.time() % 2 + 0.05)
    assert register(9).status_code == 201


def test_forwarded_for_counts_only_from_a_trusted_proxy(limited_stack):
    stack = limited_stack
    # 127.0.0.3 is a trusted proxy: each forwarded client has its own budget.
    for client in ("203.0.113.7", "203.0.113.8"):
        statuses = [login_from(stack, "127.0.0.3", {"X-Forwarded-For": client})[0] for _ in range(5)]
        assert statuses == [401] * 5, (client, statuses)
    assert login_from(stack, "127.0.0.3", {"X-Forwarded-For": "203.0.113.7"})[0] == 429
    # From an untrusted peer the header is ignored: the peer's own budget counts.
    statuses = [login_from(stack, "127.0.0.6", {"X-Forwarded-For": f"198.51.100.{n}"})[0] for n in range(6)]
    assert statuses == [401] * 5 + [429], statuses


def metric(text: str, name: str) -> float:
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name))


def test_rejections_are_counted_in_metrics(limited_stack):
    """Each process counts its own; scrape on new connections until one shows its rejections."""
    seen = [metric(requests.get(limited_stack.url + "/metrics", headers={"Connection": "close"}, timeout=30).text,
                   "library_ratelimit_rejections_total") for _ in range(10)]
    assert max(seen) > 0, seen


def test_forwarded_for_sent_on_several_lines_is_one_list(limited_stack):
    """RFC 9110 §5.3: a list header on several lines is one list, in order; the nearest
    untrusted address is its last entry, not the first line's."""
    stack = limited_stack
    assert [login_from(stack, "127.0.0.3", {"X-Forwarded-For": "203.0.113.60"})[0] for _ in range(6)] == [401] * 5 + [429]
    # "203.0.113.61" then "203.0.113.60": the client is .60, whose budget is spent
    head = request_head("POST", b"/users/login", {"Content-Type": "application/json",
                                                   "X-Forwarded-For": "203.0.113.61"}, body_length=len(LOGIN_BODY))
    head = head.replace(b"X-Forwarded-For: 203.0.113.61\r\n", b"X-Forwarded-For: 203.0.113.61\r\nX-Forwarded-For: 203.0.113.60\r\n")
    assert raw_request(stack.url, head, LOGIN_BODY, source="127.0.0.3")[0] == 429
    # and .61 alone still has its own budget
    assert login_from(stack, "127.0.0.3", {"X-Forwarded-For": "203.0.113.61"})[0] == 401


def test_ipv6_clients_are_counted_by_their_slash_64(limited_stack):
    """Issue 10: an IPv6 client holds a whole /64; six addresses of one /64 are one client.
    An IPv4-mapped IPv6 address is its IPv4 address. (Forwarded by the trusted proxy: the
    stack's web server listens on IPv4 loopback only.)"""
    stack = limited_stack
    statuses = [login_from(stack, "127.0.0.3", {"X-Forwarded-For": f"2001:db8:10:20::{n + 1:x}"})[0] for n in range(5)]
    assert statuses == [401] * 5, statuses
    assert login_from(stack, "127.0.0.3", {"X-Forwarded-For": "2001:db8:10:20:ffff:1:2:3"})[0] == 429
    assert login_from(stack, "127.0.0.3", {"X-Forwarded-For": "2001:db8:10:21::1"})[0] == 401  # the next /64
    statuses = [login_from(stack, "127.0.0.3", {"X-Forwarded-For": "::ffff:203.0.113.90"})[0] for _ in range(5)]
    assert statuses == [401] * 5, statuses
    assert login_from(stack, "127.0.0.3", {"X-Forwarded-For": "203.0.113.90"})[0] == 429
