"""Request bodies (docs/api.md, Conventions), against POST /users/register: 413 over 1 MiB,
415 without application/json, 400 for a body that is not a JSON object. Through nginx and
lighttpd."""
from __future__ import annotations

import pytest

from helpers import assert_problem, assert_problem_response, raw_request, request_head

MiB = 1024 * 1024
VALID = {"username": "e2e_user", "email": "e2e@example.org", "password": "correct horse battery"}


def post_raw(stack, body: bytes, content_type: str = "application/json"):
    head = request_head("POST", b"/users/register", {"Content-Type": content_type},
                        body_length=len(body))
    return raw_request(stack.url, head, body)


@pytest.mark.parametrize("size", [MiB + 1, 3 * MiB], ids=["1MiB+1", "3MiB"])
def test_body_over_1_mib_is_413_problem(stack, size):
    """Just over the limit (nginx's client_max_body_size, or the app behind lighttpd) and far
    over it (lighttpd's own server.max-request-size): a problem+json 413 either way."""
    body = b'{"username": "' + b"x" * (size - 16) + b'"}'
    assert len(body) == size
    status, headers, answer = post_raw(stack, body)
    assert_problem(status, headers, answer, 413)


def test_body_of_1_mib_is_not_413(client):
    """At the limit exactly, the body is read (and refused for its content, not its size)."""
    body = b'{"username": "' + b"x" * (1024 * 1024 - 16) + b'"}'
    response = client.post("/users/register", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code != 413
    assert response.status_code < 500, response.text


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_body_that_is_not_json_media_type_is_415(client, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/users/register", data=b'{"username": "x"}', headers=headers)
    assert_problem_response(response, 415)


@pytest.mark.parametrize("body", [b"{bad json", b"[1, 2, 3]", b'"a string"', b"",
                                  b'{"username": "x"', b"\xff\xfe{}", b"{}{}"],
                         ids=["malformed", "array", "string", "empty", "truncated",
                              "invalid-utf8", "two-objects"])
def test_body_that_is_not_a_json_object_is_400(client, body):
    response = client.post("/users/register", data=body,
                           headers={"Content-Type": "application/json"})
    assert_problem_response(response, 400)


def test_json_content_type_with_charset_is_accepted(client):
    response = client.post("/users/register", data=b"{bad json",
                           headers={"Content-Type": "application/json; charset=utf-8"})
    assert_problem_response(response, 400)  # read as JSON (so 400, not 415)
