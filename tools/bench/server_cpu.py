"""MariaDB's CPU per borrow+return cycle or per never-cached list page, measured in the server
alone, for two sets of server options alternated (docs/performance.md, "The database-bound
scenarios").

    python3 -m tools.bench.server_cpu --a "" --b "--thread-handling=one-thread-per-connection"

The bench's figures for these scenarios move by ±15 % or more between runs on a shared
machine: the app, nginx, memcached and wrk all compete for the same cores. Here only MariaDB
and `mariadb-slap` clients run: the server is started on the bench's database (run/bench,
made by a `make bench` before) with each option set in turn (`DEVSTACK_MARIADB_OPTIONS`), and
its utime+stime from /proc over the clients' work is divided by the cycles done. Each client
runs its own statements: for borrow+return, its own user and book (the borrow procedure, then
the return's multi-table UPDATE, as `LoanStore` sends them), so no two clients wait on one row.
The text protocol and the statement that finds the loan are overhead both sides share.
Stop any bench first: it uses the same data directory.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from pathlib import Path

from ..devstack.app import REPO
from ..devstack.mariadb import MariaDB

DATABASE = "library_bench"
BOOK_COLUMNS = ("books.id, books.title, books.author, books.isbn, books.published_year, books.genre, "
                "books.description, books.copies_total, books.copies_available, books.copies_set_aside, "
                "books.holds_waiting, books.created_at, books.updated_at")


def sql(db: MariaDB, text: str) -> list[str]:
    done = subprocess.run(["mariadb", "--no-defaults", f"--socket={db.socket}", "--user=root", "--batch",
                           "--skip-column-names", DATABASE], input=text, capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def server_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def borrow_return_cycles(db: MariaDB, clients: int) -> list[tuple[int, str]]:
    """(statements, text) per client: borrow, find the loan, return it."""
    users = sql(db, "SELECT id FROM users WHERE username LIKE 'bench-cycle-%' AND active_loans = 0 ORDER BY id")
    books = sql(db, "SELECT id FROM books WHERE copies_total >= 1 AND copies_available = copies_total "
                    "AND holds_waiting = 0 ORDER BY id LIMIT 1000")[-clients:]
    if len(users) < clients or len(books) < clients:
        raise SystemExit(f"server_cpu: {clients} clients need as many bench users and books (make bench first)")
    return [(3, f"CALL borrow_copy({user}, {book}, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL 14 DAY, 5);"
                f"SET @loan = (SELECT id FROM loans WHERE user_id = {user} AND active_book_id = {book});"
                "UPDATE loans l FORCE INDEX (PRIMARY) STRAIGHT_JOIN books b ON b.id = l.book_id "
                "STRAIGHT_JOIN users u ON u.id = l.user_id SET l.returned_at = UTC_TIMESTAMP(6), "
                "b.copies_available = b.copies_available + 1, u.active_loans = u.active_loans - (u.active_loans > 0), "
                "u.updated_at = u.updated_at WHERE l.id = @loan AND l.returned_at IS NULL AND b.holds_waiting = 0")
            for user, book in zip(users, books)]


def list_pages(db: MariaDB, clients: int) -> list[tuple[int, str]]:
    """A title-sorted page from a kept sort key (`BookStore.page` from a `PageAnchors` start)."""
    anchors = [row.split("\t") for row in sql(db, "SELECT title, id FROM books ORDER BY title, id LIMIT 1000 OFFSET 2000")]
    pages = []
    for n in range(clients):
        title, book = anchors[n * 37 % len(anchors)]
        title = title.replace("\\", "\\\\").replace("'", "''")
        pages.append((1, f"SELECT {BOOK_COLUMNS} FROM (SELECT id, title FROM books WHERE (title > '{title}' OR "
                         f"(title = '{title}' AND id >= {book})) ORDER BY title ASC, id ASC LIMIT 20 OFFSET {n % 30}) "
                         "AS page STRAIGHT_JOIN books ON books.id = page.id ORDER BY page.title ASC, page.id ASC"))
    return pages


def measure(options: str, args: argparse.Namespace) -> tuple[float, float]:
    """(MariaDB CPU µs per cycle, cycles per second) of one round with these server options."""
    os.environ["DEVSTACK_MARIADB_OPTIONS"] = options
    db = MariaDB(args.dir)
    db.start()
    try:
        pid = int((db.home / "mariadbd.pid").read_text())
        work = (borrow_return_cycles if args.scenario == "borrow-return" else list_pages)(db, args.clients)
        started_cpu, started = server_cpu_seconds(pid), time.monotonic()
        clients = [subprocess.Popen(
            ["mariadb-slap", "--no-defaults", f"--socket={db.socket}", "--user=root", f"--create-schema={DATABASE}",
             "--concurrency=1", "--iterations=1", f"--number-of-queries={args.cycles * statements}",
             f"--query={text}", "--delimiter=;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for statements, text in work]
        errors = [c.communicate()[1].strip() for c in clients]
        used, seconds = server_cpu_seconds(pid) - started_cpu, time.monotonic() - started
        if any(errors) or any(c.returncode for c in clients):
            raise SystemExit(f"server_cpu: mariadb-slap failed: {next(e for e in errors if e)}")
        cycles = args.cycles * len(work)
        return used * 1e6 / cycles, cycles / seconds
    finally:
        db.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python3 -m tools.bench.server_cpu", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", default="", metavar="OPTIONS", help="mariadbd options of side A (default: none)")
    parser.add_argument("--b", required=True, metavar="OPTIONS", help="mariadbd options of side B")
    parser.add_argument("--scenario", choices=["borrow-return", "list"], default="borrow-return")
    parser.add_argument("--clients", type=int, default=16, help="clients at once (default 16: the bench's app sessions)")
    parser.add_argument("--cycles", type=int, default=400, help="cycles (or pages) per client and round (default 400)")
    parser.add_argument("--rounds", type=int, default=4, help="rounds, each A then B (default 4)")
    parser.add_argument("--dir", type=Path, default=REPO / "run" / "bench", help="the bench's run folder")
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float]]] = {"A": [], "B": []}
    for n in range(1, args.rounds + 1):
        for side, options in (("A", args.a), ("B", args.b)):
            results[side].append(measure(options, args))
            cpu, rate = results[side][-1]
            print(f"round {n} {side} {options or '(defaults)'}: MariaDB {cpu:.0f} CPU µs per cycle, "
                  f"{rate:,.0f} cycles/s, load {os.getloadavg()[0]:.1f}", flush=True)
    for side in ("A", "B"):
        print(f"{side}: median {statistics.median(c for c, _ in results[side]):.0f} CPU µs per cycle "
              f"({', '.join(f'{c:.0f}' for c, _ in results[side])})")


if __name__ == "__main__":
    main()
