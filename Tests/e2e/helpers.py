"""Assertions and raw-HTTP helpers shared by the end-to-end tests."""
from __future__ import annotations

import http.client
import json
import re
import select
import socket
import time

# RFC 9110 reason phrases (+ 429, 431 of RFC 6585): the `title` of an about:blank problem.
# Python 3.11's http.HTTPStatus still has older ones ("Request Entity Too Large" for 413).
PHRASES = {
    400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
    407: "Proxy Authentication Required", 408: "Request Timeout", 409: "Conflict", 410: "Gone",
    411: "Length Required", 412: "Precondition Failed", 413: "Content Too Large",
    414: "URI Too Long", 415: "Unsupported Media Type", 416: "Range Not Satisfiable",
    417: "Expectation Failed", 421: "Misdirected Request", 422: "Unprocessable Content",
    426: "Upgrade Required", 428: "Precondition Required", 429: "Too Many Requests",
    431: "Request Header Fields Too Large", 500: "Internal Server Error", 501: "Not Implemented",
    502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
}
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def read_stored(get, path: str, **kwargs):
    """The read after a `MISS` of `path`: the answer that `MISS` stored. A miss stores its answer
    without waiting for memcached's acknowledgement (docs/architecture.md, "Stores without a
    reply"), so a read that reaches memcached on another connection first misses once more; on
    a loaded machine that is about 1 read in 2,000. Reads until the answer is no longer a
    `MISS` (at most 2 s) with `get` (e.g. a session's `get`) and returns that answer, for the
    caller to check it is the `HIT`."""
    deadline = time.monotonic() + 2
    while True:
        response = get(path, **kwargs)
        if response.headers.get("X-Cache") != "MISS" or time.monotonic() > deadline:
            return response
        time.sleep(0.01)


def media_type(headers) -> str:
    return (headers.get("Content-Type") or "").split(";")[0].strip().lower()


def assert_problem(status: int, headers, body: bytes, expected: int | tuple[int, ...]) -> dict:
    """An RFC 9457 problem: the status, problem+json, about:blank, title = the phrase."""
    expected = (expected,) if isinstance(expected, int) else expected
    assert status in expected, f"status {status}, expected {expected}: {body[:300]!r}"
    assert media_type(headers) == "application/problem+json", (headers, body[:300])
    problem = json.loads(body)
    assert problem["type"] == "about:blank"
    assert problem["status"] == status
    assert problem["title"] == PHRASES.get(status), f"title {problem['title']!r} for {status}"
    assert isinstance(problem.get("detail"), str) and problem["detail"]
    return problem


def assert_problem_response(response, expected) -> dict:
    """assert_problem for a requests.Response, which also carries an X-Request-Id."""
    problem = assert_problem(response.status_code, response.headers, response.content, expected)
    assert REQUEST_ID.match(response.headers.get("X-Request-Id", "")), response.headers
    return problem


def raw_request(url: str, head: bytes, body: bytes = b"", source: str | None = None,
                timeout: float = 30) -> tuple[int, http.client.HTTPMessage, bytes]:
    """Send bytes exactly as given (bad UTF-8, huge headers, bodies the server refuses) and read
    the answer. Stops sending the body as soon as the server answers early, like curl does."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=timeout,
                                    source_address=(source, 0) if source else None)
    try:
        try:
            sock.sendall(head)
            for start in range(0, len(body), 65536):
                if select.select([sock], [], [], 0)[0]:
                    break                      # an early answer (413): stop sending
                sock.sendall(body[start:start + 65536])
        except (BrokenPipeError, ConnectionResetError):
            pass                               # the server closed: read what it said
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.msg, response.read()
    finally:
        sock.close()


def request_head(method: str, target: bytes, headers: dict[str, bytes | str] | None = None,
                 body_length: int | None = None) -> bytes:
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1",
             b"Connection: close"]
    for name, value in (headers or {}).items():
        lines.append(name.encode() + b": " + (value if isinstance(value, bytes) else value.encode()))
    if body_length is not None:
        lines.append(b"Content-Length: " + str(body_length).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n"
