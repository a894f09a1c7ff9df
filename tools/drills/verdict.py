"""Judging one drill: every answer the load got, against what the drill allows."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .faults import Allowance, Drill, Fault
from .load import Answer
from .population import Invariants

# MariaDB back: full service within this many seconds
RECOVERY_SECONDS = 2.0


@dataclass
class Verdict:
    reads: int
    writes: int
    failures: Counter            # "read 502" -> count
    max_latency: float
    recovery: float | None       # seconds from the end of the fault to the last failure's answer
    invariants: list[str]
    notes: list[str]             # what the fault itself reports (connections killed, ...)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def judge(answers: list[Answer], fault: Fault, drill: Drill, invariants: Invariants,
          writers: int, timeout: float) -> Verdict:
    allowance = drill.allowance
    failed = [a for a in answers if not a.ok]
    verdict = Verdict(
        reads=sum(a.kind == "read" for a in answers), writes=sum(a.kind == "write" for a in answers),
        failures=Counter(f"{a.kind} {a.status}" for a in failed),
        max_latency=max((a.latency for a in answers), default=0.0),
        recovery=max(a.ended for a in failed) - fault.ended if failed else None,
        invariants=invariants.broken, notes=fault.notes, problems=list(fault.problems) + invariants.broken)
    problems = verdict.problems
    if not verdict.reads or not verdict.writes:
        problems.append("the load made no reads or no writes")
    stuck = [a for a in answers if a.status == "timeout"]
    if stuck:
        problems.append(f"{len(stuck)} requests got no answer within {timeout:g} s")

    if allowance is Allowance.NOTHING:
        if failed:
            problems.append(f"{len(failed)} failed requests, none allowed")
    elif allowance is Allowance.WRITES_IN_FLIGHT:
        reads = [a for a in failed if a.kind == "read"]
        writes = [a for a in failed if a.kind == "write"]
        if reads:
            problems.append(f"{len(reads)} failed reads, none allowed")
        # in flight at the fault: sent before it, answered after it began
        strays = [a for a in writes if a.status != drill.in_flight_status
                  or not (a.started <= fault.ended and a.ended >= fault.began)]
        if strays:
            problems.append(f"{len(strays)} failed writes not in flight at the fault "
                            f"or not {drill.in_flight_status}")
        if len(writes) > writers * fault.cuts:
            problems.append(f"{len(writes)} failed writes, more than the {writers} writers had in flight "
                            f"at {fault.cuts} cut(s)")
    elif allowance is Allowance.DATABASE_AWAY:
        wrong = [a for a in failed if a.status != 503 or not a.retry_after]
        if wrong:
            kinds = Counter(f"{a.kind} {a.status}{'' if a.retry_after else ' without Retry-After'}" for a in wrong)
            problems.append(f"failures other than 503 + Retry-After: {dict(kinds)}")
        early = [a for a in failed if a.ended < fault.began]
        if early:
            problems.append(f"{len(early)} failures before MariaDB went away")
        if verdict.recovery is not None and verdict.recovery > RECOVERY_SECONDS:
            problems.append(f"full service {verdict.recovery:.2f} s after MariaDB was back "
                            f"(at most {RECOVERY_SECONDS:g} s)")
    return verdict
