"""`make drills`: fault drills under load, each against a stack of its own, with a table of
figures and every invariant of the contract checked in SQL afterwards.

    python3 -m tools.drills [--quick] [--only kill-app,db-stop] [--binary PATH]

Each drill starts a stack under run/drills/<drill> (tools/devstack: nginx, 2 app processes x 8
threads under spawn-fcgi + multiwatch, memcached, LIBRARY_ENV=production) on one MariaDB for
the run with innodb_flush_log_at_trx_commit=1 (durable: the kill -9 drill must lose no
committed loan), runs the load generator through nginx (tools/drills/load.py), does the fault,
keeps the load going, then stops it and checks the database. Exit status 1 when any drill
misses a figure. Everything started is stopped at the end, on Ctrl-C and on errors too.
"""
from __future__ import annotations

import argparse
import shutil
import signal
import sys
import time
from pathlib import Path

from ..devstack.app import REPO, find_binary
from ..devstack.mariadb import MariaDB
from ..devstack.process import StartError, stop_recorded
from ..devstack.stack import Stack, StackConfig
from .faults import DRILLS, Drill
from .load import Load
from .population import check_invariants, make_population
from .verdict import RECOVERY_SECONDS, Verdict, judge

# limits no drill reaches: the rate-limit counting stays on the request path
RATE_LIMITS = {"RATELIMIT_DEFAULT": "1000000000 per day"}


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python3 -m tools.drills", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="short drills for CI: 2 s of load before each fault and 3 s after")
    parser.add_argument("--only", type=lambda t: t.split(","), metavar="A,B",
                        help=f"only these drills: {', '.join(d.name for d in DRILLS)}")
    parser.add_argument("--before", type=float, help="seconds of load before the fault (default 5; quick 2)")
    parser.add_argument("--after", type=float, help="seconds of load after the fault (default 10; quick 3)")
    parser.add_argument("--readers", type=int, default=6, help="reader threads (default 6)")
    parser.add_argument("--writers", type=int, default=6, help="writer threads, a user each (default 6)")
    parser.add_argument("--timeout", type=float, default=10,
                        help="client timeout per request in seconds: a slower answer is a failure (default 10)")
    parser.add_argument("--binary", type=Path, help="library-app to run (default $LIBRARY_APP, else the newest build)")
    parser.add_argument("--dir", type=Path, default=REPO / "run" / "drills", help="run folder (default run/drills)")
    args = parser.parse_args(argv)
    unknown = set(args.only or []) - {d.name for d in DRILLS}
    if unknown:
        parser.error(f"unknown drills: {', '.join(sorted(unknown))}")
    args.before = args.before if args.before is not None else (2 if args.quick else 5)
    args.after = args.after if args.after is not None else (3 if args.quick else 10)
    args.dir = args.dir.resolve()
    return args


def run_drill(drill: Drill, mariadb: MariaDB, binary: Path, args: argparse.Namespace) -> Verdict:
    config = StackConfig(run=args.dir / drill.name, server="nginx", port=0, binary=binary,
                         processes=2, threads=8, web_workers=2, keepalive=16,
                         library_env="production", database=f"drill_{drill.name.replace('-', '_')}",
                         fresh=True, seed_books=200, app_env=RATE_LIMITS)
    stack = Stack(config, mariadb=mariadb).start()
    try:
        population = make_population(stack, readers=4, writers=args.writers)
        answers = []
        load = Load(stack.url, population, answers.append, readers=args.readers,
                    writers=args.writers, timeout=args.timeout).start()
        try:
            time.sleep(args.before)
            fault = drill.act(stack, mariadb, args.quick)
            time.sleep(args.after)
        finally:
            load.stop()
        time.sleep(1)   # nginx may still be finishing requests whose clients have gone
        invariants = check_invariants(stack, load.ledger)
        verdict = judge(answers, fault, drill, invariants, args.writers, args.timeout)
        if len(stack.pool.pids()) != config.processes:
            verdict.problems.append(f"{len(stack.pool.pids())} app processes at the end, not {config.processes}")
        log = (stack.run / "logs" / "app.log").read_text(errors="replace")
        if "Program crashed" in log or "Fatal error" in log:
            verdict.problems.append(f"library-app crashed: see {stack.run / 'logs' / 'app.log'}")
        return verdict
    finally:
        stack.stop()


def print_table(results: list[tuple[Drill, Verdict]], args: argparse.Namespace) -> None:
    print(f"\n| drill | requests (reads + writes) | failures by status | max latency | "
          f"full service after | invariants | figures |")
    print("|---|---:|---|---:|---:|---|---|")
    for drill, v in results:
        failures = ", ".join(f"{key}: {n}" for key, n in sorted(v.failures.items())) or "0"
        recovery = "-" if v.recovery is None else f"{max(v.recovery, 0):.2f} s"
        invariants = "; ".join(v.invariants) or "hold"
        figures = "met" if v.passed else "NOT MET: " + "; ".join(v.problems)
        notes = "".join(f" ({note})" for note in v.notes)
        print(f"| {drill.title}{notes} | {v.reads + v.writes:,} ({v.reads:,} + {v.writes:,}) | {failures} | "
              f"{v.max_latency * 1000:,.0f} ms | {recovery} | {invariants} | {figures} |")
    print(f"\nAllowed: no failed read; of writes, only those in flight on an app process killed or "
          f"stopped (502), on a kept connection an old nginx worker closed (no answer), on a database "
          f"connection killed inside START TRANSACTION or COMMIT (503); 503 + Retry-After while MariaDB is away (full service within "
          f"{RECOVERY_SECONDS:g} s of its return). Client timeout {args.timeout:g} s; "
          f"{args.before:g} s of load before each fault, {args.after:g} s after it.")


def interrupt(_signum, _frame):
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    args = parse(argv)
    binary = (args.binary or find_binary()).resolve()
    drills = [d for d in DRILLS if not args.only or d.name in args.only]
    stop_recorded(args.dir, recursive=True)   # leftovers of a killed run
    shutil.rmtree(args.dir, ignore_errors=True)
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    mariadb = MariaDB(args.dir, durable=True)
    results: list[tuple[Drill, Verdict]] = []
    try:
        mariadb.start()
        for drill in drills:
            print(f"drills: {drill.title} ...", flush=True)
            started = time.monotonic()
            verdict = run_drill(drill, mariadb, binary, args)
            results.append((drill, verdict))
            print(f"drills: {drill.title}: {'met' if verdict.passed else 'NOT MET'} "
                  f"({time.monotonic() - started:.0f} s)", flush=True)
    except KeyboardInterrupt:
        print("\ndrills: interrupted, stopping ...", file=sys.stderr, flush=True)
        return 130
    except StartError as error:
        print(f"drills: {error}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        mariadb.stop()
        if results:
            print_table(results, args)
    return 0 if all(v.passed for _, v in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
