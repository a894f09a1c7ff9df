"""Users and authentication through the web server (docs/api.md, Authentication and roles,
and Users), on a real MariaDB, once through nginx and once through lighttpd."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from helpers import assert_problem_response
from tools.devstack.stack import ADMIN_EMAIL

PASSWORD = "correct horse battery"


def unique(prefix: str = "u") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def register(client, **fields) -> requests.Response:
    name = fields.pop("username", None) or unique()
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD, **fields}
    return client.post("/users/register", json=body)


def login(client, email: str, password: str = PASSWORD) -> str:
    response = client.post("/users/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["token"]


def new_user(client) -> tuple[dict, str]:
    """A registered user and a token of theirs."""
    response = register(client)
    assert response.status_code == 201, response.text
    user = response.json()
    return user, login(client, user["email"])


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin_token(stack, client) -> str:
    return login(client, ADMIN_EMAIL, stack.secrets["admin_password"])


# -- tokens made by hand, for the rejection cases ---------------------------------------------

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(secret: str, header: dict, claims: dict, alg=hashlib.sha256) -> str:
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), signing_input.encode(), alg).digest()
    return signing_input + "." + b64url(signature)


def claims_for(user_id: int, **overrides) -> dict:
    now = int(time.time())
    return {"sub": str(user_id), "role": "user", "iat": now, "exp": now + 600, "jti": uuid.uuid4().hex, **overrides}


# -- the seed's walk-through ------------------------------------------------------------------

def test_register_login_then_protected_get(client):
    name = unique("Walker_")
    response = client.post("/users/register", json={
        "username": name, "email": f"{name}@Example.COM", "password": PASSWORD,
        "first_name": "Ada", "last_name": "Lovelace"})
    assert response.status_code == 201, response.text
    user = response.json()
    assert response.headers["Location"] == f"/users/{user['id']}"
    assert set(user) == {"id", "username", "email", "first_name", "last_name", "role", "created_at"}
    assert user["username"] == name and user["email"] == f"{name.lower()}@example.com"
    assert user["role"] == "user" and user["created_at"].endswith("Z")
    assert "password" not in response.text and "scrypt" not in response.text

    response = client.post("/users/login", json={"email": f"{name}@example.com", "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["user"] == user
    header, claims = (json.loads(base64.urlsafe_b64decode(part + "==")) for part in body["token"].split(".")[:2])
    assert header["alg"] == "HS256"
    assert claims["sub"] == str(user["id"]) and claims["role"] == "user"
    assert claims["exp"] - claims["iat"] == 3600 and claims["jti"]

    me = client.get("/users/me", headers=bearer(body["token"]))
    assert me.status_code == 200 and me.json() == user


# -- registration -----------------------------------------------------------------------------

def test_register_reports_every_invalid_field_at_once(client):
    response = client.post("/users/register", json={
        "username": "x", "email": "not-an-email", "password": "short", "first_name": 7,
        "role": "admin", "id": 1, "created_at": "2020-01-01T00:00:00Z"})
    problem = assert_problem_response(response, 400)
    errors = problem["errors"]
    assert set(errors) == {"username", "email", "password", "first_name", "role", "id", "created_at"}
    assert errors["role"] == ["Unknown field."] and errors["id"] == ["Unknown field."]
    assert errors["first_name"] == ["Not a valid string."]


def test_register_missing_fields(client):
    problem = assert_problem_response(client.post("/users/register", json={}), 400)
    assert problem["errors"] == {name: ["Missing data for required field."] for name in ("username", "email", "password")}


@pytest.mark.parametrize("body", [{"username": None}, {"username": ["a"]}, {"password": 12345678}])
def test_register_wrong_types(client, body):
    base = {"username": unique(), "email": f"{unique()}@example.com", "password": PASSWORD}
    problem = assert_problem_response(client.post("/users/register", json={**base, **body}), 400)
    assert set(problem["errors"]) == set(body)


def test_username_and_email_are_unique_case_insensitively(client):
    user = register(client).json()
    taken_name = register(client, username=user["username"].upper(), email=f"{unique()}@example.com")
    assert assert_problem_response(taken_name, 409)["errors"] == {"username": ["Already taken."]}
    taken_email = register(client, email=user["email"].upper())
    assert assert_problem_response(taken_email, 409)["errors"] == {"email": ["Already taken."]}


def test_concurrent_duplicate_registrations_give_exactly_one_201(stack):
    name = unique("race")
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}

    def attempt(_):
        return requests.post(stack.url + "/users/register", json=body, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(attempt, range(10)))
    assert sorted(statuses) == [201] + [409] * 9, statuses


def test_sql_injection_strings_are_stored_verbatim(client):
    evil = "Robert'); DROP TABLE users;--"
    response = register(client, first_name=evil, last_name="' OR '1'='1")
    assert response.status_code == 201, response.text
    assert response.json()["first_name"] == evil
    assert response.json()["last_name"] == "' OR '1'='1"
    user, token = new_user(client)  # the table is still there
    assert client.get("/users/me", headers=bearer(token)).json()["id"] == user["id"]


# -- login ------------------------------------------------------------------------------------

def test_unknown_email_and_wrong_password_answer_the_same(client):
    user, _ = new_user(client)
    wrong = client.post("/users/login", json={"email": user["email"], "password": "wrong password!"})
    unknown = client.post("/users/login", json={"email": f"{unique()}@example.com", "password": PASSWORD})
    for response in (wrong, unknown):
        assert_problem_response(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert wrong.json() == unknown.json()


def test_login_email_is_case_insensitive(client):
    user, _ = new_user(client)
    assert login(client, user["email"].upper())


# -- the token guard --------------------------------------------------------------------------

@pytest.mark.parametrize("header", [None, "", "Bearer", "Basic dXNlcjpwYXNz", "Bearer a b", "Token abc"])
def test_missing_or_malformed_authorization_is_token_missing(client, header):
    headers = {} if header is None else {"Authorization": header}
    response = client.get("/users/me", headers=headers)
    problem = assert_problem_response(response, 401)
    assert problem["detail"] == "Token is missing"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_rejected_tokens_are_invalid_token(stack, client):
    user, good = new_user(client)
    secret = stack.secrets["secret_key"]
    hs256 = {"alg": "HS256", "typ": "JWT"}
    now = int(time.time())
    head, payload, signature = good.split(".")
    tampered_claims = b64url(json.dumps(claims_for(user["id"], role="admin")).encode())
    cases = {
        "garbage": "not.a.token",
        "two parts": head + "." + payload,
        "extra dot": good + ".",
        "alg none": b64url(b'{"alg":"none","typ":"JWT"}') + "." + payload + ".",
        "HS512": forge(secret, {"alg": "HS512", "typ": "JWT"}, claims_for(user["id"]), hashlib.sha512),
        "tampered payload": head + "." + tampered_claims + "." + signature,
        "tampered signature": head + "." + payload + "." + signature[:-4] + "AAAA",
        "wrong key": forge("another-secret-key-of-enough-length!!", hs256, claims_for(user["id"])),
        "expired": forge(secret, hs256, claims_for(user["id"], iat=now - 7200, exp=now - 3600)),
        "not yet valid": forge(secret, hs256, claims_for(user["id"], nbf=now + 3600)),
        "no exp": forge(secret, hs256, {k: v for k, v in claims_for(user["id"]).items() if k != "exp"}),
        "unknown user": forge(secret, hs256, claims_for(999_999_999)),
        "non-numeric sub": forge(secret, hs256, claims_for(user["id"], sub="admin")),
    }
    for name, token in cases.items():
        response = client.get("/users/me", headers=bearer(token))
        assert response.status_code == 401, (name, response.text)
        assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"', name
    # The same secret and claims, well formed, do pass: the cases above fail for their reason.
    assert client.get("/users/me", headers=bearer(forge(secret, hs256, claims_for(user["id"])))).status_code == 200


def test_logout_revokes_the_token_on_every_process(stack, client):
    user, token = new_user(client)
    other = login(client, user["email"])
    assert client.post("/users/logout", headers=bearer(token)).status_code == 204

    # Parallel fresh connections spread the requests over the app processes and their threads.
    def me(_):
        return requests.get(stack.url + "/users/me", headers={**bearer(token), "Connection": "close"}, timeout=30)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(me, range(24)))
    for response in responses:
        assert response.status_code == 401, response.text
        assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    # Only that token: another session of the same user still works.
    assert client.get("/users/me", headers=bearer(other)).status_code == 200
    assert client.post("/users/logout", headers=bearer(token)).status_code == 401


# -- the caller's own account -----------------------------------------------------------------

def test_patch_me_changes_names_and_refuses_role(client):
    _, token = new_user(client)
    response = client.patch("/users/me", headers=bearer(token), json={"first_name": "Grace", "last_name": None})
    assert response.status_code == 200, response.text
    assert response.json()["first_name"] == "Grace" and response.json()["last_name"] is None
    escalation = client.patch("/users/me", headers=bearer(token), json={"role": "admin"})
    assert assert_problem_response(escalation, 400)["errors"] == {"role": ["Unknown field."]}
    assert client.get("/users/me", headers=bearer(token)).json()["role"] == "user"


def test_patch_me_email_and_password_need_the_current_password(client):
    user, token = new_user(client)
    new_email = f"{unique()}@example.com"
    missing = client.patch("/users/me", headers=bearer(token), json={"email": new_email})
    assert "current_password" in assert_problem_response(missing, 400)["errors"]
    wrong = client.patch("/users/me", headers=bearer(token), json={"password": "new password 1", "current_password": "nope"})
    assert assert_problem_response(wrong, 400)["errors"] == {"current_password": ["Incorrect password."]}

    done = client.patch("/users/me", headers=bearer(token),
                        json={"email": new_email, "password": "new password 1", "current_password": PASSWORD})
    assert done.status_code == 200 and done.json()["email"] == new_email
    assert login(client, new_email, "new password 1")
    old = client.post("/users/login", json={"email": user["email"], "password": PASSWORD})
    assert_problem_response(old, 401)


def test_patch_me_to_a_taken_email_is_409(client):
    first, _ = new_user(client)
    _, token = new_user(client)
    response = client.patch("/users/me", headers=bearer(token), json={"email": first["email"], "current_password": PASSWORD})
    assert assert_problem_response(response, 409)["errors"] == {"email": ["Already taken."]}


def test_delete_me_then_the_token_is_refused(client):
    _, token = new_user(client)
    response = client.delete("/users/me", headers=bearer(token))
    assert response.status_code == 204 and response.content == b""
    assert client.get("/users/me", headers=bearer(token)).status_code == 401


# -- administration ---------------------------------------------------------------------------

def test_user_records_are_private_to_their_owner(client, admin_token):
    alice, alice_token = new_user(client)
    bob, _ = new_user(client)
    assert client.get(f"/users/{alice['id']}", headers=bearer(alice_token)).json() == alice
    hidden = client.get(f"/users/{bob['id']}", headers=bearer(alice_token))
    assert_problem_response(hidden, 404)
    missing = client.get("/users/999999999", headers=bearer(alice_token))
    assert hidden.json()["detail"].replace(str(bob["id"]), "N") == missing.json()["detail"].replace("999999999", "N")
    assert client.get(f"/users/{bob['id']}", headers=bearer(admin_token)).json() == bob


def test_admin_routes_refuse_users_with_403(client):
    user, token = new_user(client)
    assert_problem_response(client.get("/users", headers=bearer(token)), 403)
    assert_problem_response(client.patch(f"/users/{user['id']}", headers=bearer(token), json={"role": "admin"}), 403)
    assert_problem_response(client.delete(f"/users/{user['id']}", headers=bearer(token)), 403)
    assert client.get("/users/me", headers=bearer(token)).json()["role"] == "user"


def test_admin_lists_users_with_pagination_and_search(client, admin_token):
    tag = unique("list")
    for index in range(3):
        assert register(client, username=f"{tag}_{index}").status_code == 201
    first = client.get("/users", headers=bearer(admin_token), params={"q": tag, "per_page": 2})
    assert first.status_code == 200
    assert first.headers["X-Total-Count"] == "3"
    assert [user["username"] for user in first.json()] == [f"{tag}_0", f"{tag}_1"]
    links = requests.utils.parse_header_links(first.headers["Link"])
    relations = {link["rel"]: link["url"] for link in links}
    assert set(relations) == {"first", "next", "last"}
    second = client.get(relations["next"], headers=bearer(admin_token))
    assert [user["username"] for user in second.json()] == [f"{tag}_2"]
    assert "prev" in {link["rel"] for link in requests.utils.parse_header_links(second.headers["Link"])}
    past_end = client.get("/users", headers=bearer(admin_token), params={"q": tag, "page": 9})
    assert past_end.status_code == 200 and past_end.json() == []
    wildcard = client.get("/users", headers=bearer(admin_token), params={"q": "%"})
    assert all("%" in user["username"] + user["email"] for user in wildcard.json())


@pytest.mark.parametrize("params", [{"page": "0"}, {"page": "x"}, {"per_page": "101"}, {"per_page": "0"}, {"per_page": "-1"}])
def test_bad_pagination_is_400_naming_the_parameter(client, admin_token, params):
    problem = assert_problem_response(client.get("/users", headers=bearer(admin_token), params=params), 400)
    assert set(problem["errors"]) == set(params)


def test_admin_updates_and_deletes_users(client, admin_token):
    user, token = new_user(client)
    promoted = client.patch(f"/users/{user['id']}", headers=bearer(admin_token), json={"role": "admin", "first_name": "Root"})
    assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
    # The role in the database counts, not the one in the older token.
    assert client.get("/users", headers=bearer(token)).status_code == 200
    invalid = client.patch(f"/users/{user['id']}", headers=bearer(admin_token), json={"role": "superuser", "password": "x"})
    assert set(assert_problem_response(invalid, 400)["errors"]) == {"role", "password"}
    assert client.delete(f"/users/{user['id']}", headers=bearer(admin_token)).status_code == 204
    assert client.get("/users/me", headers=bearer(token)).status_code == 401
    assert_problem_response(client.delete(f"/users/{user['id']}", headers=bearer(admin_token)), 404)
    assert_problem_response(client.patch("/users/999999999", headers=bearer(admin_token), json={}), 404)


def test_a_demoted_admin_loses_admin_rights_at_once_even_with_checks_in_flight(stack, client, admin_token):
    """Token checks that read the database before the demotion committed must not leave a
    cached 'admin' behind (found by review: the cache entry was stamped too late)."""
    user, _ = new_user(client)
    assert client.patch(f"/users/{user['id']}", headers=bearer(admin_token), json={"role": "admin"}).status_code == 200
    tokens = [login(client, user["email"]) for _ in range(48)]

    def me(token):
        return requests.get(stack.url + "/users/me", headers={**bearer(token), "Connection": "close"}, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        in_flight = [pool.submit(me, token) for token in tokens]
        demoted = client.patch(f"/users/{user['id']}", headers=bearer(admin_token), json={"role": "user"})
        assert all(future.result() == 200 for future in in_flight)
    assert demoted.status_code == 200 and demoted.json()["role"] == "user"
    for token in tokens:
        assert_problem_response(client.get("/users", headers=bearer(token)), 403)


def test_nobody_can_make_themselves_admin(client):
    response = register(client, role="admin")
    assert assert_problem_response(response, 400)["errors"] == {"role": ["Unknown field."]}


def test_logs_never_contain_passwords_hashes_or_sql(stack):
    """Runs after the tests above on the same stack: nothing they sent or stored leaks."""
    logs = "".join(path.read_text(errors="replace") for path in (stack.run / "logs").glob("*.log"))
    assert "GET /users/me" in logs  # the logs are the right ones, and not empty
    for secret in (PASSWORD, "new password 1", stack.secrets["admin_password"], "$scrypt$", "INSERT INTO", "SELECT "):
        assert secret not in logs, secret


def test_a_new_password_ends_every_session_but_a_new_email_does_not(client):
    user, first = new_user(client)
    second = login(client, user["email"])  # no pause: the same second must not matter
    changed = client.patch("/users/me", headers=bearer(first), json={"email": f"{unique()}@example.com",
                                                                      "current_password": PASSWORD})
    assert changed.status_code == 200
    assert client.get("/users/me", headers=bearer(second)).status_code == 200  # an email change keeps sessions
    email = changed.json()["email"]
    assert client.patch("/users/me", headers=bearer(first), json={"password": "brand new secret",
                                                                  "current_password": PASSWORD}).status_code == 200
    for token in (first, second):
        response = client.get("/users/me", headers=bearer(token))
        assert_problem_response(response, 401)
        assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    fresh = login(client, email, "brand new secret")
    assert client.get("/users/me", headers=bearer(fresh)).status_code == 200
