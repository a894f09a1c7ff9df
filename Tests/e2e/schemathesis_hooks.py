"""Schemathesis hooks for Tests/e2e/test_openapi.py (loaded with SCHEMATHESIS_HOOKS).

Runs inside the tools venv's schemathesis, not under pytest. It keeps the run's own admin
account alive while every operation is exercised with a real token:

* every operation authenticates as the stack's admin (token from LIBRARY_ST_ADMIN_TOKEN),
  except POST /users/logout and DELETE /users/me, which would revoke that token or delete
  that account: those get a throwaway user, registered and logged in for each call;
* PATCH and DELETE /users/{id} aimed at the admin's own id are re-aimed at an id that does
  not exist (404), so a generated case cannot delete, demote or re-address the admin;
* a generated If-Match on PUT, PATCH and DELETE /books/{id} becomes `*`: a fuzzer cannot know
  a book's current ETag, so its tags are always stale, and a stale tag is `412` before the body
  is validated (docs/api.md), which schemathesis's negative-data check would count as an
  invalid body accepted. `*` still goes through the conditional path; stale tags, lists and
  the order of the checks are tested in test_conditional_writes.py.

It also teaches schemathesis the document's `format: isbn` (an ISBN-10 or ISBN-13 with a valid
check digit, hyphens and spaces allowed): a regular expression cannot say "valid check digit",
so without it nearly every generated book is refused for its ISBN and the 201/200 answers of
POST and PUT /books are hardly ever checked. Negative cases are generated as before.
"""
from __future__ import annotations

import json
import os
import secrets
import urllib.request

import schemathesis
from hypothesis import strategies as st

BASE_URL = os.environ["LIBRARY_ST_BASE_URL"]
ADMIN_TOKEN = os.environ["LIBRARY_ST_ADMIN_TOKEN"]
ADMIN_ID = str(os.environ["LIBRARY_ST_ADMIN_ID"])
SELF_DESTRUCTIVE = ["logoutUser", "deleteMe"]  # a list: schemathesis matches a tuple as one value
ABSENT_ID = 9_000_000_000_000_000_000


def _post(path: str, body: dict) -> dict:
    request = urllib.request.Request(BASE_URL + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _isbn13(first12: str) -> str:
    check = (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first12)) % 10) % 10
    return first12 + str(check)


def _isbn10(first9: str) -> str:
    check = (11 - sum(int(d) * (10 - i) for i, d in enumerate(first9)) % 11) % 11
    return first9 + ("X" if check == 10 else str(check))


def _spell(digits: str, separator: str) -> str:
    """978-0-262-51087-5 style, or the bare digits."""
    if not separator:
        return digits
    cut = [3, 4, 7, 12] if len(digits) == 13 else [1, 4, 9]
    parts, start = [], 0
    for end in cut + [len(digits)]:
        parts.append(digits[start:end])
        start = end
    return separator.join(part for part in parts if part)


ISBNS = st.one_of(
    st.tuples(st.sampled_from(["978", "979"]), st.text("0123456789", min_size=9, max_size=9))
      .map(lambda t: _isbn13(t[0] + t[1])),
    st.text("0123456789", min_size=9, max_size=9).map(_isbn10),
).flatmap(lambda digits: st.sampled_from(["", "-", " "]).map(lambda sep: _spell(digits, sep)))
schemathesis.openapi.format("isbn", ISBNS)


@schemathesis.auth(refresh_interval=None).skip_for(operation_id=SELF_DESTRUCTIVE)
class AdminToken:
    def get(self, case, ctx):
        return ADMIN_TOKEN

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.auth(refresh_interval=None).apply_to(operation_id=SELF_DESTRUCTIVE)
class ThrowawayUserToken:
    def get(self, case, ctx):
        name = "st_" + secrets.token_hex(8)
        password = secrets.token_hex(12)
        _post("/users/register", {"username": name, "email": f"{name}@example.org", "password": password})
        return _post("/users/login", {"email": f"{name}@example.org", "password": password})["token"]

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    operation = case.operation
    if operation.path == "/books/{id}" and case.headers and "If-Match" in case.headers:
        case.headers["If-Match"] = "*"
    if operation.path == "/users/{id}" and operation.method.upper() in ("PATCH", "DELETE"):
        if str((case.path_parameters or {}).get("id")) == ADMIN_ID:
            case.path_parameters["id"] = ABSENT_ID
