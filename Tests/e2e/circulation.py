"""Helpers shared by the books, loans and race tests: accounts, tokens, books, and direct SQL
for what the API deliberately cannot do (making a loan overdue)."""
from __future__ import annotations

import subprocess
import uuid

import requests

from tools.devstack.stack import ADMIN_EMAIL

PASSWORD = "correct horse battery"


def tag(prefix: str = "t") -> str:
    """A unique word for this test: letters and digits only, so it is one search word."""
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def login(client, email: str, password: str = PASSWORD) -> str:
    response = client.post("/users/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["token"]


def admin_login(stack, client) -> str:
    return login(client, ADMIN_EMAIL, stack.secrets["admin_password"])


def new_user(client) -> tuple[dict, str]:
    """A registered user and a token of theirs."""
    name = tag("u")
    response = client.post("/users/register", json={"username": name, "email": f"{name}@example.com", "password": PASSWORD})
    assert response.status_code == 201, response.text
    user = response.json()
    return user, login(client, user["email"])


def isbn13(body12: str) -> str:
    digits = [int(c) for c in body12]
    check = (10 - sum(d * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits)) % 10) % 10
    return body12 + str(check)


def isbn10_of(isbn13_text: str) -> str:
    """The ISBN-10 of a 978 ISBN-13."""
    body = isbn13_text[3:12]
    total = sum((10 - i) * int(c) for i, c in enumerate(body))
    check = (11 - total % 11) % 11
    return body + ("X" if check == 10 else str(check))


def unique_isbn() -> str:
    return isbn13("978" + str(uuid.uuid4().int % 10**9).zfill(9))


def make_book(client, admin: str, **fields) -> dict:
    body = {"title": f"Book {tag()}", "author": f"Author {tag()}", "isbn": unique_isbn(), **fields}
    response = client.post("/books", headers=bearer(admin), json=body)
    assert response.status_code == 201, response.text
    return response.json()


def borrow(client, token: str, book_id: int, **extra) -> requests.Response:
    return client.post("/loans", headers=bearer(token), json={"book_id": book_id, **extra})


def sql(stack, statement: str) -> str:
    """Runs SQL in the stack's database as the MariaDB root user (over the unix socket)."""
    done = subprocess.run(["mariadb", "--no-defaults", f"--socket={stack.mariadb.socket}", "--user=root", "--batch",
                           "--skip-column-names", stack.config.database, "-e", statement],
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


def links(response) -> dict[str, str]:
    return {link["rel"]: link["url"] for link in requests.utils.parse_header_links(response.headers.get("Link", ""))}
