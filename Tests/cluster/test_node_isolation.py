"""A node cut off from the others (Galera's `gmcast.isolate`) leaves the primary component but
keeps answering `COM_PING`: `/health` must not call it healthy, and a host whose DATABASE_URL
lists it first must serve through the next node (docs/cluster.md, "Health").

Host C, started here, names node 1 alone; host A names node 1 first, then nodes 2 and 3."""
from __future__ import annotations

import time

import pytest
import requests

from circulation import admin_login, bearer, make_book, new_user
from invariants import check_every_node
from tools.devstack.process import wait_until


def health(url: str) -> requests.Response:
    return requests.get(url + "/health", timeout=30)


def isolate(node, isolated: bool) -> None:
    node.query(f"SET GLOBAL wsrep_provider_options = 'gmcast.isolate={1 if isolated else 0}'")


@pytest.fixture
def lone_host(cluster):
    """A host whose DATABASE_URL names node 1 and no other node."""
    host = cluster.start_host("c", cluster.nodes[0], failover=False, processes=1)
    yield host
    host.stop()


def test_a_node_outside_the_primary_component_is_not_healthy(cluster, clients, lone_host):
    node = cluster.nodes[0]
    admin = admin_login(cluster.hosts[0], clients[0])
    book = make_book(clients[0], admin, copies=5)["id"]
    _, token = new_user(clients[0])
    assert health(lone_host.url).json()["database"] == "ok"
    assert health(cluster.hosts[0].url).json()["database"] == "ok"

    isolate(node, True)
    try:
        wait_until(lambda: node.status("wsrep_cluster_status") != "Primary", "node 1 out of the primary component",
                   timeout=30)
        time.sleep(1.2)  # past the probe a /health answer may reuse (1 s)
        # the lone host has no other node: its database is unavailable, not "ok"
        lone = health(lone_host.url)
        assert lone.status_code == 503 and lone.json()["database"] == "unavailable", lone.text
        assert lone.headers.get("Retry-After")
        # host A fails over to node 2 or 3: healthy, and reads and writes go through
        for _ in range(3):
            answer = health(cluster.hosts[0].url)
            assert answer.status_code == 200 and answer.json()["database"] == "ok", answer.text
            time.sleep(0.4)
        session = requests.Session()
        session.headers.update(bearer(token))
        statuses = []
        for _ in range(10):
            statuses.append(session.get(cluster.hosts[0].url + f"/books/{book}", timeout=30).status_code)
            loan = session.post(cluster.hosts[0].url + "/loans", json={"book_id": book}, timeout=30)
            statuses.append(loan.status_code)
            if loan.status_code == 201:
                statuses.append(session.post(cluster.hosts[0].url + f"/loans/{loan.json()['id']}/return",
                                             timeout=30).status_code)
        assert all(status in (200, 201) for status in statuses), statuses
    finally:
        isolate(node, False)
    wait_until(node.is_synced, "node 1 synced again", timeout=60)
    cluster.galera.wait_size(3)
    time.sleep(1.2)
    assert health(lone_host.url).status_code == 200  # back in service once synced
    check_every_node(cluster)
