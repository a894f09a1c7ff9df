"""What a set of processes has used, from /proc: CPU time, context switches, memory.

Sampled right before and right after each wrk run; the difference divided by the requests wrk
completed is the cost of one request in that pool (its background threads included, which a
request's cost should carry anyway).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Usage:
    cpu_s: float       # utime + stime of the processes (every thread, living or gone)
    switches: int      # voluntary + nonvoluntary context switches of their living threads

    def __sub__(self, other: "Usage") -> "Usage":
        return Usage(self.cpu_s - other.cpu_s, self.switches - other.switches)


def _cpu_s(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()  # the command name may hold spaces
    return (int(fields[11]) + int(fields[12])) / TICKS  # fields 14 and 15 of proc(5)


def _switches(pid: int) -> int:
    # per thread: /proc/PID/status alone counts the main thread only
    total = 0
    for status in Path(f"/proc/{pid}/task").glob("*/status"):
        try:
            for line in status.read_text().splitlines():
                if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                    total += int(line.split()[1])
        except OSError:
            pass  # a thread that ended between the listing and the read
    return total


def usage(pids: list[int]) -> Usage:
    cpu, switches = 0.0, 0
    for pid in pids:
        try:
            cpu += _cpu_s(pid)
            switches += _switches(pid)
        except OSError:
            pass  # gone: the caller notices changed PIDs and fails the run
    return Usage(cpu, switches)


def rss_kib(pid: int) -> int:
    """VmRSS of one process (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
