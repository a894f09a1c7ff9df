"""Overload (docs/api.md, Degraded operation): a request that waited too long before a worker
could start it is refused at once with 503 and Retry-After, never left to time out. nginx
passes the time it began the request (REQUEST_START = $msec); these tests send it straight to
the app's FastCGI socket, as nginx would after the request had queued."""
from __future__ import annotations

import json
import time

from fastcgi_client import request


def health(stack, started: float | None) -> tuple[int, dict[str, str], bytes]:
    params = {"REQUEST_METHOD": "GET", "REQUEST_URI": "/health", "REMOTE_ADDR": "127.0.0.1"}
    if started is not None:
        params["REQUEST_START"] = f"{started:.3f}"
    return request(str(stack.run / "app.sock"), params)


def test_a_request_that_waited_too_long_is_refused_at_once(stack):
    before = time.monotonic()
    status, headers, body = health(stack, time.time() - 5)  # queued for 5 s
    assert time.monotonic() - before < 1
    assert status == 503
    assert headers["Retry-After"] == "1"
    assert headers["Content-Type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == 503 and "overloaded" in problem["detail"]


def test_a_request_started_at_once_is_served(stack):
    assert health(stack, time.time())[0] == 200
    assert health(stack, None)[0] == 200  # no start time (lighttpd): never refused


def test_the_refusals_are_counted(stack, client):
    # Each process counts its own: refuse and scrape often enough to meet both processes.
    for _ in range(10):
        health(stack, time.time() - 5)
    counts = []
    for _ in range(10):
        counts += [float(line.split()[-1]) for line in client.get("/metrics").text.splitlines()
                   if line.startswith("library_overload_rejections_total")]
    assert counts and max(counts) >= 1, counts
