"""`make bench`: throughput and latency of the API on this machine, with wrk.

    python3 -m tools.bench [--duration 8] [--connections 32] [--threads 2] [--runs 3] [--binary PATH]

Starts its own stack under run/bench (tools/devstack: MariaDB, memcached, the release binary
under spawn-fcgi with LIBRARY_ENV=production, ACCESS_LOG=true and rate limits off, nginx with
the benchmark-only location /_bench/static), seeds a catalogue, logs in as the admin and as a
normal user, then runs every scenario `--runs` times, interleaved (A B C … A B C …) so that drift
in the machine's load hits all of them alike. It prints, per scenario, the medians of req/s, p50
and p99 latency, and the ratio to nginx answering by itself (the baseline, measured in the same
run). A scenario with any non-2xx/3xx answer or socket error is FAILED and the exit status is 1.
Everything it started is stopped at the end, on Ctrl-C and on errors too.

Standard library only. Needs wrk (Debian package `wrk`).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from ..devstack.app import REPO, PRODUCT
from ..devstack.process import StartError, stop_recorded
from ..devstack.stack import ADMIN_EMAIL, Stack, StackConfig

# The Flask design on gunicorn (5 sync workers) behind nginx on this kind of machine:
# /work/shared/NOTES.md. Not measured by this script.
FLASK_REFERENCE = {"health": 870.0, "books": 540.0}


@dataclass
class Scenario:
    key: str
    title: str
    path: str
    token: bool = False
    method: str = "GET"
    lua: Path | None = None          # wrk -s script (POST bodies)
    flask: float | None = None       # req/s of the Flask design, from NOTES.md
    probe: str = ""                  # X-Cache (or status) seen on one request
    runs: list["Result"] = field(default_factory=list)


@dataclass
class Result:
    rps: float
    p50_us: float
    p99_us: float
    requests: int
    non_2xx: int
    socket_errors: dict[str, int]
    output: str

    @property
    def errors(self) -> int:
        return self.non_2xx + sum(self.socket_errors.values())

    @property
    def ok(self) -> bool:
        return self.requests > 0 and self.errors == 0


# -- wrk ---------------------------------------------------------------------------------------
UNITS_US = {"us": 1.0, "ms": 1e3, "s": 1e6, "m": 60e6, "h": 3600e6}


def latency_us(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        raise ValueError(f"unreadable wrk latency {text!r}")
    return float(match[1]) * UNITS_US[match[2]]


def parse_wrk(output: str) -> Result:
    """The figures of `wrk --latency` output (wrk 4.1)."""
    def percentile(p: str) -> float:
        match = re.search(rf"^\s+{p}%\s+(\S+)", output, re.M)
        return latency_us(match[1]) if match else float("nan")

    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    requests = re.search(r"^\s+(\d+) requests in", output, re.M)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return Result(
        rps=float(rps[1]) if rps else 0.0,
        p50_us=percentile("50"), p99_us=percentile("99"),
        requests=int(requests[1]) if requests else 0,
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=dict(zip(("connect", "read", "write", "timeout"),
                               map(int, sockets.groups()))) if sockets else {},
        output=output,
    )


def wrk(url: str, duration: float, connections: int, threads: int, headers: dict[str, str],
        lua: Path | None = None, timeout: float | None = None) -> Result:
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--latency"]
    if timeout:
        argv.append(f"--timeout={timeout:g}s")
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    if lua:
        argv += ["-s", str(lua)]
    done = subprocess.run(argv + [url], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=duration + 60)
    if done.returncode != 0:
        raise StartError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout}")
    return parse_wrk(done.stdout)


# -- HTTP with the standard library --------------------------------------------------------------
def call(url: str, method: str = "GET", body: dict | None = None,
         token: str | None = None) -> tuple[int, dict[str, str], object]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, headers, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, dict(error.headers), error.read()
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = raw.decode(errors="replace")
    return status, headers, payload


def login(url: str, email: str, password: str) -> str:
    status, _, payload = call(url + "/users/login", "POST", {"email": email, "password": password})
    if status != 200 or not isinstance(payload, dict) or "token" not in payload:
        raise StartError(f"POST /users/login as {email}: {status} {payload}")
    return payload["token"]


def bench_user(stack: Stack) -> tuple[str, str]:
    """A normal user (registered once; its password kept in <run>/bench-user.json)."""
    path = stack.run / "bench-user.json"
    saved = json.loads(path.read_text()) if path.exists() else {}
    user = {"username": "bench-reader", "email": "bench-reader@example.org",
            "password": secrets.token_hex(12), **saved}
    if not saved:
        path.write_text(json.dumps(user) + "\n")
        path.chmod(0o600)
    status, _, payload = call(stack.url + "/users/register", "POST", user)
    if status not in (201, 409):
        raise StartError(f"POST /users/register: {status} {payload}")
    return user["email"], user["password"]


# -- formatting ------------------------------------------------------------------------------------
def fmt_us(us: float) -> str:
    if us != us:  # NaN
        return "?"
    return f"{us:.0f}µs" if us < 1000 else f"{us / 1000:.2f}ms" if us < 1e6 else f"{us / 1e6:.2f}s"


def fmt_rps(rps: float) -> str:
    return f"{rps:,.0f}"


def ratio(rps: float, baseline: float) -> str:
    if not baseline:
        return "?"
    r = rps / baseline
    return f"{r:.3f}" if r >= 0.001 else f"{r:.2g}"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def describe_source() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip()
    head = git("rev-parse", "--short", "HEAD") or "?"
    dirty = git("status", "--porcelain", "--", "Sources", "Package.swift")
    return head + (" + uncommitted changes in Sources/" if dirty else "")


def status_of(scenario: Scenario) -> str:
    if not scenario.runs:
        return "not run"
    return "ok" if all(r.ok for r in scenario.runs) else "FAILED"


def table(scenarios: list[Scenario], baseline: float) -> list[str]:
    rows = [("scenario", "req/s", "p50", "p99", "÷ nginx", "X-Cache", "status", "runs (req/s)")]
    for s in scenarios:
        rps = median([r.rps for r in s.runs])
        rows.append((
            s.title, fmt_rps(rps), fmt_us(median([r.p50_us for r in s.runs])),
            fmt_us(median([r.p99_us for r in s.runs])),
            ratio(rps, baseline), s.probe or "-", status_of(s),
            " ".join(fmt_rps(r.rps) for r in s.runs),
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = {1, 2, 3, 4}
    lines = []
    for n, row in enumerate(rows):
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  " + "  ".join(cells).rstrip())
        if n == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return lines


def failure_details(scenario: Scenario) -> list[str]:
    lines = []
    for n, r in enumerate(scenario.runs, 1):
        if not r.ok:
            sockets = ", ".join(f"{k} {v}" for k, v in r.socket_errors.items() if v) or "none"
            lines.append(f"  {scenario.title}, run {n}: {r.requests} requests, "
                         f"{r.non_2xx} non-2xx/3xx, socket errors: {sockets}")
    return lines


# -- the benchmark ---------------------------------------------------------------------------------
def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python3 -m tools.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=8, help="seconds per wrk run (default 8)")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (default 2)")
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario, interleaved (default 3)")
    parser.add_argument("--warmup", type=float, default=2,
                        help="seconds of unmeasured load per scenario first (default 2; 0: none)")
    parser.add_argument("--books", type=int, default=10000, help="catalogue size (default 10000)")
    parser.add_argument("--login-connections", type=int, default=2,
                        help="wrk -c for POST /users/login, measured after the others (default 2; 0: skip)")
    parser.add_argument("--app-processes", type=int, default=2, help="app processes (default 2)")
    parser.add_argument("--app-threads", type=int, default=64, help="threads per app process (default 64)")
    parser.add_argument("--dir", type=Path, default=REPO / "run" / "bench", help="run folder (default run/bench)")
    parser.add_argument("--binary", type=Path, help=f"the {PRODUCT} to run (default .build/release/{PRODUCT})")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.duration <= 0 or args.connections < args.threads or args.threads < 1:
        parser.error("need --runs >= 1, --duration > 0, --threads >= 1 and --connections >= --threads")
    return args


def interrupt(_signum, _frame):
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    args = parse(argv)
    if not shutil.which("wrk"):
        print("bench: wrk not found (apt-get install wrk)", file=sys.stderr)
        return 2
    binary = (args.binary or REPO / ".build" / "release" / PRODUCT).resolve()
    if not os.access(binary, os.X_OK):
        print(f"bench: no executable {binary}: run `make build` or give --binary", file=sys.stderr)
        return 2

    run = args.dir.resolve()
    stop_recorded(run)   # leftovers of a killed run, then last run's (large) logs
    for log in (run / "logs").glob("*.log"):
        log.unlink()

    app_env = {"RATELIMIT_ENABLED": "false", "ACCESS_LOG": "true"}
    config = StackConfig(run=run, server="nginx", port=0, binary=binary,
                         processes=args.app_processes, threads=args.app_threads,
                         library_env="production", log_level="info", database="library_bench",
                         seed_books=args.books, bench_locations=True, app_env=app_env)
    stack = Stack(config)
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    try:
        return benchmark(stack, args)
    except KeyboardInterrupt:
        print("\nbench: interrupted, stopping ...", file=sys.stderr, flush=True)
        return 130
    except (StartError, subprocess.SubprocessError, OSError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)   # a second Ctrl-C must not cut this short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
        print(f"bench: stack stopped (logs in {run / 'logs'})", file=sys.stderr, flush=True)


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def benchmark(stack: Stack, args: argparse.Namespace) -> int:
    started = datetime.datetime.now().astimezone()
    load_before = uptime()
    progress(f"bench: starting the stack under {stack.run} (seeding {args.books} books the first time) ...")
    stack.start()
    url = stack.url

    admin_token = login(url, ADMIN_EMAIL, stack.secrets["admin_password"])
    user_email, user_password = bench_user(stack)
    user_token = login(url, user_email, user_password)
    tokens = {"admin": admin_token, "user": user_token}

    status, _, page = call(url + "/books?page=2&per_page=20", token=admin_token)
    items = page if isinstance(page, list) else (page or {}).get("items", []) if isinstance(page, dict) else []
    if status != 200 or not items:
        raise StartError(f"GET /books?page=2&per_page=20: {status}, no books (seeding failed?)")
    book_id = items[0]["id"]

    login_lua = stack.run / "bench-login.lua"
    login_lua.write_text(
        "-- POST /users/login for wrk (written by tools/bench.py)\n"
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = [==[{json.dumps({'email': user_email, 'password': user_password})}]==]\n")
    login_lua.chmod(0o600)

    scenarios = [
        Scenario("static", "(a) nginx static (baseline)", "/_bench/static"),
        Scenario("health", "(b) GET /health", "/health", flask=FLASK_REFERENCE["health"]),
        Scenario("me", "(c) GET /users/me", "/users/me", token=True),
        Scenario("books", "(d) GET /books?page=2&per_page=20", "/books?page=2&per_page=20", token=True,
                 flask=FLASK_REFERENCE["books"]),
        Scenario("book", f"(e) GET /books/{book_id}", f"/books/{book_id}", token=True),
    ]
    login_scenario = Scenario("login", "(f) POST /users/login", "/users/login", method="POST", lua=login_lua)

    def headers(s: Scenario) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens['admin']}"} if s.token else {}

    def load(s: Scenario, duration: float, connections: int, threads: int, timeout=None) -> Result:
        return wrk(url + s.path, duration, connections, threads, headers(s), s.lua, timeout)

    # Warm-up: every app thread opens its database connection on first use, caches fill.
    if args.warmup > 0:
        progress(f"bench: warm-up, {args.warmup:g} s per scenario ...")
        for s in scenarios:
            load(s, args.warmup, args.connections, args.threads)
    for s in scenarios:
        status, response_headers, _ = call(url + s.path, token=tokens["admin"] if s.token else None)
        cache = {k.lower(): v for k, v in response_headers.items()}.get("x-cache")
        s.probe = (cache or ("-" if s.key in ("static", "health") else "(none)")) + \
            ("" if status == 200 else f" [{status}]")
    pids_before = stack.pool.pids()

    for n in range(1, args.runs + 1):
        for s in scenarios:
            result = load(s, args.duration, args.connections, args.threads)
            s.runs.append(result)
            progress(f"bench: run {n}/{args.runs} {s.title}: {fmt_rps(result.rps)} req/s, "
                     f"p50 {fmt_us(result.p50_us)}, p99 {fmt_us(result.p99_us)}"
                     + f"  (load {os.getloadavg()[0]:.1f})"
                     + ("" if result.ok else f"  ERRORS: {result.errors}"))

    if args.login_connections > 0:
        threads = min(args.threads, args.login_connections)
        for n in range(1, args.runs + 1):
            result = load(login_scenario, args.duration, args.login_connections, threads, timeout=10)
            login_scenario.runs.append(result)
            progress(f"bench: run {n}/{args.runs} {login_scenario.title}: {result.rps:.1f} req/s"
                     + f"  (load {os.getloadavg()[0]:.1f})"
                     + ("" if result.ok else f"  ERRORS: {result.errors}"))
    pids_after = stack.pool.pids()
    load_after = uptime()

    # -- the report --
    baseline = median([r.rps for r in scenarios[0].runs])
    c = stack.config
    out = [
        "",
        f"library-api benchmark, {started:%Y-%m-%d %H:%M %Z} on {os.uname().nodename} "
        f"({os.cpu_count()} CPUs)",
        f"  load before: {load_before}",
        f"  load after:  {load_after}",
        "  (the load during the runs is mostly the benchmark's own: wrk, nginx, the app's threads;\n"
        "   a high load before means other work, compilers say, which lowers every figure: "
        "compare the ratios)",
        f"  app:   {stack.app.binary} ({describe_source()}), LIBRARY_ENV={c.library_env}, "
        f"ACCESS_LOG=true, RATELIMIT_ENABLED=false",
        f"  stack: nginx {c.web_workers} workers (upstream keepalive {c.keepalive}) -> "
        f"{c.processes} x library-app {c.threads} threads; MariaDB, memcached; {args.books} books",
        f"  wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s --latency, "
        f"{args.runs} runs per scenario interleaved, {args.warmup:g} s warm-up each; "
        "figures are medians of the runs",
        "  (c)-(e) with the admin's bearer token; X-Cache: the header of one request after "
        "the warm-up ((none): the app sent none)",
        "",
    ]
    out += table(scenarios, baseline)
    if login_scenario.runs:
        out += ["", f"  Measured separately, after the others: wrk -t{min(args.threads, args.login_connections)} "
                f"-c{args.login_connections} (scrypt ~100 ms of CPU per login, by design; a few hundred "
                "requests, so p99 is rough)"]
        out += table([login_scenario], baseline)
    else:
        out += ["", "  (f) POST /users/login: skipped (--login-connections 0)"]

    out += ["", "  Flask design on gunicorn, 5 sync workers, behind nginx: from NOTES.md, "
            "NOT measured in this run"]
    for s in scenarios:
        if s.flask:
            ours = median([r.rps for r in s.runs])
            what = "GET /books (cached)" if s.key == "books" else "GET /health"
            out.append(f"    {what:<20} Flask ~{s.flask:,.0f} req/s   ours ({s.title[4:]}, X-Cache {s.probe}) "
                       f"{fmt_rps(ours)} req/s = {ours / s.flask:,.1f}x")
            if s.key == "books" and s.probe != "HIT":
                out.append("      (not a cache hit here: ours uncached against Flask's cached figure)")

    failed = [s for s in scenarios + [login_scenario] if s.runs and not all(r.ok for r in s.runs)]
    if pids_before != pids_after:
        out += ["", f"  FAILED: app processes changed during the runs ({pids_before} -> {pids_after}): "
                "one crashed and multiwatch restarted it; see logs/app.log"]
    if failed:
        out += ["", "  FAILED scenarios (non-2xx/3xx answers or socket errors):"]
        for s in failed:
            out += failure_details(s)
    print("\n".join(out) + "\n", flush=True)
    return 1 if failed or pids_before != pids_after else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
