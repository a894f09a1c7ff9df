"""What the bench measures: each scenario's request, script, connection counts, and the pool
whose CPU it costs.

The hello scenarios are the FastCGI floor of this machine (nginx -> a C responder on the same
process model as the app); every other row is divided by the hello row of the same connection
count.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..devstack.stack import Stack
from . import fixtures
from .wrk import WrkResult

# The Flask design (gunicorn, 5 sync workers, behind nginx): its figures measured on this kind
# of machine, from the project's notes. Not measured by the bench; printed beside ours.
FLASK_REQ_S = {"health": 870.0, "book-list": 540.0}

LIST_MISS_COMBINATIONS = 500 * 20 * 6 * 3   # see lua/list_miss.lua

# The shaped C floor's location: /_bench/shaped/<key> answers what the app answers for the read
# scenario <key> (fcgi_hello.c, mode `shaped`).
SHAPED_PREFIX = "/_bench/shaped"


@dataclass
class Scenario:
    key: str
    title: str
    path: str
    connections: tuple[int, ...]
    pool: str = "app"                    # whose CPU and context switches count
    script: str = "common.lua"
    token: str | None = None             # bearer token sent as a header
    args: Callable[[int], list[str]] = lambda threads: []   # after `--`, given wrk's -t
    before: Callable[[], None] = lambda: None               # before each wrk run
    after: Callable[[WrkResult], None] = lambda result: None
    notes: Callable[[], str] = lambda: ""                   # for the report

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


@dataclass
class MissingListWalk:
    """Where lua/list_miss.lua starts: a random index per bench, then on from the last run,
    so that no query repeats within the bench (until all 180k have been used)."""
    start: int = field(default_factory=lambda: random.randrange(LIST_MISS_COMBINATIONS))
    used: int = 0

    def args(self, threads: int) -> list[str]:
        return [str(self.start + self.used), str(threads)]

    def advance(self, result: WrkResult) -> None:
        # every thread skips to the end of the furthest one: indices stay disjoint
        self.used += max(result.issued_per_thread, default=0) * len(result.issued_per_thread)

    def notes(self) -> str:
        wrapped = self.used > LIST_MISS_COMBINATIONS
        return (f"walked {self.used:,} of {LIST_MISS_COMBINATIONS:,} queries from index {self.start}"
                + (" (WRAPPED: queries repeated)" if wrapped else ", none repeated"))


@dataclass
class BorrowCycle:
    """The users, books and tokens of lua/borrow_return.lua, and its pairs file."""
    stack: Stack
    pairs: list[fixtures.Pair]
    path: Path

    def before(self) -> None:
        fixtures.write_pairs(self.stack, self.pairs, self.path)

    def args(self, threads: int) -> list[str]:
        return [str(self.path), str(threads)]

    def notes(self) -> str:
        made, active, inconsistent = fixtures.cycle_state(self.stack, self.pairs)
        return (f"{len(self.pairs)} (user, book) pairs, {made:,} loans made, {active} still active; "
                + (f"{inconsistent} books or users INCONSISTENT (copies_available, active_loans vs active loans)"
                   if inconsistent else "copies_available and active_loans consistent with the active loans"))


def read_scenarios(token: str, book_id: int, connections: tuple[int, ...]) -> list[Scenario]:
    """The cached and uncached reads bench-check compares too."""
    return [
        Scenario("health", "GET /health", "/health", connections),
        Scenario("me", "GET /users/me", "/users/me", connections, token=token),
        Scenario("book", f"GET /books/{book_id} (cached)", f"/books/{book_id}", connections, token=token),
        Scenario("book-list", "GET /books?page=2&per_page=20 (cached)", "/books?page=2&per_page=20",
                 connections, token=token),
    ]


def all_scenarios(stack: Stack, token: str, book_id: int, login_body: Path,
                  cycle: BorrowCycle, walk: MissingListWalk, *, base: tuple[int, ...],
                  high: tuple[int, ...], login: tuple[int, ...]) -> list[Scenario]:
    """The full bench: `base` connection counts for every scenario, `high` ones more for the
    hello and the cached book, login last at `login` connections."""
    reads = read_scenarios(token, book_id, base)
    for s in reads:
        if s.key == "book":
            s.connections = base + high
    return [
        Scenario("hello", "C hello", "/_bench/hello", base + high, pool="hello"),
        Scenario("hello-memcached", "C hello + 1 memcached get", "/_bench/hello-memcached", base,
                 pool="hello-memcached"),
        Scenario("hello-counted", "C hello + noreply incr + get", "/_bench/hello-counted", base,
                 pool="hello-counted"),
        Scenario("hello-one-write", "C hello + incr + get, one write", "/_bench/hello-one-write", base,
                 pool="hello-one-write"),
        *(Scenario(f"shaped-{s.key}", f"C floor shaped as {s.title}", f"{SHAPED_PREFIX}/{s.key}", base,
                   pool="hello-shaped", token=s.token) for s in reads if s.token),
        *reads,
        Scenario("book-list-miss", "GET /books?<new query> (never cached)", "/books", base,
                 script="list_miss.lua", token=token, args=walk.args, after=walk.advance,
                 notes=walk.notes),
        Scenario("borrow-return", "POST /loans + POST /loans/{id}/return", "/loans", base,
                 script="borrow_return.lua", args=cycle.args, before=cycle.before,
                 notes=cycle.notes),
        Scenario("login", "POST /users/login", "/users/login", login, script="login.lua",
                 args=lambda threads: [str(login_body)]),
    ]
