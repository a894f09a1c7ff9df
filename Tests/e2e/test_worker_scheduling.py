"""The worker threads run as SCHED_BATCH by default (a woken worker does not preempt nginx or
memcached: docs/performance.md, "The 512-connection row"); APP_WORKER_SCHEDULING=inherit (or
--scheduling inherit) leaves the policy the process started with, and any other value stops
`serve` at once."""
from __future__ import annotations

import os
from pathlib import Path

from test_fastcgi_socket import serve, wait_for  # noqa: F401 (a fixture)


def worker_policies(pid: int) -> dict[str, int]:
    """The scheduling policy of each `fcgi-worker-N` thread of the process, by thread name."""
    policies = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        name = (task / "comm").read_text().strip()
        if name.startswith("fcgi-worker-"):
            policies[name] = os.sched_getscheduler(int(task.name))
    return policies


def started_workers(serve, tmp_path, name: str, *args: str, **env: str) -> dict[str, int]:  # noqa: F811
    path = tmp_path / f"{name}.sock"
    process = serve("--socket", str(path), *args, **env)
    wait_for(lambda: path.exists() and len(worker_policies(process.pid)) == 2, process)
    return worker_policies(process.pid)


def test_worker_threads_run_as_batch_by_default(serve, tmp_path):  # noqa: F811
    policies = started_workers(serve, tmp_path, "default")
    assert policies == {"fcgi-worker-0": os.SCHED_BATCH, "fcgi-worker-1": os.SCHED_BATCH}


def test_inherited_scheduling_on_request(serve, tmp_path):  # noqa: F811
    by_env = started_workers(serve, tmp_path, "env", APP_WORKER_SCHEDULING="inherit")
    by_option = started_workers(serve, tmp_path, "option", "--scheduling", "inherit")
    assert set(by_env.values()) == set(by_option.values()) == {os.SCHED_OTHER}


def test_an_unknown_scheduling_stops_serve_with_a_clear_message(serve, tmp_path):  # noqa: F811
    process = serve("--socket", str(tmp_path / "bad.sock"), APP_WORKER_SCHEDULING="fifo")
    assert process.wait(timeout=30) == 64  # EX_USAGE, from the argument parser's validation
    log = (tmp_path / "serve-0.log").read_text()
    assert "must be batch or inherit, not 'fifo'" in log


def test_the_stacks_workers_run_as_batch(stack):
    """Through the devstack (spawn-fcgi), as `make run` and the bench start the app."""
    for pid in stack.pool.pids():
        policies = worker_policies(pid)
        assert len(policies) == 16, policies
        assert set(policies.values()) == {os.SCHED_BATCH}, policies
