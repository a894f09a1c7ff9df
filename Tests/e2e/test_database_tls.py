"""TLS to MariaDB (DATABASE_URL's ssl options, docs/security.md): a MariaDB of its own with a
throw-away CA and require_secure_transport, so that plain-text TCP is refused."""
from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest
import requests

from conftest import RUN, assert_no_crash, stack_config
from tools.devstack.app import find_binary
from tools.devstack.mariadb import MariaDB, make_certificates
from tools.devstack.process import free_port, stop_recorded
from tools.devstack.stack import Stack

DATABASE, USER, PASSWORD = "library_tls_cli", "library_tls_cli", "tls-test-password"


@pytest.fixture(scope="module")
def tls_mariadb():
    run = RUN / "test-mariadb-tls"
    stop_recorded(run)
    shutil.rmtree(run, ignore_errors=True)
    server = MariaDB(run, tls=True, require_secure_transport=True)
    server.start()
    server.create_database(DATABASE, USER, PASSWORD)
    yield server
    server.stop()


def migrate(database_url: str) -> subprocess.CompletedProcess:
    """`library-app migrate`: the first command of a deployment to reach the database."""
    env = {**os.environ, "DATABASE_URL": database_url, "LIBRARY_ENV": "testing"}
    return subprocess.run([str(find_binary()), "migrate"], capture_output=True, text=True, env=env,
                          timeout=60, stdin=subprocess.DEVNULL)


def test_ssl_with_the_right_ca_serves_requests(tls_mariadb):
    config = stack_config("nginx", "tls", database_tls=True, processes=1, threads=4)
    with Stack(config, mariadb=tls_mariadb) as stack:
        assert "ssl=true" in stack.app.env["DATABASE_URL"] and "127.0.0.1" in stack.app.env["DATABASE_URL"]
        health = requests.get(stack.url + "/health", timeout=10)
        assert health.status_code == 200 and health.json()["database"] == "ok", health.text
        # Queries, not only a ping: a user written and read back over the TLS connection.
        body = {"username": "tlsreader", "email": "tls@example.org", "password": "correct horse battery"}
        assert requests.post(stack.url + "/users/register", json=body, timeout=10).status_code == 201
        login = requests.post(stack.url + "/users/login", timeout=30,
                              json={"email": body["email"], "password": body["password"]})
        assert login.status_code == 200, login.text
        me = requests.get(stack.url + "/users/me", timeout=10,
                          headers={"Authorization": f"Bearer {login.json()['token']}"})
        assert me.status_code == 200 and me.json()["username"] == "tlsreader"
        # Over TCP, and this server refuses TCP without TLS: so these queries went over TLS.
        log = (stack.run / "logs" / "app.log").read_text(errors="replace")
        assert "ssl-verify-server-cert=true" in log and stack.secrets["db_password"] not in log
    assert_no_crash(stack)


def test_a_server_certificate_from_another_ca_is_refused(tls_mariadb):
    stranger = make_certificates(RUN / "test-mariadb-tls" / "other-ca", name="some other CA")
    done = migrate(tls_mariadb.tcp_url(DATABASE, USER, PASSWORD,
                                       f"ssl=true&ssl-ca={stranger.ca}&ssl-verify-server-cert=true"))
    assert done.returncode != 0
    assert "database unavailable" in done.stderr and "certificate" in done.stderr.lower(), done.stderr
    assert PASSWORD not in done.stdout + done.stderr


def test_verification_without_a_ca_uses_the_system_cas_and_refuses_a_private_one(tls_mariadb):
    done = migrate(tls_mariadb.tcp_url(DATABASE, USER, PASSWORD, "ssl=true"))
    assert done.returncode != 0 and "certificate" in done.stderr.lower(), done.stderr


def test_without_ssl_the_server_refuses_the_connection(tls_mariadb):
    done = migrate(tls_mariadb.tcp_url(DATABASE, USER, PASSWORD))
    assert done.returncode != 0
    # MariaDB 10.11 words a refusal by require_secure_transport as a denied login.
    assert "database unavailable (1045)" in done.stderr, done.stderr
    # The same URL with TLS goes through: the refusal was about the transport.
    assert migrate(tls_mariadb.tls_url(DATABASE, USER, PASSWORD)).returncode == 0


@pytest.mark.parametrize("query, message", [
    ("ssl=true&ssl-ca=/nonexistent/ca.pem", "ssl-ca: cannot read /nonexistent/ca.pem"),
    ("ssl=yes-please", "ssl must be true or false"),
    ("ssl-mode=REQUIRED", "unknown database URL option 'ssl-mode'"),
])
def test_bad_tls_options_stop_serve_at_start_up(tls_mariadb, query, message):
    env = {**os.environ, "DATABASE_URL": tls_mariadb.tcp_url(DATABASE, USER, PASSWORD, query),
           "LIBRARY_ENV": "testing", "SECRET_KEY": "k" * 64}
    done = subprocess.run([str(find_binary()), "serve", "--socket", ":0"], capture_output=True, text=True,
                          env=env, timeout=30, stdin=subprocess.DEVNULL)
    assert done.returncode == 78, done.stderr
    assert message in done.stderr


def serve(tmp_path, database_url: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "LIBRARY_ENV": "testing", "SECRET_KEY": "k" * 64}
    return subprocess.Popen([str(find_binary()), "serve", "--socket", str(tmp_path / "app.sock")], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_serve_with_a_certificate_it_cannot_verify_stops_at_start_up(tls_mariadb, tmp_path):
    stranger = make_certificates(tmp_path / "other-ca", name="yet another CA")
    process = serve(tmp_path, tls_mariadb.tcp_url(DATABASE, USER, PASSWORD, f"ssl-ca={stranger.ca}"))
    try:
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 78, stderr
    assert "TLS to the database failed" in stderr and "certificate" in stderr, stderr
    assert not (tmp_path / "app.sock").exists()  # it never listened


def test_serve_with_tls_and_the_database_down_still_starts(tls_mariadb, tmp_path):
    """A server that is down is not a configuration error: the process serves (503) and retries."""
    closed_port = free_port()
    url = f"mysql://{USER}:{PASSWORD}@127.0.0.1:{closed_port}/{DATABASE}?ssl=true&ssl-ca={tls_mariadb.certificates.ca}"
    process = serve(tmp_path, url)
    try:
        deadline = time.monotonic() + 15
        while not (tmp_path / "app.sock").is_socket():
            assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
            time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(timeout=30)
