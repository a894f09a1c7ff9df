"""The load generator of the drills and the soak: Python threads with a kept-alive
requests.Session each, through the web server, every answer handed to a sink.

Readers mix cached book reads, cached list pages, searches (mostly cache misses: a word,
a page and a page size drawn from thousands of combinations), /users/me and /health. Writers borrow and return
books, each as a user of its own, over a small set of books with few copies (so borrows race
for copies: 409 "no copy free" is a correct answer). A writer counts the loans the API told it
were made and returned; an answer that does not say (5xx, a cut connection, a timeout) leaves
the outcome unknown, counted apart, and the writer re-reads its active loans before it writes
again. The invariants check compares those counts with the database.
"""
from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import requests

# What each operation may answer when all is well (a borrow may find no copy free).
EXPECTED = {"book": {200}, "list": {200}, "search": {200}, "me": {200}, "health": {200},
            "borrow": {201, 409},
            "return": {200}, "resync": {200}}
WRITES = {"borrow", "return"}
SEARCH_WORDS = ["the", "of", "and", "a", "love", "war", "night", "river", "house", "city"]
HELD_LOANS = 3          # a writer holds up to this many loans (MAX_ACTIVE_LOANS is 5)


@dataclass(slots=True)
class Answer:
    op: str
    status: int | str        # the HTTP status, or "timeout" / "error" (no answer)
    started: float           # time.monotonic()
    latency: float           # seconds
    retry_after: bool        # the answer carried Retry-After

    @property
    def kind(self) -> str:
        return "write" if self.op in WRITES else "read"

    @property
    def ok(self) -> bool:
        return self.status in EXPECTED[self.op]

    @property
    def ended(self) -> float:
        return self.started + self.latency


@dataclass
class Population:
    """Who the load acts as: tokens of readers, (user id, token) of writers, the books read
    and the books borrowed."""
    reader_tokens: list[str]
    writers: list[tuple[int, str]]
    read_books: list[int]
    write_books: list[int]


@dataclass
class Ledger:
    """What the API told the writers, and what it left unsaid."""
    created: int = 0
    returned: int = 0
    unknown_borrows: int = 0
    unknown_returns: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self.lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)


class Load:
    def __init__(self, url: str, population: Population, sink: Callable[[Answer], None],
                 readers: int = 6, writers: int = 6, timeout: float = 10.0):
        self.url, self.population, self.sink = url, population, sink
        self.timeout = timeout
        self.ledger = Ledger()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._reader, args=(n,), daemon=True)
                        for n in range(readers)]
        self.threads += [threading.Thread(target=self._writer, args=population.writers[n % len(population.writers)],
                                          daemon=True) for n in range(writers)]

    def start(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(self.timeout + 5)

    # -- one request ---------------------------------------------------------------------------
    def _call(self, session: requests.Session, op: str, method: str, path: str,
              token: str, body: dict | None = None) -> requests.Response | None:
        started = time.monotonic()
        response = None
        # A GET whose kept-alive connection the server closed as it was sent is sent once more
        # on a new one, as browsers do (RFC 9112, 9.3.1); a POST is not repeated.
        for attempt in (1, 2) if method == "GET" else (1,):
            try:
                response = session.request(method, self.url + path, json=body, timeout=self.timeout,
                                            headers={"Authorization": f"Bearer {token}"})
                status: int | str = response.status_code
                break
            except requests.Timeout:
                status = "timeout"
                break
            except requests.RequestException:
                status = "error"
        self.sink(Answer(op, status, started, time.monotonic() - started,
                         response is not None and "Retry-After" in response.headers))
        return response

    # -- readers -------------------------------------------------------------------------------
    def _reader(self, n: int) -> None:
        rng = random.Random(n)
        tokens, books = self.population.reader_tokens, self.population.read_books
        with requests.Session() as session:
            while not self.stopping.is_set():
                token = tokens[n % len(tokens)]
                pick = rng.random()
                if pick < 0.45:
                    self._call(session, "book", "GET", f"/books/{rng.choice(books)}", token)
                elif pick < 0.65:
                    self._call(session, "list", "GET", f"/books?page={rng.randint(1, 5)}&per_page=20", token)
                elif pick < 0.75:
                    self._call(session, "search", "GET", f"/books?q={rng.choice(SEARCH_WORDS)}"
                               f"&page={rng.randint(1, 50)}&per_page={rng.randint(5, 20)}", token)
                elif pick < 0.9:
                    self._call(session, "me", "GET", "/users/me", token)
                else:
                    self._call(session, "health", "GET", "/health", token)

    # -- writers -------------------------------------------------------------------------------
    def _writer(self, user_id: int, token: str) -> None:
        rng = random.Random(user_id)
        books = self.population.write_books
        held: list[int] = []
        resync = True          # know our active loans before the first write
        with requests.Session() as session:
            while not self.stopping.is_set():
                if resync:
                    response = self._call(session, "resync", "GET", "/loans?status=active&per_page=100", token)
                    if response is None or response.status_code != 200:
                        time.sleep(0.05)
                        continue
                    held, resync = [loan["id"] for loan in response.json()], False
                if held and (len(held) >= HELD_LOANS or rng.random() < 0.5):
                    response = self._call(session, "return", "POST", f"/loans/{held.pop(0)}/return", token)
                    if response is not None and response.status_code == 200:
                        self.ledger.add(returned=1)
                    else:
                        self.ledger.add(unknown_returns=1)
                        resync = True
                else:
                    response = self._call(session, "borrow", "POST", "/loans", token,
                                          {"book_id": rng.choice(books)})
                    if response is not None and response.status_code == 201:
                        held.append(response.json()["id"])
                        self.ledger.add(created=1)
                    elif response is None or response.status_code != 409:
                        self.ledger.add(unknown_borrows=1)
                        resync = True
