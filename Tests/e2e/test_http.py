"""The HTTP conventions (docs/api.md, Conventions), through nginx and through lighttpd."""
from __future__ import annotations

import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from helpers import (REQUEST_ID, assert_problem, assert_problem_response, media_type,
                     raw_request, request_head)


def test_health_is_200_json(client):
    response = client.get("/health")
    assert response.status_code == 200, response.text
    assert media_type(response.headers) == "application/json"
    assert response.json()["status"] == "ok"
    assert REQUEST_ID.match(response.headers["X-Request-Id"])


def test_unknown_path_is_404_problem(client):
    response = client.get("/no/such/thing")
    assert_problem_response(response, 404)


def test_wrong_method_is_405_with_allow(client):
    response = client.delete("/health")
    assert_problem_response(response, 405)
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert allowed == {"GET", "HEAD"}


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND"])
def test_other_methods_are_answered_by_the_app(client, method):
    """Methods the API never serves get the app's answer, not the web server's: a problem with
    Allow on a known path (nginx answers TRACE by itself unless its 405s go to the app:
    `error_page 405 = @app` in conf/nginx), 404 on an unknown one."""
    response = client.request(method, "/books")
    assert_problem_response(response, 405)
    assert {m.strip() for m in response.headers["Allow"].split(",")} == {"GET", "HEAD", "POST"}
    assert_problem_response(client.request(method, "/no/such/thing"), 404)


@pytest.mark.parametrize("target", [b"/no/such%0Athing", b"/no/such%7F?x=%00&y=%0D%0A", b"/no/such?%00=1"])
def test_encoded_control_characters_reach_the_app(stack, target):
    """A percent-encoded control character in the path or query is the app's to judge, through
    either server: its own problem with X-Request-Id (lighttpd refuses them by itself with a
    bare 400 unless url-ctrls-reject is disabled: server.http-parseopts in conf/lighttpd)."""
    status, headers, body = raw_request(stack.url, request_head("GET", target))
    assert_problem(status, headers, body, 404)
    assert REQUEST_ID.match(headers.get("X-Request-Id", "")), headers
    assert b"No resource at" in body, body
    status, headers, body = raw_request(stack.url, request_head("GET", b"/health?probe=%00%0A"))
    assert status == 200 and REQUEST_ID.match(headers.get("X-Request-Id", "")), (status, body)


@pytest.mark.parametrize("target", [b"/books%00", b"/static/swagger-ui/swagger-ui.css%00.png"])
def test_an_encoded_nul_in_the_path_is_a_problem(stack, target):
    """nginx refuses %00 in the path by itself (400; before its error page went to a URI rather
    than a named location, an HTML 500), lighttpd hands it on (the app's, or a static file's,
    404): a problem with X-Request-Id either way, never a file served under a truncated name."""
    status, headers, body = raw_request(stack.url, request_head("GET", target))
    assert_problem(status, headers, body, 400 if stack.config.server == "nginx" else 404)
    if not target.startswith(b"/static/") or stack.config.server == "nginx":
        assert REQUEST_ID.match(headers.get("X-Request-Id", "")), headers


def test_a_get_with_a_body_reaches_the_app(stack):
    """nginx passes it on; lighttpd too with method-get-body enabled (conf/lighttpd). The app
    ignores the body of a GET."""
    body = b'{"ignored": true}'
    head = request_head("GET", b"/health", {"Content-Type": "application/json"}, body_length=len(body))
    status, headers, answer = raw_request(stack.url, head, body)
    assert status == 200, answer
    assert REQUEST_ID.match(headers.get("X-Request-Id", "")), headers
    assert json.loads(answer)["status"] == "ok"


def test_head_has_no_body_and_keeps_the_connection_usable(stack):
    """HEAD answers like GET without a body: a stray body would corrupt the next answer on the
    same connection, so ask twice on one connection."""
    host, port = stack.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("HEAD", "/health")
        head = connection.getresponse()
        assert head.status == 200
        assert head.read() == b""
        assert media_type(head.headers) == "application/json"
        assert REQUEST_ID.match(head.headers["X-Request-Id"])
        connection.request("GET", "/health")
        get = connection.getresponse()
        assert get.status == 200
        assert get.read().startswith(b"{")
    finally:
        connection.close()


def test_request_id_is_generated_when_absent(client):
    first = client.get("/health").headers["X-Request-Id"]
    second = client.get("/health").headers["X-Request-Id"]
    assert REQUEST_ID.match(first) and REQUEST_ID.match(second)
    assert first != second


@pytest.mark.parametrize("incoming", ["e2e-4f1c.9A:b_7", "0123456789abcdef0123456789abcdef"])
def test_well_formed_request_id_is_echoed(client, incoming):
    assert client.get("/health", headers={"X-Request-Id": incoming}).headers["X-Request-Id"] == incoming
    # on errors too
    assert client.get("/nope", headers={"X-Request-Id": incoming}).headers["X-Request-Id"] == incoming


@pytest.mark.parametrize("incoming", ["has spaces in it", "x" * 300, "semi;colon", "quo\"te"])
def test_malformed_request_id_is_replaced(client, incoming):
    outgoing = client.get("/health", headers={"X-Request-Id": incoming}).headers["X-Request-Id"]
    assert outgoing != incoming
    assert REQUEST_ID.match(outgoing)


def test_request_id_is_in_the_access_logs(stack, client):
    """The web server's access log and the app's log both show the request id."""
    request_id = f"e2e-log-{time.monotonic_ns()}"
    assert client.get("/health", headers={"X-Request-Id": request_id}).status_code == 200
    logs = stack.run / "logs"
    deadline = time.monotonic() + 5  # lighttpd and the app may buffer their log lines a moment
    while True:
        web = (logs / f"{stack.config.server}-access.log").read_text(errors="replace")
        app = (logs / "app.log").read_text(errors="replace")
        if (request_id in web and request_id in app) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert request_id in web, "not in the web server's access log"
    assert request_id in app, "not in the app's log"


def test_500_sequential_requests_on_kept_alive_connections(client):
    """One client connection, and behind nginx kept FastCGI connections (fastcgi_keep_conn):
    every answer arrives, complete and in order."""
    ids = set()
    for i in range(500):
        response = client.get("/health", headers={"X-Request-Id": f"seq-{i}"})
        assert response.status_code == 200, (i, response.text)
        assert response.headers["X-Request-Id"] == f"seq-{i}"
        assert response.json()["status"] == "ok"
        ids.add(response.headers["X-Request-Id"])
    assert len(ids) == 500


def test_concurrent_clients_are_all_served(stack):
    """More concurrent clients than nginx keeps idle upstream connections: none starves."""
    import requests

    def worker(n: int) -> list[int]:
        with requests.Session() as session:
            return [session.get(stack.url + "/health", timeout=30).status_code for _ in range(50)]

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = [s for batch in pool.map(worker, range(12)) for s in batch]
    assert statuses == [200] * 600


def test_metrics_refused_from_a_non_loopback_address(stack):
    """The web server lets only 127.0.0.1 and ::1 see /metrics: 127.0.0.2 is refused by the web
    server itself (403 problem) before the app sees it."""
    status, headers, body = raw_request(stack.url, request_head("GET", b"/metrics"),
                                        source="127.0.0.2")
    assert_problem(status, headers, body, 403)


def test_static_missing_file_is_404_problem(client):
    """Served by the web server from disk, not by the app (so no X-Request-Id from lighttpd)."""
    response = client.get("/static/no-such-file.css")
    assert_problem(response.status_code, response.headers, response.content, 404)
