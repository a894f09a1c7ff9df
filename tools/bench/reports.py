"""`make bench-reports`: how long the reports take, uncached, on a long loan history.

    python3 -m tools.bench.reports [--books 100000] [--loans 1000000] [--repeat 5] [--binary PATH]

A stack of its own under run/bench-reports (tools/devstack: MariaDB with a 1 GiB buffer pool,
memcached, the app (LIBRARY_ENV=production, rate limits off), nginx), seeded once with
`library-app seed --books N --loans M` (a few minutes; kept for the next run). Then, through
nginx, each report --repeat times: GET /reports/popular for several `days` and `limit`, every
request after a write that voids the cache (its answer must say X-Cache: MISS), and
GET /reports/overdue (never cached) at its first, middle and last page. Prints the median and
the slowest wall time each, as a client sees it, and exits 1 when the median of one the target
covers (popular with days=365, every overdue page) is over --budget-ms (100); the other
windows are shown for what they are. Everything started is stopped at the end. Standard
library only.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.request
from pathlib import Path

from ..devstack.app import REPO, find_binary
from ..devstack.mariadb import MariaDB
from ..devstack.stack import ADMIN_EMAIL, Stack, StackConfig


def call(stack: Stack, method: str, path: str, token: str | None = None,
         body: dict | None = None) -> tuple[int, dict, bytes, float]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(stack.url + path, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = response.read()
            status, headers = response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        payload, status, headers = error.read(), error.code, dict(error.headers)
    return status, headers, payload, (time.perf_counter() - started) * 1000


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m tools.bench.reports", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--books", type=int, default=100_000)
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed requests of each kind (default 5)")
    parser.add_argument("--budget-ms", type=float, default=100.0)
    parser.add_argument("--binary", type=Path, help="default: the newest build")
    parser.add_argument("--run", type=Path, default=REPO / "run" / "bench-reports")
    args = parser.parse_args(argv)

    run = args.run.resolve()
    # Beside the stack's folder, not in it: a stack stops whatever its folder recorded when it starts.
    mariadb = MariaDB(run / "database", buffer_pool="1G")
    stack = Stack(StackConfig(
        run=run / "stack", server="nginx", binary=args.binary or find_binary(), library_env="production",
        seed_books=args.books, seed_loans=args.loans, processes=2, threads=4,
        app_env={"RATELIMIT_ENABLED": "false"}), mariadb=mariadb)
    print(f"reports: starting the stack under {run} (seeding {args.books} books and {args.loans} "
          "loans the first time: minutes) ...", flush=True)
    started = time.perf_counter()
    try:
        mariadb.start()
        stack.start()
        print(f"reports: ready after {time.perf_counter() - started:.0f} s", flush=True)
        return measure(stack, args)
    finally:
        stack.stop()
        mariadb.stop()


def measure(stack: Stack, args: argparse.Namespace) -> int:
    status, _, body, _ = call(stack, "POST", "/users/login",
                              body={"email": ADMIN_EMAIL, "password": stack.secrets["admin_password"]})
    if status != 200:
        raise SystemExit(f"admin login: {status} {body[:200]!r}")
    token = json.loads(body)["token"]
    # A book whose description changes before each popular request: the write voids the cache.
    status, _, body, _ = call(stack, "GET", "/books?per_page=1", token)
    book = json.loads(body)[0]["id"]

    rows: list[tuple[str, list[float], str]] = []

    def timed(path: str, uncached: bool) -> tuple[list[float], str]:
        times, note = [], ""
        for attempt in range(args.repeat + 1):  # the first one warms MariaDB's pages: not counted
            if uncached:
                call(stack, "PATCH", f"/books/{book}", token, {"description": f"bench {time.time()}"})
            status, headers, payload, ms = call(stack, "GET", path, token)
            if status != 200:
                raise SystemExit(f"GET {path}: {status} {payload[:300]!r}")
            if uncached and headers.get("X-Cache") != "MISS":
                raise SystemExit(f"GET {path}: X-Cache {headers.get('X-Cache')}, expected MISS")
            if attempt:
                times.append(ms)
            note = headers.get("X-Total-Count") or str(len(json.loads(payload)))
        return times, note

    for days in (1, 7, 30, 90, 180, 365):
        for limit in (10, 100):
            path = f"/reports/popular?days={days}&limit={limit}"
            times, note = timed(path, uncached=True)
            rows.append((path, times, f"{note} books"))
    _, headers, _, _ = call(stack, "GET", "/reports/overdue?per_page=100", token)
    total = int(headers["X-Total-Count"])
    for per_page in (10, 100):
        last = max(1, (total + per_page - 1) // per_page)
        for page in sorted({1, (last + 1) // 2, last}):
            path = f"/reports/overdue?page={page}&per_page={per_page}"
            times, note = timed(path, uncached=False)
            rows.append((path, times, f"of {note} overdue"))

    print(f"\n{'request (uncached, through nginx)':<48} {'median':>9} {'slowest':>9}  answer")
    failed = False
    for path, times, note in rows:
        median, slowest = statistics.median(times), max(times)
        budgeted = "days=365" in path or path.startswith("/reports/overdue")
        over = budgeted and median > args.budget_ms
        failed |= over
        mark = "  OVER BUDGET" if over else ("" if budgeted else "  (no target)")
        print(f"{path:<48} {median:7.1f} ms {slowest:7.1f} ms  {note}{mark}")
    print(f"\n{args.repeat} timed requests each (after one untimed); target: {args.budget_ms:.0f} ms on the median "
          "for popular over 365 days and every overdue page")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
