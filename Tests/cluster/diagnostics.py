"""What a cluster test prints when its failed requests pass their limit: when the failures came
and what they said, what the app logged about the database meanwhile, and the views and state
changes the Galera nodes logged. A failure that shows once in many runs on a CI machine then
explains itself from the CI log, without a rerun."""
from __future__ import annotations

import collections
import re
import time
from dataclasses import dataclass, field

# a node's primary or non-primary view, its state changes, a state transfer asked for
GALERA_EVENT = re.compile(r"view\(view_id\((?:PRIM|NON_PRIM)|Shifting \S+ -> \S+|requested state transfer")
APP_DATABASE_LINE = re.compile(r"warning .*(database|cannot connect)")


@dataclass
class FailureLog:
    """The failed requests of a run: seconds since its start, what was asked, the answer."""
    started_wall: float = field(default_factory=time.time)
    started: float = field(default_factory=time.monotonic)
    entries: list[tuple[float, str, str]] = field(default_factory=list)

    def add(self, request: str, answer: str) -> None:
        self.entries.append((time.monotonic() - self.started, request, answer))

    def summary(self) -> str:
        per_second = collections.Counter(int(at) for at, _, _ in self.entries)
        answers = collections.Counter(answer for _, _, answer in self.entries)
        start = time.strftime("%H:%M:%S", time.localtime(self.started_wall))
        return "\n".join([
            f"run started {start} (the nodes' logs use local time)",
            "failures per second of the run: " + ", ".join(f"{s} s: {n}" for s, n in sorted(per_second.items())),
            "answers: " + "; ".join(f"{n} × {answer}" for answer, n in answers.most_common(8)),
        ])


def galera_events(cluster, last: int = 40) -> str:
    lines = []
    for node in cluster.nodes:
        log = node.processes.log_path(node.name)
        text = log.read_text(errors="replace") if log.exists() else ""
        lines += [f"{node.name}: {line.strip()[:140]}" for line in text.splitlines() if GALERA_EVENT.search(line)]
    return "\n".join(sorted(lines, key=lambda line: line.split(": ", 1)[1])[-last:])


def app_database_warnings(cluster) -> str:
    counts: collections.Counter[str] = collections.Counter()
    for host in cluster.hosts:
        log = host.processes.log_path(host.pool.name)
        text = log.read_text(errors="replace") if log.exists() else ""
        for line in text.splitlines():
            if APP_DATABASE_LINE.search(line):
                message = re.sub(r"request_id=\S+|connection_id=\S+", "", line.split(" ", 1)[-1])
                counts[f"{host.url}: {message.strip()[:160]}"] += 1
    return "\n".join(f"{n} × {line}" for line, n in counts.most_common(12))


def report(cluster, failures: FailureLog) -> str:
    return "\n".join([failures.summary(), "app, database warnings:", app_database_warnings(cluster),
                      "Galera events:", galera_events(cluster)])
