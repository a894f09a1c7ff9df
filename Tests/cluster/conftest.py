"""Cluster tests (`make test-cluster`): a 3-node MariaDB Galera cluster, two memcached servers
and two app hosts (app processes + nginx each; host A on node 1, host B on node 2), started by
tools/devstack/galera.py under run/cluster-test/ and stopped by PID.

Kept out of `make test` and of Tests/e2e: the cluster takes about a minute to start and needs the
galera-4 and rsync packages and root (its nodes run as the mysql user).
The binary is $LIBRARY_APP, else the newest of .build/{release,debug}/library-app.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "Tests" / "e2e"))

from tools.devstack.galera import Cluster, ClusterConfig  # noqa: E402

RUN = REPO / "run" / "cluster-test"


@pytest.fixture(scope="session")
def cluster():
    with Cluster(ClusterConfig(run=RUN, app_env={"RATELIMIT_ENABLED": "false"})) as started:
        yield started


class BaseURLSession(requests.Session):
    def __init__(self, base: str):
        super().__init__()
        self.base = base

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 30)
        return super().request(method, self.base + url, *args, **kwargs)


@pytest.fixture
def clients(cluster):
    """One kept-alive HTTP session per host: [host A (node 1), host B (node 2)]."""
    sessions = [BaseURLSession(host.url) for host in cluster.hosts]
    yield sessions
    for session in sessions:
        session.close()
