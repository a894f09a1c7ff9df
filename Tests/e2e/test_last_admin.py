"""At least one admin always remains (docs/api.md, Users: deleting or demoting the last admin is
409), also when two admins demote each other at the same moment. Through nginx and lighttpd."""
from __future__ import annotations

import threading

import pytest
import requests

from helpers import assert_problem_response
from test_users import bearer, login, new_user
from tools.devstack.stack import ADMIN_EMAIL


@pytest.fixture
def admin(stack, client) -> tuple[dict, str]:
    token = login(client, ADMIN_EMAIL, stack.secrets["admin_password"])
    me = client.get("/users/me", headers=bearer(token))
    assert me.status_code == 200 and me.json()["role"] == "admin"
    return me.json(), token


def admins(client, token: str) -> list[dict]:
    found, page = [], 1
    while True:
        response = client.get("/users", headers=bearer(token), params={"page": page, "per_page": 100})
        assert response.status_code == 200, response.text
        found += [user for user in response.json() if user["role"] == "admin"]
        if len(response.json()) < 100:
            return found
        page += 1


def make_sole_admin(client, admin: tuple[dict, str]) -> None:
    """Other tests promote users: demote them, leaving the stack's own admin alone."""
    me, token = admin
    for other in admins(client, token):
        if other["id"] != me["id"]:
            response = client.patch(f"/users/{other['id']}", headers=bearer(token), json={"role": "user"})
            assert response.status_code == 200, response.text
    assert [user["id"] for user in admins(client, token)] == [me["id"]]


def test_the_last_admin_cannot_delete_themselves(client, admin):
    make_sole_admin(client, admin)
    me, token = admin
    for path in ("/users/me", f"/users/{me['id']}"):
        problem = assert_problem_response(client.delete(path, headers=bearer(token)), 409)
        assert "last admin" in problem["detail"]
    # Nothing changed: the account, its role and its token still work.
    after = client.get("/users/me", headers=bearer(token))
    assert after.status_code == 200 and after.json() == me
    assert client.get("/users", headers=bearer(token), params={"per_page": 1}).status_code == 200


def test_the_last_admin_cannot_demote_themselves(client, admin):
    make_sole_admin(client, admin)
    me, token = admin
    problem = assert_problem_response(
        client.patch(f"/users/{me['id']}", headers=bearer(token), json={"role": "user", "first_name": "Gone"}), 409)
    assert problem["detail"]
    assert client.get("/users/me", headers=bearer(token)).json() == me


def test_an_admin_can_delete_or_demote_another_admin(client, admin):
    _, token = admin
    for method in ("patch", "delete"):
        user, _ = new_user(client)
        assert client.patch(f"/users/{user['id']}", headers=bearer(token), json={"role": "admin"}).status_code == 200
        if method == "patch":
            demoted = client.patch(f"/users/{user['id']}", headers=bearer(token), json={"role": "user"})
            assert demoted.status_code == 200 and demoted.json()["role"] == "user"
        else:
            assert client.delete(f"/users/{user['id']}", headers=bearer(token)).status_code == 204


def promote(client, token: str, user_id: int) -> None:
    response = client.patch(f"/users/{user_id}", headers=bearer(token), json={"role": "admin"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("action", ["demote", "delete"])
def test_two_admins_removing_each_other_at_once_never_leave_none(stack, client, admin, action):
    """Many rounds of two sole admins each demoting (or deleting) the other at the same moment,
    on connections of their own: exactly one succeeds, and one admin is always left. (The
    stack's own admin steps aside for each round and comes back after it.)"""
    root_user, root = admin
    make_sole_admin(client, admin)
    for _ in range(15):
        (first, first_token), (second, second_token) = new_user(client), new_user(client)
        promote(client, root, first["id"])
        promote(client, root, second["id"])
        demote_root = client.patch(f"/users/{root_user['id']}", headers=bearer(first_token), json={"role": "user"})
        assert demote_root.status_code == 200, demote_root.text
        pair = [(first_token, second["id"]), (second_token, first["id"])]
        barrier, results = threading.Barrier(2), [None, None]

        def remove(index: int) -> None:
            caller, target = pair[index]
            with requests.Session() as session:
                url, headers = f"{stack.url}/users/{target}", bearer(caller)
                barrier.wait()
                results[index] = (session.patch(url, headers=headers, json={"role": "user"}, timeout=30)
                                  if action == "demote" else session.delete(url, headers=headers, timeout=30))

        threads = [threading.Thread(target=remove, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [index for index, result in enumerate(results) if result.status_code in (200, 204)]
        assert len(winners) == 1, [(r.status_code, r.text) for r in results]
        loser = results[1 - winners[0]]
        # The last admin (409), or a caller already demoted (403) or deleted (401) by the winner.
        assert_problem_response(loser, (401, 403, 409))
        survivor = pair[winners[0]][0]
        left = admins(client, survivor)
        assert len(left) == 1, left
        promote(client, survivor, root_user["id"])
        make_sole_admin(client, admin)
