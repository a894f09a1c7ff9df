"""`make soak`: mixed reads and writes through nginx for a long time (30 minutes unless
--minutes or SOAK_MINUTES says otherwise), a line a minute with each app process's resident
memory, the minute's p99 and its errors, then the verdict:

* every app process grows less than 1 MiB over the last 20 minutes (the last two thirds of a
  shorter run), and none was restarted;
* p99 steady: no minute of that span above twice the span's median minute;
* no error at all (a borrow finding no copy free, 409, is a correct answer), and the
  invariants of the contract hold in SQL at the end.

    python3 -m tools.drills.soak [--minutes 30] [--binary PATH]

The stack is tools/devstack's under run/soak: the release binary by default, LIBRARY_ENV=
production, 2 app processes x 8 threads, nginx, memcached, MariaDB. Not part of `make test`.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from ..devstack.app import PRODUCT, REPO
from ..devstack.process import StartError, stop_recorded
from ..devstack.stack import Stack, StackConfig
from .load import Answer, Load
from .population import check_invariants, make_population

MIB = 1024 * 1024
RSS_GROWTH_LIMIT = 1 * MIB
P99_STEADY_FACTOR = 2.0


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python3 -m tools.drills.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=int(os.environ.get("SOAK_MINUTES") or 30),
                        help="length of the soak (default $SOAK_MINUTES, else 30)")
    parser.add_argument("--readers", type=int, default=8, help="reader threads (default 8)")
    parser.add_argument("--writers", type=int, default=8, help="writer threads (default 8)")
    parser.add_argument("--binary", type=Path, default=REPO / ".build" / "release" / PRODUCT,
                        help=f"library-app to run (default .build/release/{PRODUCT})")
    parser.add_argument("--dir", type=Path, default=REPO / "run" / "soak", help="run folder (default run/soak)")
    args = parser.parse_args(argv)
    if args.minutes < 3:
        parser.error("a soak lasts at least 3 minutes")
    return args


class Minutes:
    """The load's answers, gathered a minute at a time."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: Counter = Counter()

    def add(self, answer: Answer) -> None:
        with self.lock:
            self.latencies.append(answer.latency)
            if not answer.ok:
                self.errors[f"{answer.op} {answer.status}"] += 1

    def take(self) -> tuple[list[float], Counter]:
        with self.lock:
            taken = self.latencies, self.errors
            self.latencies, self.errors = [], Counter()
        return taken


def rss(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


def soak(stack: Stack, args: argparse.Namespace) -> int:
    population = make_population(stack, readers=4, writers=args.writers)
    pids = stack.pool.pids()
    minutes = Minutes()
    rows = []
    load = Load(stack.url, population, minutes.add, readers=args.readers, writers=args.writers).start()
    print(f"soak: {args.minutes} minutes through {stack.url}, app processes {pids}", flush=True)
    print("minute  requests  req/s   p99 ms  " + "  ".join(f"RSS {pid} MiB" for pid in pids) + "  errors", flush=True)
    started = time.monotonic()
    try:
        for minute in range(1, args.minutes + 1):
            time.sleep(max(0.0, started + 60 * minute - time.monotonic()))
            latencies, errors = minutes.take()
            row = {"minute": minute, "requests": len(latencies), "p99": p99(latencies),
                   "rss": {pid: rss(pid) for pid in pids}, "errors": dict(errors)}
            rows.append(row)
            print(f"{minute:6d}  {len(latencies):8,d}  {len(latencies) / 60:5.0f}  {row['p99'] * 1000:7.1f}  "
                  + "  ".join(f"{(row['rss'][pid] or 0) / MIB:>{len(str(pid)) + 8}.1f}" for pid in pids)
                  + f"  {dict(errors) or 0}", flush=True)
    finally:
        load.stop()
    time.sleep(1)
    invariants = check_invariants(stack, load.ledger)
    problems = judge(rows, pids, stack.pool.pids()) + invariants.broken
    (args.dir / "soak-results.json").write_text(json.dumps({"rows": rows, "problems": problems}, indent=1))
    print("soak: " + ("every figure met" if not problems else "NOT MET: " + "; ".join(problems)), flush=True)
    return 1 if problems else 0


def judge(rows: list[dict], pids: list[int], pids_now: list[int]) -> list[str]:
    problems = []
    span = rows[-min(20, len(rows) * 2 // 3):]     # the last 20 minutes (2/3 of a shorter soak)
    first, last = rows[-len(span) - 1] if len(span) < len(rows) else rows[0], rows[-1]
    for pid in pids:
        if pid not in pids_now or last["rss"][pid] is None:
            problems.append(f"app process {pid} restarted")
            continue
        growth = last["rss"][pid] - first["rss"][pid]
        verdict = "ok" if growth < RSS_GROWTH_LIMIT else "too much"
        print(f"soak: process {pid} RSS {first['rss'][pid] / MIB:.1f} -> {last['rss'][pid] / MIB:.1f} MiB "
              f"over the last {len(span)} minutes ({growth / MIB:+.2f} MiB: {verdict})")
        if growth >= RSS_GROWTH_LIMIT:
            problems.append(f"process {pid} grew {growth / MIB:.2f} MiB over the last {len(span)} minutes")
    median = statistics.median(row["p99"] for row in span)
    worst = max(span, key=lambda row: row["p99"])
    print(f"soak: p99 over the last {len(span)} minutes: median {median * 1000:.1f} ms, "
          f"worst {worst['p99'] * 1000:.1f} ms (minute {worst['minute']})")
    if worst["p99"] > P99_STEADY_FACTOR * median:
        problems.append(f"p99 not steady: {worst['p99'] * 1000:.1f} ms in minute {worst['minute']}, "
                        f"median {median * 1000:.1f} ms")
    errors = sum((Counter(row["errors"]) for row in rows), Counter())
    if errors:
        problems.append(f"errors: {dict(errors)}")
    if not all(row["requests"] for row in rows):
        problems.append("a minute without any answer")
    return problems


def interrupt(_signum, _frame):
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    args = parse(argv)
    if not os.access(args.binary, os.X_OK):
        print(f"soak: no executable {args.binary}: run `make build` or give --binary", file=sys.stderr)
        return 2
    args.dir = args.dir.resolve()
    stop_recorded(args.dir, recursive=True)
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    stack = Stack(StackConfig(run=args.dir, server="nginx", port=0, binary=args.binary.resolve(),
                              processes=2, threads=8, web_workers=2, keepalive=16,
                              library_env="production", fresh=True, seed_books=1000,
                              app_env={"RATELIMIT_DEFAULT": "1000000000 per day"}))
    try:
        stack.start()
        return soak(stack, args)
    except KeyboardInterrupt:
        print("\nsoak: interrupted, stopping ...", file=sys.stderr, flush=True)
        return 130
    except StartError as error:
        print(f"soak: {error}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
