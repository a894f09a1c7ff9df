"""Garbage in, the process stays up: invalid UTF-8, huge headers, malformed and hostile JSON,
truncated requests. Then the app processes must be the very ones that started (multiwatch
would silently replace a crashed one, so compare PIDs), and SIGTERM during a slow request lets
the request finish and the process exit 0."""
from __future__ import annotations

import json
import threading
import time

import pytest
import requests

from conftest import assert_no_crash, stack_config
from helpers import (REQUEST_ID, assert_problem, assert_problem_response, raw_request,
                     request_head)
from tools.devstack.stack import Stack


def assert_still_healthy(stack):
    response = requests.get(stack.url + "/health", timeout=10)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("target", [b"/\xff\xfe/books", b"/health/\xc3\x28", b"/%ff%fe",
                                    b"/books/%C0%AF", b"/health?q=\xff\xfe", b"/health?q=%ff%fe&%c3=1",
                                    b"/health?" + b"%" * 50, b"/" + b"a" * 6000])
def test_invalid_utf8_and_odd_targets(stack, target):
    status, headers, body = raw_request(stack.url, request_head("GET", target))
    assert status < 500, (status, body[:300])
    if status >= 400:
        assert_problem(status, headers, body, status)
    assert_still_healthy(stack)


@pytest.mark.parametrize("value", [b"\xff\xfe\xfd", b"caf\xc3\xa9", b"\xc3\x28" * 40])
def test_invalid_utf8_in_headers(stack, value):
    head = request_head("GET", b"/health", {"X-Request-Id": value, "X-Garbage": value,
                                             "Accept": value})
    status, headers, body = raw_request(stack.url, head)
    assert status < 500, (status, body[:300])
    assert REQUEST_ID.match(headers.get("X-Request-Id", "")), headers
    assert_still_healthy(stack)


def test_huge_header_is_refused_by_the_web_server(stack):
    """Beyond the web server's header limit (nginx 8k buffers, lighttpd 8k fields): a 4xx."""
    head = request_head("GET", b"/health", {"X-Huge": "h" * 64 * 1024})
    status, headers, body = raw_request(stack.url, head)
    assert 400 <= status < 500
    assert_problem(status, headers, body, (400, 431))
    assert_still_healthy(stack)


def test_large_headers_within_the_web_server_limits_reach_the_app(stack):
    """Just under the web server's limits, many and long headers go to the app as FastCGI
    params; the app must bound and survive them."""
    headers = {f"X-Filler-{i}": "v" * 100 for i in range(40)}
    headers["X-Long"] = "l" * 7000
    status, answer_headers, body = raw_request(stack.url, request_head("GET", b"/health", headers))
    assert status < 500, (status, body[:300])
    assert_still_healthy(stack)


@pytest.mark.parametrize("body", [
    b"[" * 100_000,                                   # nesting far deeper than any real body
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b'{"username": "' + b"\\u" + b'"}',              # a broken escape
    b'{"username": "\\ud800"}',                       # a lone surrogate
    b'{"username": "a\x00b"}',                        # NUL inside a string
    b'{"n": 1e999999, "m": -0.0e-99999}',             # numbers out of range
    b'{"n": ' + b"9" * 5000 + b"}",
    b"\x00" * 1000,
    json.dumps({"k%d" % i: i for i in range(20000)}).encode(),
], ids=["deep-array", "deep-object", "broken-escape", "lone-surrogate", "nul", "huge-exponent",
        "long-number", "nul-bytes", "many-keys"])
def test_hostile_json_is_a_4xx(client, body):
    response = client.post("/users/register", data=body, headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert_problem_response(response, response.status_code)


def test_truncated_body_and_early_close(stack):
    """Content-Length promises more than is sent, then the client goes away."""
    import socket
    host, port = stack.url.removeprefix("http://").split(":")
    for _ in range(5):
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(request_head("POST", b"/users/register",
                                      {"Content-Type": "application/json"}, body_length=1000)
                         + b'{"username": "trunc')
    assert_still_healthy(stack)


def test_app_processes_survived_everything(stack):
    """Last in this module (pytest keeps file order): nothing above crashed an app process."""
    time.sleep(0.5)  # a process that just crashed: let multiwatch notice
    assert stack.pool.pids() == stack.initial_app_pids


def test_a_killed_app_process_is_replaced_and_service_continues(stack):
    """docs/api.md, Degraded operation: an app process dies, the process manager (multiwatch)
    starts another, and the web server keeps answering (nginx drops its kept connections to the
    dead process)."""
    import os
    import signal
    victim = stack.pool.pids()[0]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        pids = stack.pool.pids()
        if victim not in pids and len(pids) == stack.config.processes:
            break
        time.sleep(0.05)
    assert victim not in pids and len(pids) == stack.config.processes, pids
    with requests.Session() as session:
        statuses = [session.get(stack.url + "/health", timeout=10).status_code for _ in range(50)]
    assert statuses == [200] * 50
    stack.initial_app_pids = pids  # for any later check


# -- SIGTERM ---------------------------------------------------------------------------------

@pytest.fixture(params=["nginx", "lighttpd"])
def single_app_stack(request, mariadb):
    """One unsupervised app process (our own child, so its exit status is ours to read)."""
    config = stack_config(request.param, f"sigterm-{request.param}", processes=1, threads=8,
                          supervise=False, keepalive=2)
    stack = Stack(config, mariadb=mariadb).start()
    yield stack
    stack.stop()
    assert_no_crash(stack)


def test_sigterm_lets_the_request_in_flight_finish(single_app_stack):
    stack = single_app_stack
    # warm up: behind nginx this leaves idle kept FastCGI connections pinning app threads
    with requests.Session() as session:
        for _ in range(20):
            assert session.get(stack.url + "/health", timeout=10).status_code == 200

    result: dict = {}

    def slow_request():
        try:
            result["response"] = requests.get(stack.url + "/_testing/sleep?ms=1500", timeout=30)
        except requests.RequestException as error:
            result["error"] = error

    thread = threading.Thread(target=slow_request)
    thread.start()
    time.sleep(0.5)                       # the request is in the app, sleeping
    app = stack.processes.started[stack.pool.name]
    started = time.monotonic()
    app.terminate()                       # SIGTERM to the app process itself
    thread.join(30)
    assert "error" not in result, result.get("error")
    response = result["response"]
    assert response.status_code == 200, response.text
    assert response.json() == {"slept_ms": 1500}

    exit_status = app.wait(timeout=15)
    assert exit_status == 0
    assert time.monotonic() - started < 10, "the process took too long to exit"

    # the app is gone and nothing restarts it: the web server answers for it, as problem+json
    # (lighttpd's own error pages cannot carry a request id: no X-Request-Id check here)
    response = requests.get(stack.url + "/health", timeout=30)
    assert_problem(response.status_code, response.headers, response.content, (502, 503))
