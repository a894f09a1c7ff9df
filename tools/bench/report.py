"""The bench's output: the table on stdout, the JSON lines in run/bench-results.jsonl, and the
comparison with the previous bench recorded there."""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import subprocess
from pathlib import Path

from ..devstack.app import REPO
from .measure import Case
from .scenarios import FLASK_REQ_S


# -- numbers ------------------------------------------------------------------------------------
def fmt_us(us: float) -> str:
    if us is None or math.isnan(us):
        return "-"
    return f"{us:.0f}µs" if us < 1000 else f"{us / 1000:.2f}ms" if us < 1e6 else f"{us / 1e6:.2f}s"


def fmt_ratio(value: float | None, digits: int = 3) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def change(new: float, old: float | None) -> str:
    if not old or math.isnan(old) or math.isnan(new):
        return "-"
    return f"{(new / old - 1) * 100:+.1f}%"


def table(header: tuple[str, ...], rows: list[tuple[str, ...]], left: set[int] = frozenset({0})) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    def line(cells):
        return "  " + "  ".join(c.ljust(w) if i in left else c.rjust(w)
                                for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return [line(header), "  " + "  ".join("-" * w for w in widths), *map(line, rows)]


# -- where the figures come from ---------------------------------------------------------------
def describe_source() -> tuple[str, bool, str]:
    """(short commit, dirty, what is uncommitted: the top-level paths)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout
    head = git("rev-parse", "--short", "HEAD").strip() or "?"
    # porcelain lines are "XY path": the first column may be a space
    changed = sorted({line[3:].split("/")[0] for line in git("status", "--porcelain").splitlines()})
    return head, bool(changed), ", ".join(changed)


def shown(path: Path) -> str:
    """A path relative to the repository when it is inside."""
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def header(common: dict, changed: str, args: argparse.Namespace, copy: Path) -> list[str]:
    built = datetime.datetime.fromtimestamp(args.binary.stat().st_mtime)
    bench = datetime.datetime.strptime(common["bench"], "%Y-%m-%dT%H:%M:%SZ")
    p, t = args.app_processes, args.app_threads
    return [
        "",
        f"library-api benchmark, {bench:%Y-%m-%d %H:%M} UTC, {common['host']} ({os.cpu_count()} CPUs)",
        f"  commit {common['commit']}" + (f" + uncommitted ({changed})" if common["dirty"] else ""),
        f"  binary {shown(args.binary)}, built {built:%Y-%m-%d %H:%M} (a copy of it runs: {shown(copy)})",
        f"  load average before {common['load_before']}, after {common['load_after']} (1/5/15 min)",
        f"  stack: nginx 2 workers, upstream keepalive {args.keepalive} -> library-app {p} processes x {t} threads",
        "         (LIBRARY_ENV=production, access log on, rate limits on with limits no run reaches);"
        f" MariaDB, memcached; {args.books} books",
        f"         C hellos: plain, + 1 memcached get, + noreply incr + get, the two in one write, shaped (the one write"
        " fetching the app's own answer; tools/bench/fcgi_hello.c):"
        f" {p} x {args.hello_threads} threads"
        " each, spawned and proxied like the app",
        f"  wrk -t{args.threads}: {args.runs} run(s) x {args.duration} s per row, interleaved, after"
        f" {args.warmup} s warm-up per scenario; medians of the runs",
        "  ÷hello: against the C hello at the same connection count. CPU µs/req, ctx/req: utime+stime"
        " and context switches",
        "         of the serving pool's processes (the hello's on the hello rows) during the run,"
        " over the requests completed",
        "  all µs/req: that plus nginx, memcached, MariaDB and wrk: the CPU the machine spends per request;"
        " 2 cores can serve at most 2,000,000 ÷ it per second",
    ]


# -- figures of a case ---------------------------------------------------------------------------
def figures(case: Case, hello: Case | None) -> dict:
    rps = case.median(lambda r: r.wrk.rps)
    p99 = case.median(lambda r: r.wrk.p99_us)
    hello_rps = hello.median(lambda r: r.wrk.rps) if hello else None
    hello_p99 = hello.median(lambda r: r.wrk.p99_us) if hello else None
    requests = case.total(lambda r: r.wrk.requests)
    hit, miss = case.total(lambda r: r.wrk.hit), case.total(lambda r: r.wrk.miss)
    return {
        "req_s": round(rps, 1),
        "p50_us": case.median(lambda r: r.wrk.p50_us), "p99_us": p99,
        "p999_us": case.median(lambda r: r.wrk.p999_us),
        "req_s_vs_hello": round(rps / hello_rps, 4) if hello_rps else None,
        "p99_vs_hello": round(p99 / hello_p99, 2) if hello_p99 else None,
        "cpu_us_per_req": round(case.median(lambda r: r.cpu_us_per_req), 2),
        "ctx_per_req": round(case.median(lambda r: r.ctx_per_req), 3),
        # every process of the machine that serves or drives the request: what 2 cores divide
        "all_cpu_us_per_req": round(case.median(lambda r: r.cpu_us_per_req + sum(r.others_cpu_us_per_req.values())), 1),
        "shed_pct": round(100 * case.total(lambda r: r.wrk.shed) / requests, 3) if requests else None,
        "x_cache_hit": hit, "x_cache_miss": miss,
        "miss_pct": round(100 * miss / (hit + miss), 3) if hit + miss else None,
        "others_cpu_us_per_req": {name: round(case.median(lambda r: r.others_cpu_us_per_req.get(name, 0)), 2)
                                  for name in (case.runs[0].others_cpu_us_per_req if case.runs else {})},
        "errors": case.total(lambda r: r.wrk.errors(case.shed_allowed)),
        "unmatched": case.total(lambda r: r.wrk.unmatched),
        "status": "FAILED" if case.failures else "ok",
    }


def notes(case: Case, f: dict) -> str:
    if case.scenario.key == "login":   # req/s, p50 and p99 only
        return "FAILED" if f["status"] != "ok" else ""
    parts = []
    if f["miss_pct"] is not None:
        parts.append(f"X-Cache MISS {f['miss_pct']:.2f}%" if f["miss_pct"] >= 50
                     else f"X-Cache HIT {100 - f['miss_pct']:.2f}%")
    if case.shed_allowed:
        parts.append(f"shed {f['shed_pct'] or 0:.2f}%")
    database = f["others_cpu_us_per_req"].get("mariadb", 0)
    if database >= 100:   # where the rest of the time goes, when the database dominates
        parts.append(f"MariaDB {database:,.0f} CPU µs/req")
    if case.scenario.key == "borrow-return":
        parts.append(f"errors {f['errors']}, unmatched {f['unmatched']}")
    if f["status"] != "ok":
        parts.append("FAILED")
    return ", ".join(parts)


# -- the report ------------------------------------------------------------------------------
def results_table(cases: list[Case], hello: dict[int, Case]) -> list[str]:
    rows = []
    for case in cases:
        f = figures(case, hello.get(case.connections))
        if case.scenario.key == "login":   # a few hundred requests: req/s, p50, p99 only
            rows.append((case.scenario.title, str(case.connections), f"{f['req_s']:,.1f}", "-",
                         fmt_us(f["p50_us"]), fmt_us(f["p99_us"]), "-", "-", "-", "-", "-", notes(case, f)))
            continue
        rows.append((case.scenario.title, str(case.connections), f"{f['req_s']:,.0f}",
                     fmt_ratio(f["req_s_vs_hello"]), fmt_us(f["p50_us"]), fmt_us(f["p99_us"]),
                     fmt_us(f["p999_us"]), fmt_ratio(f["p99_vs_hello"], 1),
                     f"{f['cpu_us_per_req']:.1f}", f"{f['ctx_per_req']:.2f}", f"{f['all_cpu_us_per_req']:.0f}",
                     notes(case, f)))
    header = ("scenario", "conns", "req/s", "÷hello", "p50", "p99", "p99.9", "p99÷hello",
              "CPU µs/req", "ctx/req", "all µs/req", "notes")
    return table(header, rows, left={0, 11})


def floor_lines(cases: list[Case]) -> list[str]:
    """Each counted cached read beside its shaped C floor: what the app's own work costs."""
    floors = {(c.scenario.key, c.connections): c for c in cases if c.runs}
    rows = []
    for c in cases:
        floor = floors.get((f"shaped-{c.scenario.key}", c.connections))
        if not c.runs or floor is None:
            continue
        mine, its = figures(c, None), figures(floor, None)
        rows.append((c.scenario.title, str(c.connections),
                     fmt_ratio(mine["req_s"] / its["req_s"]) if its["req_s"] else "-",
                     f"{mine['all_cpu_us_per_req']:.0f} / {its['all_cpu_us_per_req']:.0f}",
                     f"{mine['all_cpu_us_per_req'] - its['all_cpu_us_per_req']:+.0f}",
                     f"{mine['cpu_us_per_req']:.1f} / {its['cpu_us_per_req']:.1f}"))
    if not rows:
        return []
    return ["", "  Against the C floor shaped as the same request (same bytes in and out, the same "
            "memcached write; all figures medians):",
            *table(("scenario", "conns", "req/s ÷ floor", "all µs/req: app / floor", "difference",
                    "CPU µs/req: app / floor"), rows)]


def flask_lines(cases: list[Case]) -> list[str]:
    lines = []
    for key, flask in FLASK_REQ_S.items():
        ours = [c for c in cases if c.scenario.key == key and c.runs]
        if ours:
            c = min(ours, key=lambda c: c.connections)
            rps = c.median(lambda r: r.wrk.rps)
            lines.append(f"    {c.scenario.title:<40} Flask ≈{flask:,.0f} req/s; ours at {c.connections} "
                         f"connections {rps:,.0f} req/s = {rps / flask:.1f}x")
    if not lines:
        return []
    return ["", "  The Flask design's figures measured on this kind of machine (gunicorn, 5 sync "
            "workers, behind nginx; not measured in this run):", *lines]


def records(cases: list[Case], hello: dict[int, Case], common: dict) -> list[dict]:
    return [{**common, "scenario": c.scenario.key, "title": c.scenario.title,
             "connections": c.connections, "pool": c.scenario.pool,
             **figures(c, hello.get(c.connections)), "failures": c.failures,
             "runs": [r.raw() for r in c.runs]} for c in cases if c.runs]


def previous_bench(path: Path, bench_id: str) -> list[dict]:
    """The rows of the most recent bench recorded before this one."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue
    earlier = [r for r in rows if r.get("bench") != bench_id and "bench" in r]
    if not earlier:
        return []
    latest = max(r["bench"] for r in earlier)
    return [r for r in earlier if r["bench"] == latest]


def comparison(records_now: list[dict], before: list[dict], path: Path) -> list[str]:
    if not before:
        return []
    old = {(r["scenario"], r["connections"]): r for r in before}
    b = before[0]
    lines = ["", f"  Against the previous bench in {shown(path)}: {b['bench']}, commit "
             f"{b.get('commit', '?')}{' + uncommitted' if b.get('dirty') else ''}, "
             f"{b.get('shape', {}).get('runs', '?')} x {b.get('shape', {}).get('duration', '?')} s "
             "(the machine's noise is ±15 % or more: compare the hello rows too)"]
    rows = []
    for r in records_now:
        o = old.get((r["scenario"], r["connections"]))
        if o is None:
            continue
        rows.append((r["title"], str(r["connections"]),
                     f"{o['req_s']:,.0f} -> {r['req_s']:,.0f}", change(r["req_s"], o["req_s"]),
                     f"{o['cpu_us_per_req']:.1f} -> {r['cpu_us_per_req']:.1f}",
                     change(r["cpu_us_per_req"], o["cpu_us_per_req"])))
    if not rows:
        return lines + ["    (no scenario in common)"]
    return lines + table(("scenario", "conns", "req/s", "change", "CPU µs/req", "change"), rows)


def append_records(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
