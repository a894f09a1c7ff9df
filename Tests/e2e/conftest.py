"""End-to-end fixtures: real MariaDB, memcached, library-app under spawn-fcgi, and nginx or
lighttpd in front, all started by tools/devstack under run/test-*/ and stopped by PID.

Every test that takes `stack` (or `client`) runs once through nginx and once through lighttpd;
each server has its own app processes, so nginx's kept FastCGI connections and lighttpd's
one-connection-per-request never share a socket.
The binary is $LIBRARY_APP, else the newest of .build/{release,debug}/library-app.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tools.devstack.mariadb import MariaDB  # noqa: E402
from tools.devstack.process import stop_recorded  # noqa: E402
from tools.devstack.stack import Stack, StackConfig  # noqa: E402

RUN = REPO / "run"
SERVERS = ["nginx", "lighttpd"]


def stack_config(server: str, name: str, **overrides) -> StackConfig:
    """A small stack: 2 app processes x 16 threads; nginx 1 worker keeping 4 idle connections
    (4 x 1 well below the 32 threads: see conf/nginx/library-api.conf)."""
    settings = dict(run=RUN / f"test-{name}", server=server, port=0, processes=2, threads=16,
                    web_workers=1, keepalive=4, library_env="testing", log_level="info",
                    database=f"library_{name.replace('-', '_')}", fresh=True,
                    # these tests send more than 20 POST /users/register an hour from one
                    # address; rate limits get stacks of their own
                    app_env={"RATELIMIT_ENABLED": "false"})
    settings.update(overrides)
    return StackConfig(**settings)


@pytest.fixture(scope="session")
def mariadb():
    """One MariaDB server for the session; each stack gets its own database in it."""
    run = RUN / "test-mariadb"
    stop_recorded(run)
    shutil.rmtree(run, ignore_errors=True)
    server = MariaDB(run)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session", params=SERVERS)
def stack(request, mariadb):
    """The stack for one web server, shared by the session's tests of that server."""
    stack = Stack(stack_config(request.param, request.param), mariadb=mariadb).start()
    stack.initial_app_pids = stack.pool.pids()
    yield stack
    stack.stop()
    assert_no_crash(stack)


def assert_no_crash(stack: Stack) -> None:
    """The app log must show no crash, including while stopping (a fixture error otherwise)."""
    log = (stack.run / "logs" / "app.log").read_text(errors="replace")
    assert "Program crashed" not in log and "Fatal error" not in log, \
        f"library-app crashed; see {stack.run / 'logs' / 'app.log'}"


@pytest.fixture
def client(stack):
    """A requests.Session (kept-alive HTTP connections) aimed at the stack's web server."""
    with BaseURLSession(stack.url) as session:
        yield session


class BaseURLSession(requests.Session):
    def __init__(self, base: str):
        super().__init__()
        self.base = base

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 30)
        return super().request(method, self.base + url, *args, **kwargs)
