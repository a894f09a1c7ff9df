"""`make bench` and `make bench-check`: the API's throughput, latency and CPU per request on
this machine, beside a C FastCGI hello measured in the same run.

    python3 -m tools.bench [--runs 3] [--duration 6] [--quick] [--binary PATH] ...
    python3 -m tools.bench --base COMMIT      # bench-check: this binary against COMMIT's

One stack under run/bench (tools/devstack: MariaDB, memcached, the app under spawn-fcgi +
multiwatch with LIBRARY_ENV=production, access log and rate limits on, nginx), five C hello
pools beside the app (tools/bench/fcgi_hello.c: plain, with one memcached get, counted as the
rate limiter counts (noreply incr + get), those two in one write, and "shaped": the one write
whose get reads the app's own cached answer to `/users/me`, a book or a list page, sent with the
same request headers: the floor of each counted cached read), then every
scenario at each connection count, --runs times, interleaved, wrk -t2. Per row: medians of
req/s, p50/p99/p99.9, the ratios to the C hello at the same connection count, and the serving
pool's CPU µs and context switches per request (from /proc). Results are appended to
run/bench-results.jsonl and compared with the previous bench there. Any answer other than
2xx/3xx (503 is load shedding at 512+ connections), socket error or restarted process marks its
row FAILED and the exit status 1. Everything started is stopped at the end, on Ctrl-C and on
errors too. Standard library only; needs wrk, cc, libfcgi-dev, libmemcached-dev.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from ..devstack.app import PRODUCT, REPO
from ..devstack.process import StartError, stop_recorded

SCENARIOS = ["hello", "hello-memcached", "hello-counted", "hello-one-write",
             "shaped-me", "shaped-book", "shaped-book-list", "health", "me", "book", "book-list", "book-list-miss",
             "borrow-return", "login"]


def counts(text: str) -> list[int]:
    """`32,128` -> [32, 128]; empty -> []."""
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if any(v < 1 for v in values):
        raise argparse.ArgumentTypeError("connection counts are positive")
    return values


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python3 -m tools.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    run = parser.add_argument_group("what to run")
    run.add_argument("--runs", type=int, default=3,
                     help="measured runs of each scenario and connection count, interleaved (default 3)")
    run.add_argument("--duration", type=int, default=6, help="seconds per wrk run (default 6)")
    run.add_argument("--warmup", type=int, default=2,
                     help="seconds of unmeasured load per scenario before the runs (default 2; 0: none)")
    run.add_argument("--connections", type=counts, default=[32, 128], metavar="N,N",
                     help="connection counts of every scenario (default 32,128)")
    run.add_argument("--high-connections", type=counts, default=[512], metavar="N,N",
                     help="more connection counts for the C hello and the cached GET /books/{id} only, "
                          "where a 503 is load shedding, not a failure (default 512; '': none)")
    run.add_argument("--login-connections", type=int, default=2, metavar="N",
                     help="connections of POST /users/login, measured last (default 2; 0: skip it)")
    run.add_argument("--scenarios", type=lambda t: t.split(","), metavar="A,B",
                     help=f"only these scenarios (the C hello always runs): {', '.join(SCENARIOS)}")
    run.add_argument("--quick", action="store_true",
                     help="a smoke run of about a minute: --runs 1 --duration 2 --warmup 1 "
                          "--connections 32 --high-connections ''")
    run.add_argument("--threads", type=int, default=2, help="wrk -t (default 2)")
    run.add_argument("--timeout", type=float, default=10,
                     help="wrk --timeout in seconds: a slower answer is a socket error (default 10)")
    stack = parser.add_argument_group("the stack")
    stack.add_argument("--app-processes", type=int, default=2,
                       help="app processes, and processes of each C hello pool (default 2)")
    stack.add_argument("--app-threads", type=int, default=8,
                       help="threads per app process (default 8, the app's own default)")
    stack.add_argument("--hello-threads", type=int, default=64,
                       help="threads per C hello process (default 64: the hello pins one per kept "
                            "connection, so fewer would handicap it at 128 connections)")
    stack.add_argument("--keepalive", type=int, default=16,
                       help="nginx upstream keepalive per worker, of the app's upstream and every "
                            "C hello's (default 16, as conf/nginx)")
    stack.add_argument("--books", type=int, default=10000,
                       help="catalogue size, seeded once per run folder (default 10000)")
    stack.add_argument("--binary", type=Path, default=REPO / ".build" / "release" / PRODUCT,
                       help=f"the {PRODUCT} to measure; a copy of it runs (default .build/release/{PRODUCT})")
    stack.add_argument("--dir", type=Path,
                       help="run folder (default run/bench; with --base: run/bench-check)")
    stack.add_argument("--results", type=Path, default=REPO / "run" / "bench-results.jsonl",
                       help="JSON lines the results are appended to, and the previous bench is read "
                            "from (default run/bench-results.jsonl)")
    check = parser.add_argument_group("bench-check (make bench-check BASE=<commit>)")
    check.add_argument("--base", metavar="COMMIT",
                       help="instead of the bench: build COMMIT in run/bench-base, run it beside --binary "
                            "in one stack, and compare their CPU per request on the read scenarios "
                            "(health, me, cached book, cached list) at the first --connections count")
    check.add_argument("--max-cpu-increase", type=float, default=10, metavar="PERCENT",
                       help="with --base: exit 1 when the median over those scenarios of --binary's CPU "
                            "µs/req exceeds the base's by more than this (default 10)")
    check.add_argument("--instructions", action="store_true",
                       help="with --base: run both binaries under valgrind's callgrind and compare "
                            "instructions per request instead of CPU (deterministic; user space only; "
                            "use few --connections, e.g. 4: the counted app is ~50x slower)")
    check.add_argument("--max-instruction-increase", type=float, default=2, metavar="PERCENT",
                       help="with --instructions: exit 1 when the median over the scenarios of "
                            "instructions per request exceeds the base's by more than this (default 2)")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.duration, args.warmup = 1, 2, 1
        args.connections, args.high_connections = [32], []
    if args.instructions and not args.base:
        parser.error("--instructions needs --base COMMIT (make bench-instructions BASE=...)")
    if args.runs < 1 or args.duration <= 0 or args.threads < 1 or not args.connections:
        parser.error("need --runs >= 1, --duration > 0, --threads >= 1 and some --connections")
    if min(args.connections) < args.threads:
        parser.error("every connection count must be at least --threads")
    unknown = set(args.scenarios or []) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    args.binary = args.binary.absolute()
    args.dir = (args.dir or REPO / "run" / ("bench-check" if args.base else "bench")).resolve()
    return args


def interrupt(_signum, _frame):
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    args = parse(argv)
    for tool in ("wrk", "cc", "spawn-fcgi", "multiwatch", "nginx"):
        if not shutil.which(tool):
            print(f"bench: {tool} not found (make install-deps; apt-get install wrk)", file=sys.stderr)
            return 2
    if not os.access(args.binary, os.X_OK):
        print(f"bench: no executable {args.binary}: run `make build` or give --binary", file=sys.stderr)
        return 2

    if args.base:   # imported only now: --help needs neither
        from .check import check as measure, new_check as new
    else:
        from .suite import bench as measure, new_bench as new
    stop_recorded(args.dir)      # leftovers of a killed run, then last run's (large) logs
    for log in (args.dir / "logs").glob("*.log"):
        log.unlink()
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    bench = None
    try:
        bench = new(args)
        return measure(bench, args)
    except KeyboardInterrupt:
        print("\nbench: interrupted, stopping ...", file=sys.stderr, flush=True)
        return 130
    except (StartError, subprocess.SubprocessError, OSError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)   # a second Ctrl-C must not cut this short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if bench:
            bench.stop()
        print(f"bench: stack stopped (logs in {args.dir / 'logs'})", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
