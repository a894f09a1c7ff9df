"""`make bench-check BASE=<commit>`: does this binary spend more CPU per request than COMMIT's?

COMMIT is exported with `git archive` into run/bench-base/src (kept while the commit stays the
same) and built there with a scratch path of its own (run/bench-base/build), beside the
current build. Both binaries then serve in ONE stack: the current one as the app, the base one
as a second pool on its own socket and upstream, reached through nginx at /_base/... (the prefix
stripped). They share MariaDB and memcached; the current binary migrates. The read scenarios run
against each, interleaved (which goes first alternates by round), and the verdict is the median
over the scenarios of current CPU µs/req ÷ base CPU µs/req.

With --instructions (`make bench-instructions`) both pools run under valgrind's callgrind and the
figure is instructions per request instead (tools/bench/callgrind.py): deterministic, so one run
per scenario resolves a change of 1-2 % in the app's own work, which CPU time cannot.
"""
from __future__ import annotations

import argparse
import datetime
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from ..devstack.app import PRODUCT, REPO
from ..devstack.process import StartError
from . import callgrind, fixtures, report
from .measure import Case, measure
from .pools import BASE_PREFIX, BenchStack, ExtraPool, copy_binary
from .scenarios import read_scenarios

BASE_HOME = REPO / "run" / "bench-base"


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise StartError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def build_base(commit: str) -> Path:
    """The release binary of `commit`, built in run/bench-base (incrementally when it is the
    commit built last time)."""
    src, marker = BASE_HOME / "src", BASE_HOME / "src.commit"
    if not (marker.exists() and marker.read_text().strip() == commit and src.is_dir()):
        progress(f"bench-check: exporting {commit[:12]} into {src} ...")
        shutil.rmtree(src, ignore_errors=True)
        src.mkdir(parents=True)
        archive = subprocess.Popen(["git", "archive", "--format=tar", commit], cwd=REPO,
                                   stdout=subprocess.PIPE)
        untar = subprocess.run(["tar", "-x", "-C", str(src)], stdin=archive.stdout)
        archive.stdout.close()
        if archive.wait() != 0 or untar.returncode != 0:
            raise StartError(f"git archive {commit} | tar -x failed")
        # Package.resolved is git-ignored: the current pins, so both builds use the same packages
        if (REPO / "Package.resolved").exists() and not (src / "Package.resolved").exists():
            shutil.copy2(REPO / "Package.resolved", src / "Package.resolved")
        marker.write_text(commit + "\n")
    argv = ["swift", "build", "-c", "release", "--scratch-path", str(BASE_HOME / "build")]
    progress("bench-check: + " + " ".join(argv + ["--product", PRODUCT]) + f"   (in {src})")
    # the compiler's output goes to stderr: stdout is the report
    subprocess.run(argv + ["--product", PRODUCT], cwd=src, check=True, stdout=sys.stderr)
    bin_dir = subprocess.run(argv + ["--show-bin-path"], cwd=src, check=True,
                             capture_output=True, text=True).stdout.strip()
    return Path(bin_dir) / PRODUCT


def new_check(args: argparse.Namespace) -> BenchStack:
    run = args.dir
    binary = copy_binary(args.binary, run / "library-app")
    if args.instructions:
        binary = callgrind.wrap(binary, run / "callgrind" / "current")
    return BenchStack(
        run=run, binary=binary,
        processes=args.app_processes, threads=args.app_threads, books=args.books,
        keepalive=args.keepalive, database="library_bench",
        extras=[ExtraPool("base", run / "base.sock", BASE_PREFIX, exact=False)])


def check(bench: BenchStack, args: argparse.Namespace) -> int:
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = report.load_average()
    commit = git("rev-parse", "--verify", f"{args.base}^{{commit}}")
    head, dirty, changed = report.describe_source()
    base_binary = copy_binary(build_base(commit), bench.run / "library-app-base")
    if args.instructions:
        base_binary = callgrind.wrap(base_binary, bench.run / "callgrind" / "base")
    progress(f"bench-check: starting the stack under {bench.run} ...")
    stack = bench.start({"base": (base_binary, None)})
    _, token = fixtures.reader(stack)
    status, _, page = fixtures.call(stack.url + "/books?page=2&per_page=20", token=token)
    if status != 200 or not isinstance(page, list) or not page:
        raise StartError(f"GET /books?page=2&per_page=20: {status}, no books (seeding failed?)")

    connections = args.connections[0]
    pairs = [(Case(s, connections, "current", "", "app"),
              Case(s, connections, "base", BASE_PREFIX, "base"))
             for s in read_scenarios(token, page[0]["id"], (connections,))]

    def run_once(case: Case, duration: float) -> None:
        case.runs.append(measure(bench, case, duration=duration, threads=args.threads,
                                 timeout=args.timeout))

    if args.instructions:
        return check_instructions(bench, args, pairs, started, head, dirty, changed, commit)
    if args.warmup > 0:
        progress(f"bench-check: warm-up, {args.warmup} s per scenario and binary ...")
        for pair in pairs:
            for case in pair:
                run_once(Case(case.scenario, connections, case.label, case.path_prefix, case.pool),
                         args.warmup)
    for n in range(1, args.runs + 1):
        for pair in pairs:
            for case in (pair if n % 2 else reversed(pair)):   # who goes first alternates
                run_once(case, args.duration)
                r = case.runs[-1]
                progress(f"bench-check: run {n}/{args.runs} {case.scenario.title} ({case.label}): "
                         f"{r.wrk.rps:,.0f} req/s, {r.cpu_us_per_req:.1f} CPU µs/req (load {r.load1:.1f})")

    rows, ratios = [], []
    for current, base in pairs:
        cur_cpu = current.median(lambda r: r.cpu_us_per_req)
        base_cpu = base.median(lambda r: r.cpu_us_per_req)
        ratios.append(cur_cpu / base_cpu)
        rows.append((current.scenario.title,
                     f"{current.median(lambda r: r.wrk.rps):,.0f}", f"{base.median(lambda r: r.wrk.rps):,.0f}",
                     f"{cur_cpu:.1f}", f"{base_cpu:.1f}", f"{cur_cpu / base_cpu:.3f}",
                     f"{current.median(lambda r: r.ctx_per_req):.2f}", f"{base.median(lambda r: r.ctx_per_req):.2f}"))
    verdict = statistics.median(ratios)
    limit = 1 + args.max_cpu_increase / 100
    failed = [c for pair in pairs for c in pair if c.failures]
    out = [
        "",
        f"library-api bench-check, {started:%Y-%m-%d %H:%M} UTC: current {head}"
        + (f" + uncommitted ({changed})" if dirty else "") + f" against base {commit[:12]} ({args.base})",
        f"  load average before: {load_before}   after: {report.load_average()}",
        f"  one stack: nginx -> current {args.binary.name} and base binary, {args.app_processes} x "
        f"{args.app_threads} threads each, sharing MariaDB and memcached; wrk -t{args.threads} "
        f"-c{connections}, {args.duration} s per run, {args.runs} run(s) each, interleaved; medians",
        "",
        *report.table(("scenario", "req/s now", "req/s base", "CPU µs/req now", "CPU µs/req base",
                       "now ÷ base", "ctx/req now", "ctx/req base"), rows),
        "",
        f"  CPU per request, now ÷ base, median over the scenarios: {verdict:.3f} "
        f"(limit {limit:.2f}): " + ("OK" if verdict <= limit else "TOO HIGH"),
    ]
    if failed:
        out += ["", "  FAILED runs:"] + [f"    {c.scenario.title} ({c.label}) {why}"
                                         for c in failed for why in c.failures]
    print("\n".join(out) + "\n", flush=True)
    return 1 if failed or verdict > limit else 0


def check_instructions(bench: BenchStack, args: argparse.Namespace, pairs: list[tuple[Case, Case]],
                       started: datetime.datetime, head: str, dirty: bool, changed: str, commit: str) -> int:
    """bench-check --instructions: each scenario once per binary (after a warm-up run), counted
    by callgrind; the verdict is the median over the scenarios of now ÷ base."""
    counted: dict[tuple[str, str], tuple[float, int]] = {}
    for current, base in pairs:
        for case in (current, base):
            if args.warmup > 0:   # caches fill, connections open; not counted
                measure(bench, Case(case.scenario, case.connections, case.label, case.path_prefix, case.pool),
                        duration=args.warmup, threads=args.threads, timeout=args.timeout)
            out_dir = bench.run / "callgrind" / case.label
            counted[(case.scenario.title, case.label)] = callgrind.count(
                bench, case, out_dir, duration=args.duration, timeout=args.timeout)
            per_request, requests = counted[(case.scenario.title, case.label)]
            progress(f"bench-check: {case.scenario.title} ({case.label}): {per_request:,.0f} instructions "
                     f"per request over {requests:,} requests")
    rows, ratios = [], []
    for current, base in pairs:
        now, _ = counted[(current.scenario.title, "current")]
        then, _ = counted[(base.scenario.title, "base")]
        ratios.append(now / then)
        rows.append((current.scenario.title, f"{now:,.0f}", f"{then:,.0f}", f"{now / then:.3f}"))
    verdict = statistics.median(ratios)
    limit = 1 + args.max_instruction_increase / 100
    out = [
        "",
        f"library-api bench-check --instructions, {started:%Y-%m-%d %H:%M} UTC: current {head}"
        + (f" + uncommitted ({changed})" if dirty else "") + f" against base {commit[:12]} ({args.base})",
        f"  one stack, both binaries' `serve` under valgrind's callgrind, {args.app_processes} x "
        f"{args.app_threads} threads each; wrk -c{pairs[0][0].connections} for {args.duration} s per "
        f"scenario and binary, counted over the middle {max(args.duration - 2 * callgrind.SETTLE_SECONDS, 1):g} s: "
        "every instruction of the app's processes ÷ the requests they served (user space only)",
        "",
        *report.table(("scenario", "instructions/req now", "instructions/req base", "now ÷ base"), rows),
        "",
        f"  instructions per request, now ÷ base, median over the scenarios: {verdict:.3f} "
        f"(limit {limit:.2f}): " + ("OK" if verdict <= limit else "TOO HIGH"),
    ]
    print("\n".join(out) + "\n", flush=True)
    return 0 if verdict <= limit else 1
