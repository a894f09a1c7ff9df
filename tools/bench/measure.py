"""One measured wrk run: /proc sampled right before and right after it, for the pool whose
CPU the scenario costs (and, for the record, nginx, memcached and MariaDB)."""
from __future__ import annotations

import os
import resource
import statistics
from dataclasses import dataclass, field

from . import procstat, wrk
from .pools import BenchStack
from .scenarios import Scenario
from .wrk import WrkResult

SHED_ALLOWED_FROM = 512   # connections from which a 503 (+ Retry-After) is load shedding, not a failure


@dataclass
class Run:
    wrk: WrkResult
    cpu_us_per_req: float
    ctx_per_req: float
    others_cpu_us_per_req: dict[str, float]   # nginx, memcached, mariadb, wrk
    pids_changed: bool
    load1: float

    def raw(self) -> dict:
        w = self.wrk
        return {"req_s": round(w.rps, 1), "requests": w.requests, "seconds": round(w.seconds, 3),
                "p50_us": w.p50_us, "p99_us": w.p99_us, "p999_us": w.p999_us,
                "cpu_us_per_req": round(self.cpu_us_per_req, 2), "ctx_per_req": round(self.ctx_per_req, 3),
                "others_cpu_us_per_req": {k: round(v, 2) for k, v in self.others_cpu_us_per_req.items()},
                "ok": w.ok, "shed_503": w.shed, "bad": w.bad, "statuses": w.statuses,
                "socket_errors": w.socket_errors, "x_cache_hit": w.hit, "x_cache_miss": w.miss,
                "unmatched": w.unmatched, "pids_changed": self.pids_changed, "load1": self.load1}


@dataclass
class Case:
    """A scenario at one connection count, and its runs."""
    scenario: Scenario
    connections: int
    label: str = ""                         # bench-check: "current" or "base"
    path_prefix: str = ""                   # bench-check: /_base for the base pool
    pool: str = ""                          # default: the scenario's
    runs: list[Run] = field(default_factory=list)

    @property
    def shed_allowed(self) -> bool:
        return self.connections >= SHED_ALLOWED_FROM

    def median(self, figure) -> float:
        values = [figure(r) for r in self.runs]
        return statistics.median(values) if values else float("nan")

    def total(self, figure) -> int:
        return sum(figure(r) for r in self.runs)

    @property
    def failures(self) -> list[str]:
        found = []
        for n, r in enumerate(self.runs, 1):
            w = r.wrk
            why = []
            if w.requests == 0:
                why.append("no answer")
            if w.bad or (w.shed and not self.shed_allowed):
                statuses = {s: c for s, c in w.statuses.items() if int(s) >= 400
                            and (int(s) != 503 or not self.shed_allowed)}
                why.append(f"statuses {statuses}")
            if any(w.socket_errors.values()):
                why.append("socket errors " + ", ".join(f"{k} {v}" for k, v in w.socket_errors.items() if v))
            if r.pids_changed:
                why.append("a pool process died and was restarted (see logs/)")
            if why:
                found.append(f"run {n}: " + "; ".join(why))
        return found


def measure(bench: BenchStack, case: Case, *, duration: float, threads: int, timeout: float) -> Run:
    s = case.scenario
    pool = bench.pools()[case.pool or s.pool]
    others = bench.other_pids()
    threads = min(threads, case.connections)
    s.before()
    pids = pool.pids()
    before = procstat.usage(pids)
    others_before = {name: procstat.usage(p) for name, p in others.items()}
    # wrk is the only child this process waits for during the run: its CPU is the children's delta
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = wrk.run(bench.stack.url + case.path_prefix + s.path, connections=case.connections,
                     threads=threads, duration=duration, timeout=timeout, script=s.script,
                     args=s.args(threads), headers=s.headers())
    used = procstat.usage(pids) - before
    others_used = {name: (procstat.usage(p) - others_before[name]).cpu_s for name, p in others.items()}
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    others_used["wrk"] = (children_after.ru_utime + children_after.ru_stime
                          - children_before.ru_utime - children_before.ru_stime)
    changed = pool.pids() != pids
    s.after(result)
    n = max(result.requests, 1)
    return Run(result, used.cpu_s * 1e6 / n, used.switches / n,
               {name: cpu_s * 1e6 / n for name, cpu_s in others_used.items()},
               changed, os.getloadavg()[0])
