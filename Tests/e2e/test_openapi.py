"""The OpenAPI document (static/swagger.yaml) against the code and the running service.

* it is a valid OpenAPI document (openapi-spec-validator);
* it and the app's routes (`library-app routes`) list the same operations, both ways;
* the service serves it at /swagger.yaml through both web servers;
* schemathesis, through nginx, with a real admin token: no server error, and only the status
  codes, content types, headers and bodies the document declares; bad input refused;
* the answers schemathesis cannot provoke on its own (rate limits are off in its stack, and it
  does not stop the database): cache hits and `304`, `401`/`403`/`404`/`413`/`415` with the
  rate-limit headers, `429`, `/metrics` from another address, `503` with the database down,
  checked one by one against the document, both ways (every required header present, and
  every API header sent is declared for that answer).

The PyPI tools live in the venv made by scripts/install-test-tools.sh (LIBRARY_TOOLS_VENV);
these tests call them by path, since the suite itself runs on Debian's python3.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import requests
import yaml

from conftest import REPO, RUN, assert_no_crash, stack_config
from helpers import REQUEST_ID, raw_request, read_stored, request_head
from tools.devstack.app import find_binary
from tools.devstack.stack import ADMIN_EMAIL, Stack

DOCUMENT = REPO / "static" / "swagger.yaml"
TOOLS_VENV = Path(os.environ.get("LIBRARY_TOOLS_VENV", REPO / "run" / "tools-venv"))
ARTIFACTS = RUN / "artifacts"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Schemathesis budget: examples per operation and phase (13 operations: ~15 s on 2 cores).
MAX_EXAMPLES = int(os.environ.get("LIBRARY_ST_MAX_EXAMPLES", "100"))
# Every check schemathesis has (server errors, status codes, content types, headers, bodies,
# bad input refused, ignored auth, unsupported methods, Allow, missing required headers,
# object-level authorization, ...) but one: positive_data_acceptance (ST202), the reverse of
# negative_data_rejection, wants every schema-valid request accepted, and some rules of the
# contract cannot be said in an OpenAPI 3.0 schema: an ISBN's check digit (its coverage phase
# sends isbn "000...0", which fits the pattern; the `format: isbn` hook covers only fuzzing),
# a new email or password needing the caller's actual `current_password`, no lone UTF-16
# surrogates in strings. It reports the app's correct 400s for those as failures.
CHECKS = os.environ.get("LIBRARY_ST_CHECKS", "all")
EXCLUDED_CHECKS = os.environ.get("LIBRARY_ST_EXCLUDED_CHECKS", "positive_data_acceptance")


def tool(name: str) -> Path:
    path = TOOLS_VENV / "bin" / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run scripts/install-test-tools.sh")
    return path


@pytest.fixture(scope="module")
def document() -> dict:
    return yaml.safe_load(DOCUMENT.read_text())


def resolve(document: dict, node: dict) -> dict:
    while "$ref" in node:
        target = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def documented_operations(document: dict) -> dict[tuple[str, str], dict]:
    return {(method.upper(), path): operation
            for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS}


@pytest.fixture(scope="module")
def app_routes() -> set[tuple[str, str]]:
    """`METHOD PATH` of every route the app registers (outside LIBRARY_ENV=testing)."""
    binary = os.environ.get("LIBRARY_APP") or str(find_binary())
    env = {name: value for name, value in os.environ.items() if name != "LIBRARY_ENV"}
    done = subprocess.run([binary, "routes"], capture_output=True, text=True, timeout=60,
                          env={**env, "LIBRARY_ENV": "development"}, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"`library-app routes` failed: {done.stderr}"
    routes = {tuple(line.split(" ", 1)) for line in done.stdout.splitlines() if line.strip()}
    assert routes, "`library-app routes` printed nothing"
    return routes


# -- the document itself ---------------------------------------------------------------------

def test_document_is_valid_openapi():
    done = subprocess.run([tool("openapi-spec-validator"), str(DOCUMENT)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_operation_is_described_consistently(document):
    """The conventions of docs/api.md, on every operation: a unique operationId, problem+json for
    every error, X-Request-Id on every response, WWW-Authenticate on 401, 401 wherever a token
    is needed, Location on 201, strict bodies."""
    ids = [operation["operationId"] for operation in documented_operations(document).values()]
    assert len(ids) == len(set(ids)), "duplicate operationId"

    problems = []
    for (method, path), operation in documented_operations(document).items():
        secured = operation.get("security", document["security"]) != []
        responses = {code: resolve(document, response) for code, response in operation["responses"].items()}
        if secured and "401" not in responses:
            problems.append(f"{method} {path}: needs a token but declares no 401")
        body = operation.get("requestBody")
        if body:
            schema = resolve(document, body["content"]["application/json"]["schema"])
            if schema.get("additionalProperties") is not False:
                problems.append(f"{method} {path}: request body allows unknown fields")
            for code in ("400", "413", "415"):
                if code not in responses:
                    problems.append(f"{method} {path}: has a body but declares no {code}")
        for code, response in responses.items():
            headers = response.get("headers", {})
            if "X-Request-Id" not in headers:
                problems.append(f"{method} {path} {code}: no X-Request-Id")
            if code == "201" and "Location" not in headers:
                problems.append(f"{method} {path} 201: no Location")
            if code == "401" and "WWW-Authenticate" not in headers:
                problems.append(f"{method} {path} 401: no WWW-Authenticate")
            if code >= "400" and not (path == "/health" and code == "503"):
                if list(response.get("content", {})) != ["application/problem+json"]:
                    problems.append(f"{method} {path} {code}: not application/problem+json")
    assert not problems, "\n".join(problems)


OPERATIONS_ENDPOINTS = {"/health", "/metrics", "/swagger.yaml", "/api/docs"}
BOOK_READS = {("GET", "/books"), ("GET", "/books/{id}")}


def test_rate_limits_caching_and_outages_are_declared(document):
    """docs/api.md's rate limits, caching and degraded operation, on every operation:
    rate-limited ones declare 429 and the X-RateLimit-* headers on every answer (errors
    included; not on 413, refused before routing), the operations endpoints never; book reads
    declare X-Cache, ETag, Cache-Control and 304; everything that needs the database declares
    503 with Retry-After."""
    problems = []
    for (method, path), operation in documented_operations(document).items():
        responses = {code: resolve(document, response) for code, response in operation["responses"].items()}
        limited = path not in OPERATIONS_ENDPOINTS
        if limited and "429" not in responses:
            problems.append(f"{method} {path}: rate limited but declares no 429")
        if limited and "503" not in responses:
            problems.append(f"{method} {path}: needs the database but declares no 503")
        if "503" in responses and "Retry-After" not in responses["503"].get("headers", {}):
            problems.append(f"{method} {path} 503: no Retry-After")
        for code, response in responses.items():
            names = set(response.get("headers", {}))
            rate_headers = {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}
            if limited and code != "413" and not rate_headers <= names:
                problems.append(f"{method} {path} {code}: no X-RateLimit-* headers")
            if not limited and names & rate_headers:
                problems.append(f"{method} {path} {code}: not rate limited, yet declares X-RateLimit-*")
        if (method, path) in BOOK_READS:
            for code in ("200", "304"):
                names = set(responses.get(code, {}).get("headers", {}))
                if not {"ETag", "X-Cache", "Cache-Control"} <= names:
                    problems.append(f"{method} {path} {code}: missing ETag, X-Cache or Cache-Control")
            if any(p.get("name") == "If-None-Match" for p in
                   (resolve(document, p) for p in operation.get("parameters", []))) is False:
                problems.append(f"{method} {path}: no If-None-Match parameter")
    assert not problems, "\n".join(problems)


def test_request_examples_match_the_readme_walk_through(document):
    """Every JSON body the README's curl walk-through sends is an example of that operation in
    the document (so Swagger UI's "Try it out" starts from the same requests)."""
    readme = (REPO / "README.md").read_text().replace("\\\n", " ")
    calls = re.findall(r"curl [^\n]*?-X (POST|PUT|PATCH) \$API(/[^\s'\"]+)[^\n]*? -d '(\{[^']*\})'", readme)
    assert len(calls) >= 3, "the README walk-through has changed shape: adapt this test"
    for method, path, body in calls:
        operation = document["paths"][path][method.lower()]
        content = operation["requestBody"]["content"]["application/json"]
        examples = [resolve(document, example)["value"] for example in content.get("examples", {}).values()]
        assert json.loads(body) in examples, f"{method} {path}: README body {body} is not an example"


# -- the document and the code: no drift ------------------------------------------------------

def test_every_route_of_the_app_is_documented(document, app_routes):
    missing = sorted(app_routes - documented_operations(document).keys())
    assert not missing, ("routes the app serves that static/swagger.yaml lacks:\n"
                         + "\n".join(f"  {method} {path}" for method, path in missing))


def test_every_documented_operation_is_served_by_the_app(document, app_routes):
    missing = sorted(documented_operations(document).keys() - app_routes)
    assert not missing, ("operations of static/swagger.yaml the app does not serve:\n"
                         + "\n".join(f"  {method} {path}" for method, path in missing))


# -- served by the service --------------------------------------------------------------------

def test_swagger_yaml_is_served(client):
    response = client.get("/swagger.yaml")
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"].split(";")[0].strip() == "application/yaml"
    assert REQUEST_ID.match(response.headers.get("X-Request-Id", ""))
    assert response.content == DOCUMENT.read_bytes()
    head = client.head("/swagger.yaml")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["Content-Length"]) == len(response.content)
    wrong = client.post("/swagger.yaml")
    assert wrong.status_code == 405 and "GET" in wrong.headers.get("Allow", "")


# -- schemathesis -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def conformance_stack(mariadb):
    """A stack of its own (nginx, rate limits off): schemathesis makes and deletes users freely."""
    stack = Stack(stack_config("nginx", "docs-schemathesis"), mariadb=mariadb).start()
    yield stack
    stack.stop()


def test_service_conforms_to_the_document(conformance_stack, document, app_routes):
    stack = conformance_stack
    login = requests.post(stack.url + "/users/login", timeout=30,
                          json={"email": ADMIN_EMAIL, "password": stack.secrets["admin_password"]})
    assert login.status_code == 200, login.text
    admin = login.json()

    # the operations the app serves today; test_every_documented_operation_is_served_by_the_app
    # reports the others
    operations = documented_operations(document)
    served = sorted(operations[key]["operationId"] for key in operations.keys() & app_routes)
    assert served

    reports = ARTIFACTS / "schemathesis"
    reports.mkdir(parents=True, exist_ok=True)
    junit = reports / "junit.xml"
    argv = [str(tool("schemathesis")), "run", stack.url + "/swagger.yaml", "--url", stack.url,
            "--checks", CHECKS, "--exclude-checks", EXCLUDED_CHECKS,
            "--include-operation-id-regex", "^(" + "|".join(map(re.escape, served)) + ")$",
            "--phases", "examples,coverage,fuzzing",
            "--max-examples", str(MAX_EXAMPLES), "--seed", os.environ.get("LIBRARY_ST_SEED", "20261126"),
            "--workers", "2", "--request-timeout", "20", "--continue-on-failure",
            "--generation-database", "none", "--no-color", "--output-truncate", "false",
            "--report", "junit", "--report-junit-path", str(junit)]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
           "PYTHONPATH": str(Path(__file__).parent),
           "LIBRARY_ST_BASE_URL": stack.url, "LIBRARY_ST_ADMIN_TOKEN": admin["token"],
           "LIBRARY_ST_ADMIN_ID": str(admin["user"]["id"])}
    log = reports / "schemathesis.log"
    for attempt in (1, 2):
        # cwd: schemathesis keeps a .schemathesis/ folder (replayable cases) in its working directory
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=1200,
                              stdin=subprocess.DEVNULL, cwd=reports)
        log.write_text(done.stdout + done.stderr)
        failures = junit_failures(junit) if junit.exists() else []
        # Debian 12's Python 3.11 sometimes raises "AST constructor recursion depth mismatch"
        # (a bug of CPython's ast module) inside Hypothesis while it describes a strategy: the
        # tool crashed, nothing was found about the service. Run once more; the second run
        # must pass on its own.
        if attempt == 1 and failures and all(TOOL_CRASH in failure for failure in failures):
            continue
        break

    summary = "\n".join(failures) or (done.stdout + done.stderr)[-6000:]
    assert done.returncode == 0 and not failures, \
        f"schemathesis found problems (full output: {log}):\n{summary}"

    # the admin whose token the run used is still there: the hooks protected it
    me = requests.get(stack.url + "/users/me", timeout=30,
                      headers={"Authorization": f"Bearer {admin['token']}"})
    assert me.status_code == 200 and me.json()["role"] == "admin", me.text


TOOL_CRASH = "AST constructor recursion depth mismatch"


def junit_failures(path: Path) -> list[str]:
    failures = []
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        for problem in list(case.findall("failure")) + list(case.findall("error")):
            text = (problem.get("message") or "") + "\n" + (problem.text or "")
            failures.append(f"--- {case.get('name')}\n{text.strip()[:4000]}")
    return failures


# -- answers schemathesis does not provoke, against the document ----------------------------------

# The headers the API itself defines: any of them on an answer must be declared for that answer.
API_HEADERS = {"allow", "cache-control", "etag", "link", "location", "retry-after", "www-authenticate",
               "x-cache", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset",
               "x-request-id", "x-total-count"}


def assert_documented(document: dict, method: str, template: str, status: int, headers, body: bytes) -> None:
    """The answer is one the document declares for the operation: its status, every required
    header (with a value its schema allows), no undeclared API header, the declared media type
    (parameters included when the document names them), and no body where none is declared."""
    where = f"{method} {template} {status}"
    operation = document["paths"][template][method.lower()]
    assert str(status) in operation["responses"], f"{where}: status not declared; body {body[:300]!r}"
    response = resolve(document, operation["responses"][str(status)])
    declared = {name.lower(): resolve(document, header) for name, header in response.get("headers", {}).items()}
    for name, header in declared.items():
        value = headers.get(name)
        if value is None:
            assert not header.get("required"), f"{where}: required header {name} missing"
            continue
        schema = header["schema"]
        if schema.get("type") == "integer":
            assert re.fullmatch(r"-?[0-9]+", value), f"{where}: {name}: {value!r} is not an integer"
            number = int(value)
            assert number >= schema.get("minimum", number) and number <= schema.get("maximum", number), \
                f"{where}: {name}: {value} outside its range"
        if "enum" in schema:
            assert value in schema["enum"], f"{where}: {name}: {value!r} not in {schema['enum']}"
        if "pattern" in schema:
            assert re.search(schema["pattern"], value), f"{where}: {name}: {value!r} !~ {schema['pattern']}"
    sent = {name.lower() for name in headers.keys()}
    undeclared = (sent & API_HEADERS) - declared.keys()
    assert not undeclared, f"{where}: sends headers the document does not declare: {sorted(undeclared)}"
    content = response.get("content")
    if not content:
        assert body == b"", f"{where}: a body where none is declared"
        return

    def normalized(media: str) -> str:
        return ";".join(part.strip().lower() for part in media.split(";"))
    received = normalized(headers.get("Content-Type", ""))
    assert any(received == normalized(media) if ";" in media else received.split(";")[0] == media
               for media in content), f"{where}: Content-Type {received!r}, declared {list(content)}"


@pytest.fixture(scope="module")
def live_stack():
    """Rate limits on (login: 3 a minute), and a MariaDB of its own, stopped by the test."""
    stack = Stack(stack_config("nginx", "docs-live", app_env={
        "RATELIMIT_ENABLED": "true", "RATELIMIT_DEFAULT": "1000 per day", "RATELIMIT_LOGIN": "3 per 1 minute",
    })).start()
    yield stack
    assert_no_crash(stack)
    stack.stop()


def test_answers_the_fuzzer_does_not_reach_are_documented(live_stack, document):
    stack = live_stack
    session = requests.Session()

    def call(method: str, path: str, template: str | None = None, **kwargs) -> requests.Response:
        response = session.request(method, stack.url + path, timeout=30, **kwargs)
        assert_documented(document, method, template or path, response.status_code, response.headers,
                          response.content)
        return response

    # the operations endpoints: never limited
    assert "X-RateLimit-Limit" not in call("GET", "/health").headers
    call("GET", "/metrics")
    call("GET", "/swagger.yaml")
    call("GET", "/api/docs")
    status, headers, body = raw_request(stack.url, request_head("GET", b"/metrics"), source="127.0.0.2")
    assert status == 403
    assert_documented(document, "GET", "/metrics", status, headers, body)

    # limited: every answer counts down, errors included
    login = call("POST", "/users/login", json={"email": ADMIN_EMAIL, "password": stack.secrets["admin_password"]})
    assert login.status_code == 200 and login.headers["X-RateLimit-Remaining"] == "2"
    admin = {"Authorization": f"Bearer {login.json()['token']}"}
    assert call("GET", "/books").status_code == 401
    assert call("GET", "/books", headers={"Authorization": "Bearer not.a.token"}).status_code == 401

    isbn = "0-06-051275-X"  # the README walk-through's book
    created = call("POST", "/books", headers=admin, json={
        "title": "The Dispossessed", "author": "Ursula K. Le Guin", "isbn": isbn, "published_year": 1974,
        "copies": 2})
    assert created.status_code == 201, created.text
    book = created.json()
    assert call("POST", "/books", headers=admin, json={"title": "T", "author": "A", "isbn": isbn}).status_code == 409
    assert call("POST", "/books", headers={**admin, "Content-Type": "text/plain"}, data=b"{}").status_code == 415
    assert call("POST", "/books", headers={**admin, "Content-Type": "application/json"},
                data=b"[" + b" " * (1 << 20) + b"]").status_code == 413
    assert call("POST", "/books", headers=admin, json={"title": ""}).status_code == 400

    # book reads: miss, hit, 304 (item and list), with every header of the 200 answer
    for path, template in ((f"/books/{book['id']}", "/books/{id}"), ("/books?per_page=5", "/books")):
        first = call("GET", path, template, headers=admin)
        again = read_stored(lambda path, **kwargs: call("GET", path, template, **kwargs), path, headers=admin)
        assert (first.status_code, again.status_code) == (200, 200)
        assert (first.headers["X-Cache"], again.headers["X-Cache"]) == ("MISS", "HIT")
        assert first.headers["ETag"] == again.headers["ETag"]
        unchanged = call("GET", path, template, headers={**admin, "If-None-Match": again.headers["ETag"]})
        assert unchanged.status_code == 304 and unchanged.content == b""
        assert unchanged.headers["ETag"] == again.headers["ETag"]
        changed = call("GET", path, template, headers={**admin, "If-None-Match": '"0000000000000000"'})
        assert changed.status_code == 200
    assert call("GET", "/books?sort=nonsense", "/books", headers=admin).status_code == 400
    assert call("GET", "/books/999999999", "/books/{id}", headers=admin).status_code == 404

    # a user's token where an admin's is needed
    user = {"username": "live_reader", "email": "live_reader@example.org", "password": "correct horse battery"}
    assert call("POST", "/users/register", json=user).status_code == 201
    assert call("POST", "/users/register", json=user).status_code == 409
    reader = call("POST", "/users/login", json={"email": user["email"], "password": user["password"]})
    assert reader.status_code == 200
    assert call("GET", "/users", headers={"Authorization": f"Bearer {reader.json()['token']}"}).status_code == 403

    # the third login of the minute is the last: then 429
    assert call("POST", "/users/login", json={"email": user["email"], "password": "wrong password"}).status_code == 401
    refused = call("POST", "/users/login", json={"email": user["email"], "password": user["password"]})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) <= 60

    # the database down: 503 with Retry-After, /health's report too
    stack.mariadb.stop()
    try:
        down = call("GET", "/users", headers=admin)
        assert down.status_code == 503, down.text
        assert call("GET", "/books/999999998", "/books/{id}", headers=admin).status_code == 503
        deadline = time.monotonic() + 3  # /health answers from a probe at most a second old
        while (health := call("GET", "/health")).status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert health.status_code == 503 and health.json()["database"] == "unavailable"
    finally:
        stack.mariadb.start()
