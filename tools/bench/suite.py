"""`make bench`: every scenario beside the C hello, interleaved, then the report."""
from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time

from ..devstack.process import StartError
from . import fixtures, procstat, report
from .measure import Case, measure
from .pools import BenchStack, ExtraPool, compile_hello, copy_binary
from .scenarios import SHAPED_PREFIX, BorrowCycle, MissingListWalk, Scenario, all_scenarios, read_scenarios


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def new_bench(args: argparse.Namespace) -> BenchStack:
    run = args.dir
    return BenchStack(
        run=run, binary=copy_binary(args.binary, run / "library-app"),
        processes=args.app_processes, threads=args.app_threads, books=args.books,
        extra_threads=args.hello_threads, keepalive=args.keepalive, database="library_bench",
        extras=[ExtraPool("hello", run / "hello.sock", "/_bench/hello"),
                ExtraPool("hello-memcached", run / "hello-mc.sock", "/_bench/hello-memcached"),
                ExtraPool("hello-counted", run / "hello-counted.sock", "/_bench/hello-counted"),
                ExtraPool("hello-one-write", run / "hello-one-write.sock", "/_bench/hello-one-write"),
                ExtraPool("hello-shaped", run / "hello-shaped.sock", SHAPED_PREFIX, exact=False)])


def prepare(bench: BenchStack, args: argparse.Namespace) -> list[Scenario]:
    """Start everything; make the users, tokens and books the scenarios need."""
    progress(f"bench: starting the stack under {bench.run} (seeding {args.books} books the first time) ...")
    hello = compile_hello(bench.run)
    shapes = bench.run / "shapes"
    found = {}

    def reader_and_shapes(stack) -> None:
        # the reader logs in for real; the cycle's users get tokens minted like the app's
        user, token = fixtures.reader(stack)
        status, _, page = fixtures.call(stack.url + "/books?page=2&per_page=20", token=token)
        if status != 200 or not isinstance(page, list) or not page:
            raise StartError(f"GET /books?page=2&per_page=20: {status}, no books (seeding failed?)")
        # what the app writes for each counted cached read: the shaped C floor answers the same
        shapes.mkdir(exist_ok=True)
        for s in read_scenarios(token, page[0]["id"], ()):
            if s.token:
                (shapes / s.key).write_bytes(fixtures.cgi_answer(stack, s.path, token))
        found.update(user=user, token=token, page=page)

    stack = bench.start({"hello": (hello, [str(hello)]),
                         "hello-memcached": (hello, [str(hello), "{memcached}"]),
                         "hello-counted": (hello, [str(hello), "{memcached}", "counted"]),
                         "hello-one-write": (hello, [str(hello), "{memcached}", "one-write"]),
                         "hello-shaped": (hello, [str(hello), "{memcached}", "shaped", str(shapes)])},
                        before_extras=reader_and_shapes)
    user, token, page = found["user"], found["token"], found["page"]
    login_body = bench.run / "bench-login.json"
    login_body.write_text(json.dumps({"email": user["email"], "password": user["password"]}))
    login_body.chmod(0o600)
    cycle = BorrowCycle(stack, fixtures.cycle_pairs(stack, 2 * max(args.connections)),
                        bench.run / "bench-pairs.txt")
    scenarios = all_scenarios(stack, token, page[0]["id"], login_body, cycle, MissingListWalk(),
                              base=tuple(args.connections), high=tuple(args.high_connections),
                              login=(args.login_connections,) if args.login_connections else ())
    if args.scenarios:
        scenarios = [s for s in scenarios if s.key in args.scenarios or s.key == "hello"]
    return scenarios


def describe_run(case: Case, n: int, runs: int) -> str:
    r = case.runs[-1]
    errors = r.wrk.errors(case.shed_allowed) + (1 if r.pids_changed else 0)
    return (f"bench: run {n}/{runs} {case.scenario.title} -c{case.connections}: {r.wrk.rps:,.0f} req/s, "
            f"p99 {report.fmt_us(r.wrk.p99_us)}, {r.cpu_us_per_req:.1f} CPU µs/req (load {r.load1:.1f})"
            + (f"  ERRORS: {errors}" if errors else ""))


RSS_SETTLE_SECONDS = 2.0


def run_all(bench: BenchStack, scenarios: list[Scenario], args: argparse.Namespace) -> list[Case]:
    cases = [Case(s, c) for s in scenarios if s.key != "login" for c in s.connections]
    login = [Case(s, c) for s in scenarios if s.key == "login" for c in s.connections]

    def run_once(case: Case, duration: int) -> None:
        case.runs.append(measure(bench, case, duration=duration, threads=args.threads,
                                 timeout=args.timeout))

    if args.warmup > 0:   # app threads open their database connections, caches fill
        progress(f"bench: warm-up, {args.warmup} s per scenario at its most connections ...")
        for s in scenarios:
            if s.key != "login":
                run_once(Case(s, max(s.connections)), args.warmup)
    for n in range(1, args.runs + 1):   # interleaved: drift in the machine's load hits all alike
        for case in cases:
            run_once(case, args.duration)
            progress(describe_run(case, n, args.runs))
    for n in range(1, args.runs + 1):   # last: scrypt at production cost keeps both cores busy
        for case in login:
            run_once(case, args.duration)
            progress(describe_run(case, n, args.runs))
    return cases + login


def bench(bench: BenchStack, args: argparse.Namespace) -> int:
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = report.load_average()
    commit, dirty, changed = report.describe_source()
    scenarios = prepare(bench, args)
    cases = run_all(bench, scenarios, args)

    # memory at the end of the whole bench, before anything stops, once the requests wrk left
    # in flight have finished: a sign-in still hashing holds scrypt's 32 MiB until it answers
    time.sleep(RSS_SETTLE_SECONDS)
    rss = {name: max((procstat.rss_kib(pid) for pid in pool.pids()), default=0)
           for name, pool in bench.pools().items()}
    hello = {c.connections: c for c in cases if c.scenario.key == "hello"}
    common = {
        "bench": started.strftime("%Y-%m-%dT%H:%M:%SZ"), "commit": commit, "dirty": dirty,
        "host": os.uname().nodename, "load_before": load_before, "load_after": report.load_average(),
        "rss_kib_max": rss,
        "shape": {"app_processes": args.app_processes, "app_threads": args.app_threads,
                  "nginx_workers": 2, "keepalive": args.keepalive, "books": args.books,
                  "wrk_threads": args.threads, "runs": args.runs, "duration": args.duration,
                  "warmup": args.warmup},
    }
    rows = report.records(cases, hello, common)
    before = report.previous_bench(args.results, common["bench"])
    report.append_records(args.results, rows)

    failed = [c for c in cases if c.failures]
    out = report.header(common, changed, args, bench.binary) + [""]
    out += report.results_table(cases, hello)
    out += ["", "  RSS at the end, 2 s after the last run (VmRSS, max per process): " + ", ".join(
        f"{name} {kib / 1024:.1f} MiB" for name, kib in rss.items())]
    out += [f"  {s.title}: {s.notes()}" for s in scenarios if s.notes()]
    out += report.floor_lines(cases)
    out += report.flask_lines(cases)
    out += report.comparison(rows, before, args.results)
    if failed:
        out += ["", "  FAILED (answers other than 2xx/3xx, socket errors or a restarted process; "
                "503 is load shedding at 512+ connections only):"]
        out += [f"    {c.scenario.title} -c{c.connections} {why}" for c in failed for why in c.failures]
    out.append(f"\n  results appended to {report.shown(args.results)}")
    print("\n".join(out) + "\n", flush=True)
    return 1 if failed else 0
