"""Running wrk once and reading its figures.

Every run uses a script of lua/ (plain GETs use lua/common.lua alone): its done() prints one
line `BENCH-RESULT {json}` with the request count, p50/p99/p99.9 and the answers counted by
kind in response(). Every scenario pays for that response() call, the C hello too, so the
ratios between them stay fair.
"""
from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..devstack.process import StartError

LUA = Path(__file__).resolve().parent / "lua"
MARK = "BENCH-RESULT "


@dataclass
class WrkResult:
    requests: int                  # answers wrk completed (any status)
    seconds: float
    p50_us: float
    p99_us: float
    p999_us: float
    ok: int                        # 2xx and 3xx
    shed: int                      # 503
    bad: int                       # every other status
    statuses: dict[str, int]       # counts of every status >= 300
    socket_errors: dict[str, int]  # connect, read, write, timeout
    hit: int = 0                   # X-Cache: HIT
    miss: int = 0                  # X-Cache: MISS
    unmatched: int = 0             # borrow_return.lua: answers without a loan in them
    issued_per_thread: list[int] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def errors(self, shed_allowed: bool) -> int:
        """Answers and failures that make the scenario FAILED."""
        return self.bad + sum(self.socket_errors.values()) + (0 if shed_allowed else self.shed)


def parse(stdout: str) -> WrkResult:
    line = next((l for l in stdout.splitlines() if l.startswith(MARK)), None)
    if line is None:
        raise StartError(f"wrk printed no {MARK.strip()} line (a Lua error?):\n{stdout}")
    data = json.loads(line[len(MARK):])
    totals: dict[str, int] = {}
    statuses: dict[str, int] = {}
    for thread in data["threads"]:
        for key, value in thread.items():
            if key == "statuses":
                for status, n in value.items():
                    statuses[status] = statuses.get(status, 0) + int(n)
            else:
                totals[key] = totals.get(key, 0) + int(value)
    errors = data["errors"]
    latency = data["latency_us"]
    return WrkResult(
        requests=data["requests"], seconds=data["duration_us"] / 1e6,
        p50_us=latency["p50"], p99_us=latency["p99"], p999_us=latency["p99.9"],
        ok=totals.get("ok", 0), shed=totals.get("shed", 0), bad=totals.get("bad", 0),
        statuses=dict(sorted(statuses.items())),
        socket_errors={k: errors[k] for k in ("connect", "read", "write", "timeout")},
        hit=totals.get("hit", 0), miss=totals.get("miss", 0),
        unmatched=totals.get("unmatched", 0),
        issued_per_thread=[int(t.get("issued", 0)) for t in data["threads"]],
    )


def run(url: str, *, connections: int, threads: int, duration: float, timeout: float,
        script: str = "common.lua", args: list[str] = (), headers: dict[str, str] | None = None
        ) -> WrkResult:
    threads = min(threads, connections)   # wrk needs a connection per thread
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", f"--timeout={timeout:g}s",
            "-s", str(LUA / script)]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    argv += [url, "--", *args]
    done = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=duration + timeout + 60)
    if done.returncode != 0 or done.stderr.strip():
        # wrk prints Lua errors on stderr and may go on with a broken script
        raise StartError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout}")
    return parse(done.stdout)
