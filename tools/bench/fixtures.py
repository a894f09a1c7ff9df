"""The bench's users, tokens and books: a reader who logs in for real, and the borrow+return
cycle's users and books, made directly in SQL (the cycle needs hundreds of users, and
registering each would cost a scrypt hash at production cost).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..devstack.process import StartError
from ..devstack.stack import Stack

READER = {"username": "bench-reader", "email": "bench-reader@example.org"}
CYCLE_PREFIX = "bench-cycle-"


# -- HTTP with the standard library ----------------------------------------------------------
def call(url: str, method: str = "GET", body: dict | None = None,
         token: str | None = None) -> tuple[int, dict[str, str], object]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, headers, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, dict(error.headers), error.read()
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = raw.decode(errors="replace")
    return status, headers, payload


# Fields nginx adds or rewrites itself: not part of what the app writes.
NGINX_OWN_FIELDS = {"server", "date", "connection", "keep-alive", "transfer-encoding"}


def cgi_answer(stack: Stack, path: str, token: str | None) -> bytes:
    """The bytes the app writes to nginx for GET `path` when its answer is cached (`X-Cache:
    HIT`, from the second call on), rebuilt from what nginx forwards: a CGI `Status:` line, the
    app's fields in order, the body."""
    for attempt in range(5):
        if attempt > 1:
            time.sleep(0.1)  # the first answer's store goes out without a reply: let it land
        request = urllib.request.Request(stack.url + path)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            status, reason, fields, body = response.status, response.reason, response.headers.items(), response.read()
        if attempt > 0 and response.headers.get("X-Cache", "HIT") == "HIT":
            break
    if status != 200:
        raise StartError(f"GET {path}: {status}")
    lines = [f"Status: {status} {reason}"] + [f"{name}: {value}" for name, value in fields
                                              if name.lower() not in NGINX_OWN_FIELDS]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def reader(stack: Stack) -> tuple[dict[str, str], str]:
    """The bench's normal user (registered once, its password kept in <run>/bench-user.json)
    and a token from a real login."""
    path = stack.run / "bench-user.json"
    saved = json.loads(path.read_text()) if path.exists() else {}
    user = {**READER, "password": secrets.token_hex(12), **saved}
    if not saved:
        path.write_text(json.dumps(user) + "\n")
        path.chmod(0o600)
    status, _, payload = call(stack.url + "/users/register", "POST", user)
    if status not in (201, 409):
        raise StartError(f"POST /users/register: {status} {payload}")
    status, _, payload = call(stack.url + "/users/login", "POST",
                              {"email": user["email"], "password": user["password"]})
    if status != 200 or not isinstance(payload, dict) or "token" not in payload:
        raise StartError(f"POST /users/login as {user['email']}: {status} {payload}")
    return user, payload["token"]


# -- SQL as the database's root, over its socket ---------------------------------------------
def sql(stack: Stack, statements: str) -> list[list[str]]:
    done = subprocess.run(
        ["mariadb", "--no-defaults", f"--socket={stack.mariadb.socket}", "--user=root",
         "--batch", "--skip-column-names", stack.config.database],
        input=statements, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise StartError(f"SQL failed: {done.stderr.strip()}\n{statements}")
    return [line.split("\t") for line in done.stdout.splitlines()]


# -- tokens, signed as the app signs them (Sources/Security/JWT.swift, JWTClaims.swift) -------
def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint_token(secret_key: str, user_id: int, session_version: int, lifetime: int = 7200) -> str:
    now = int(time.time())
    header = _b64url(b'{"alg":"HS256","typ":"JWT"}')
    # the app's key order; `sv` as the app puts it in every token it issues
    claims = {"sub": str(user_id), "role": "user", "iat": now, "exp": now + lifetime,
              "jti": secrets.token_hex(16), "sv": session_version}
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret_key.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


# -- the borrow+return cycle ------------------------------------------------------------------
@dataclass
class Pair:
    user_id: int
    book_id: int
    token: str


def cycle_pairs(stack: Stack, count: int) -> list[Pair]:
    """`count` users (bench-cycle-1..count) and as many books, each user cycling its own book.

    Their loans of earlier benches are deleted first (every bench starts from the same loans
    table), copies_available is recounted from the active loans (so it stays consistent with
    copies_total), and the books taken have no active loan at all."""
    names = [f"{CYCLE_PREFIX}{n}" for n in range(1, count + 1)]
    rows = ",\n".join(f"('{n}', '{n}@example.org', @hash, 'user')" for n in names)
    sql(stack, f"""
        SET @hash = (SELECT password_hash FROM users WHERE username = '{READER["username"]}');
        INSERT IGNORE INTO users (username, email, password_hash, role) VALUES
        {rows};
        DELETE FROM loans WHERE user_id IN
            (SELECT id FROM users WHERE username LIKE '{CYCLE_PREFIX}%');
        UPDATE books b SET copies_available = copies_total -
            (SELECT COUNT(*) FROM loans l WHERE l.book_id = b.id AND l.returned_at IS NULL);
    """)
    if counts_active_loans(stack):
        sql(stack, f"""
            UPDATE users u SET u.active_loans = (SELECT COUNT(*) FROM loans l WHERE l.user_id = u.id
                AND l.returned_at IS NULL), u.updated_at = u.updated_at WHERE u.username LIKE '{CYCLE_PREFIX}%';""")
    users = sql(stack, f"SELECT id, session_version FROM users WHERE username LIKE "
                       f"'{CYCLE_PREFIX}%' ORDER BY id LIMIT {count};")
    books = sql(stack, f"SELECT id FROM books WHERE copies_total >= 1 AND "
                       f"copies_available = copies_total ORDER BY id DESC LIMIT {count};")
    if len(users) < count or len(books) < count:
        raise StartError(f"borrow+return needs {count} users and books: found {len(users)} "
                         f"users, {len(books)} books without loans")
    secret = stack.secrets["secret_key"]
    return [Pair(int(u[0]), int(b[0]), mint_token(secret, int(u[0]), int(u[1])))
            for u, b in zip(users, books)]


def counts_active_loans(stack: Stack) -> bool:
    """Whether the schema keeps users.active_loans (sql/005; bench-check may run older code)."""
    return sql(stack, "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() "
                      "AND table_name = 'users' AND column_name = 'active_loans';") == [["1"]]


def write_pairs(stack: Stack, pairs: list[Pair], path: Path) -> None:
    """The pairs file of lua/borrow_return.lua, with each pair's active loan as it is now (a
    run may end between a borrow and its return)."""
    # wrk stops with requests still in flight; the app finishes them after wrk has gone. Read
    # the loans once they have landed, or a borrow committing just after the read would make
    # the next run borrow that book again (a 409).
    time.sleep(1.0)
    ids = ",".join(str(p.user_id) for p in pairs)
    active = {int(user): (int(loan), int(book)) for user, loan, book in sql(
        stack, f"SELECT user_id, id, book_id FROM loans WHERE user_id IN ({ids}) "
               "AND returned_at IS NULL;")}
    lines = []
    for p in pairs:
        loan, book = active.get(p.user_id, (0, p.book_id))
        if book != p.book_id:
            raise StartError(f"user {p.user_id} holds book {book}, not its own {p.book_id}")
        lines.append(f"{p.token} {p.book_id} {loan}\n")
    path.write_text("".join(lines))
    path.chmod(0o600)


def cycle_state(stack: Stack, pairs: list[Pair]) -> tuple[int, int, int]:
    """(loans made, loans still active, books whose copies_available and users whose
    active_loans disagree with their active loans): after the bench, the check that
    borrow+return kept the counts consistent."""
    users = ",".join(str(p.user_id) for p in pairs)
    books = ",".join(str(p.book_id) for p in pairs)
    [[made, active]] = sql(stack, f"SELECT COUNT(*), COALESCE(SUM(returned_at IS NULL), 0) "
                                  f"FROM loans WHERE user_id IN ({users});")
    [[inconsistent]] = sql(stack, f"""
        SELECT COUNT(*) FROM books b WHERE b.id IN ({books}) AND b.copies_available <>
            b.copies_total - (SELECT COUNT(*) FROM loans l WHERE l.book_id = b.id AND l.returned_at IS NULL);""")
    if counts_active_loans(stack):
        [[miscounted]] = sql(stack, f"""
            SELECT COUNT(*) FROM users u WHERE u.id IN ({users}) AND u.active_loans <>
                (SELECT COUNT(*) FROM loans l WHERE l.user_id = u.id AND l.returned_at IS NULL);""")
        inconsistent = int(inconsistent) + int(miscounted)
    return int(made), int(active), int(inconsistent)
