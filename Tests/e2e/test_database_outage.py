"""MariaDB stopped and started again under a running app (docs/api.md, Degraded operation):
requests get a 503 problem with Retry-After, no app process exits, and service resumes without
a restart."""
from __future__ import annotations

import time

import pytest
import requests

from conftest import stack_config
from helpers import assert_problem_response
from tools.devstack.stack import ADMIN_EMAIL, Stack


@pytest.fixture(scope="module")
def private_stack():
    """A stack with a MariaDB of its own, so stopping it disturbs no other test."""
    stack = Stack(stack_config("nginx", "db-outage")).start()
    yield stack
    stack.stop()


def test_database_restart_gives_503_then_recovers(private_stack):
    stack = private_stack
    session = requests.Session()
    login = session.post(stack.url + "/users/login", json={"email": ADMIN_EMAIL, "password": stack.secrets["admin_password"]})
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    # GET /users always reads the database (GET /users/me may be answered from the token cache).
    assert session.get(stack.url + "/users", headers=headers).status_code == 200
    pids = stack.pool.pids()

    stack.mariadb.stop()
    try:
        for _ in range(5):  # every worker's connection is dead now, each must notice
            down = session.get(stack.url + "/users", headers=headers, timeout=30)
            problem = assert_problem_response(down, 503)
            assert int(down.headers["Retry-After"]) > 0
            assert "SQL" not in problem["detail"] and "mysql" not in down.text.lower()
        # /health answers from a probe at most a second old
        deadline = time.monotonic() + 3
        while (health := session.get(stack.url + "/health", timeout=30)).status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert health.status_code == 503 and health.json()["database"] == "unavailable"
    finally:
        stack.mariadb.start()

    deadline = time.monotonic() + 30
    while session.get(stack.url + "/health", timeout=30).status_code != 200:
        assert time.monotonic() < deadline, "the app did not reconnect"
        time.sleep(0.2)
    for _ in range(20):
        assert session.get(stack.url + "/users", headers=headers).status_code == 200
    assert stack.pool.pids() == pids, "an app process restarted"
