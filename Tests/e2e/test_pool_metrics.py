"""One scrape of /metrics shows the host's whole pool (docs/operations.md, Metrics): each app
process counts into a file of its own under METRICS_DIR and the scrape adds them up, so
counters never go down between scrapes, whichever process answers and however many die, and
every series is there from the start at 0. Through nginx, with 2 app processes under multiwatch
(which restarts one killed with -9)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time

import pytest
import requests

from conftest import stack_config
from tools.devstack.process import wait_until
from tools.devstack.stack import Stack

SERIES = re.compile(r"^([a-z_]+(?:\{.*\})?) (-?[0-9.e+]+)$")


def scrape(url: str) -> dict[str, float]:
    response = requests.get(url + "/metrics", timeout=10)
    assert response.status_code == 200
    values = {}
    for line in response.text.splitlines():
        if line.startswith("#") or not line:
            continue
        match = SERIES.match(line)
        assert match, f"not a sample line: {line!r}"
        values[match[1]] = float(match[2])
    return values


def counters(values: dict[str, float]) -> dict[str, float]:
    """The series that must never go down: totals, histogram buckets, sums and counts."""
    return {name: value for name, value in values.items()
            if re.match(r"library_\w+_(total|bucket|sum|count)\b", name)}


@pytest.fixture(scope="module")
def pool(mariadb):
    stack = Stack(stack_config("nginx", "pool-metrics", processes=2, threads=4), mariadb=mariadb).start()
    yield stack
    stack.stop()


def test_every_series_is_there_from_the_start_at_zero(pool):
    values = scrape(pool.url)
    routes = subprocess.run([str(pool.app.binary), "routes"], capture_output=True, text=True, check=True,
                            env=pool.app.env).stdout.split("\n")
    routes = [route.strip() for route in routes if route.strip()]
    assert "POST /loans" in routes
    for route in routes + ["unmatched"]:
        for status in ("1xx", "2xx", "3xx", "4xx", "5xx"):
            assert f'library_http_requests_total{{route="{route}",status="{status}"}}' in values
        assert f'library_http_request_duration_seconds_bucket{{route="{route}",le="+Inf"}}' in values
    # nothing of these has happened on a fresh stack, and yet each series is shown
    for name in ('library_database_errors_total{kind="unavailable"}', 'library_database_errors_total{kind="other"}',
                 'library_database_errors_total{kind="deadlock"}',
                 "library_ratelimit_rejections_total", "library_ratelimit_store_failures_total",
                 "library_overload_rejections_total", 'library_http_requests_total{route="POST /loans",status="5xx"}'):
        assert values[name] == 0, name
    # /health answered once one process was up: the other may still be starting
    wait_until(lambda: scrape(pool.url)["library_pool_processes"] == 2, "both processes in /metrics", timeout=15)
    values = scrape(pool.url)
    assert values['library_worker_threads{state="busy"}'] + values['library_worker_threads{state="idle"}'] == 2 * 4
    pids = pool.pool.pids()
    for pid in pids:
        assert values[f'library_process_resident_memory_bytes{{pid="{pid}"}}'] > 1 << 20
    assert values["library_pool_resident_memory_bytes"] == sum(
        values[f'library_process_resident_memory_bytes{{pid="{pid}"}}'] for pid in pids)


def test_counters_never_go_down_while_load_runs_and_a_process_is_killed(pool):
    stop = threading.Event()
    served = {"ok": 0, "other": 0}
    lock = threading.Lock()

    def load() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                try:
                    status = session.get(pool.url + "/health", timeout=10).status_code
                except requests.RequestException:
                    status = 0
                with lock:
                    served["ok" if status == 200 else "other"] += 1

    before = scrape(pool.url)
    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    scrapes = [before]
    try:
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            scrapes.append(scrape(pool.url))
        assert scrapes[-1]["library_fastcgi_connections"] >= 1  # nginx keeps its connections

        victim = pool.pool.pids()[0]
        os.kill(victim, signal.SIGKILL)
        wait_until(lambda: len(pool.pool.pids()) == 2 and victim not in pool.pool.pids(),
                   "multiwatch to restart the killed process", timeout=15)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            scrapes.append(scrape(pool.url))
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    time.sleep(0.3)  # the last requests are counted just after their answer is written
    scrapes.append(scrape(pool.url))

    assert len(scrapes) > 20
    for earlier, later in zip(scrapes, scrapes[1:]):
        went_down = {name: (earlier[name], later.get(name)) for name, value in counters(earlier).items()
                     if later.get(name, -1) < value}
        assert not went_down, went_down

    after = scrapes[-1]
    health = 'library_http_requests_total{route="GET /health",status="2xx"}'
    counted = after[health] - before[health]
    # Every answer the clients got was counted, whichever process gave it, the killed one too
    # (but for an answer written in the instant before the kill and not yet counted).
    assert served["ok"] > 100
    assert served["ok"] - 4 <= counted <= served["ok"], (counted, served)
    assert after["library_pool_processes"] == 2
    assert f'library_process_resident_memory_bytes{{pid="{victim}"}}' not in after
    # the dead process's counts went into the archive; its file is gone
    archive = (pool.run / "metrics" / "archive").read_text()
    assert "merged " in archive
    assert not any(name.startswith(f"{victim}-") for name in os.listdir(pool.run / "metrics"))


def test_the_dashboard_and_alert_rules_use_only_metrics_the_app_exposes(pool):
    import json
    from conftest import REPO
    exposed = {re.sub(r"_(bucket|sum|count)$", "", name.split("{")[0]) for name in scrape(pool.url)}
    exposed |= {name + suffix for name in exposed for suffix in ("_bucket", "_sum", "_count")}
    dashboard = json.loads((REPO / "conf/grafana/library-api-dashboard.json").read_text())
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    queries.append((REPO / "conf/prometheus/library-api-rules.yml").read_text())
    used = {name for query in queries for name in re.findall(r"\blibrary_[a-z_]+", query)}
    assert used and used <= exposed, used - exposed
