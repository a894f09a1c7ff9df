"""The users and books the load acts on, made in SQL (a token is signed as the app signs it:
registering and logging in would cost a scrypt hash each), and the invariants of the contract
checked in SQL once the load has stopped."""
from __future__ import annotations

from dataclasses import dataclass

from ..bench.fixtures import mint_token, sql
from ..devstack.stack import ADMIN_USERNAME, Stack
from .load import Ledger, Population

READER_PREFIX = "drill-reader-"
WRITER_PREFIX = "drill-writer-"
MAX_ACTIVE_LOANS = 5    # the app's default, which the drill stacks keep
WRITE_BOOKS = 12        # few books of 2 copies each: the writers race for copies


def make_population(stack: Stack, readers: int, writers: int) -> Population:
    names = [f"{READER_PREFIX}{n}" for n in range(readers)] + [f"{WRITER_PREFIX}{n}" for n in range(writers)]
    rows = ",\n".join(f"('{n}', '{n}@example.org', @hash, 'user')" for n in names)
    sql(stack, f"""
        SET @hash = (SELECT password_hash FROM users WHERE username = '{ADMIN_USERNAME}');
        INSERT IGNORE INTO users (username, email, password_hash, role) VALUES
        {rows};
        UPDATE books SET copies_total = 2, copies_available = 2
            WHERE id IN (SELECT id FROM (SELECT id FROM books ORDER BY id LIMIT {WRITE_BOOKS}) AS first);""")
    secret = stack.secrets["secret_key"]

    def users(prefix: str) -> list[tuple[int, str]]:
        found = sql(stack, f"SELECT id, session_version FROM users WHERE username LIKE '{prefix}%' ORDER BY id;")
        return [(int(uid), mint_token(secret, int(uid), int(version), lifetime=4 * 3600))
                for uid, version in found]

    books = [int(row[0]) for row in sql(stack, "SELECT id FROM books ORDER BY id;")]
    return Population(reader_tokens=[token for _, token in users(READER_PREFIX)],
                      writers=users(WRITER_PREFIX), read_books=books[WRITE_BOOKS:],
                      write_books=books[:WRITE_BOOKS])


@dataclass
class Invariants:
    """Each list holds what breaks that invariant (empty: it holds)."""
    copies: list[str]        # books whose copies_available != copies_total - active loans
    loan_limit: list[str]    # users over MAX_ACTIVE_LOANS active loans
    loans_made: str          # "" or how the loans in the database differ from what the API said
    loans_returned: str

    @property
    def broken(self) -> list[str]:
        found = []
        if self.copies:
            found.append(f"copies_available wrong for books {', '.join(self.copies)}")
        if self.loan_limit:
            found.append(f"over {MAX_ACTIVE_LOANS} active loans: users {', '.join(self.loan_limit)}")
        return found + [text for text in (self.loans_made, self.loans_returned) if text]


def check_invariants(stack: Stack, ledger: Ledger) -> Invariants:
    copies = sql(stack, """
        SELECT b.id FROM books b LEFT JOIN loans l ON l.book_id = b.id AND l.returned_at IS NULL
        GROUP BY b.id HAVING MAX(b.copies_available) <> MAX(b.copies_total) - COUNT(l.id)
            OR MAX(b.copies_available) < 0 OR MAX(b.copies_available) > MAX(b.copies_total);""")
    limit = sql(stack, f"""
        SELECT user_id FROM loans WHERE returned_at IS NULL
        GROUP BY user_id HAVING COUNT(*) > {MAX_ACTIVE_LOANS};""")
    [[made, returned]] = sql(stack, f"""
        SELECT COUNT(*), COALESCE(SUM(l.returned_at IS NOT NULL), 0) FROM loans l
        JOIN users u ON u.id = l.user_id WHERE u.username LIKE '{WRITER_PREFIX}%';""")
    return Invariants(
        copies=[row[0] for row in copies], loan_limit=[row[0] for row in limit],
        loans_made=_within("loans made", int(made), ledger.created, ledger.unknown_borrows),
        loans_returned=_within("loans returned", int(returned), ledger.returned, ledger.unknown_returns))


def _within(what: str, found: int, told: int, unknown: int) -> str:
    """The database must hold every loan the API confirmed, and at most the unconfirmed ones
    besides (a borrow whose answer was lost may have been made, whole, or not at all)."""
    if told <= found <= told + unknown:
        return ""
    return f"{what}: {found} in the database, {told} confirmed (+ at most {unknown} unconfirmed)"
