"""Safe by default: no process serves with a signing key that anyone could know.

Each case runs the real binary as an operator would start it, with nothing but the variable
under test changed, and checks that it refuses with a clear message and exit status 78
(EX_CONFIG) before it opens any socket."""
from __future__ import annotations

import os
import subprocess

import pytest

from tools.devstack.app import find_binary

EX_CONFIG = 78


def run_app(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("LIBRARY_ENV", "SECRET_KEY", "DATABASE_URL", "MEMCACHED_SERVERS", "PASSWORD_HASH_COST")}
    return subprocess.run([str(find_binary()), *args], env={**clean, **env}, capture_output=True,
                          text=True, timeout=30, stdin=subprocess.DEVNULL, cwd=tmp_path)


@pytest.mark.parametrize("environment", [None, "development", "testing", "production"])
def test_serve_without_a_secret_key_refuses_to_start(tmp_path, environment):
    env = {"DATABASE_URL": "mysql://app:pw@127.0.0.1:1/library"}
    if environment:
        env["LIBRARY_ENV"] = environment
    done = run_app(tmp_path, "serve", "--socket", str(tmp_path / "app.sock"), **env)
    assert done.returncode == EX_CONFIG, done.stderr
    assert "SECRET_KEY is not set" in done.stderr
    assert not (tmp_path / "app.sock").exists()


def test_serve_with_a_short_secret_key_refuses_to_start(tmp_path):
    done = run_app(tmp_path, "serve", "--socket", str(tmp_path / "app.sock"),
                   LIBRARY_ENV="development", SECRET_KEY="x" * 31)
    assert done.returncode == EX_CONFIG, done.stderr
    assert "shorter than 32 bytes" in done.stderr


def test_production_refuses_a_cheap_password_hash(tmp_path):
    done = run_app(tmp_path, "serve", "--socket", str(tmp_path / "app.sock"), LIBRARY_ENV="production",
                   SECRET_KEY="x" * 64, DATABASE_URL="mysql://app:pw@127.0.0.1:1/library",
                   PASSWORD_HASH_COST="ln=1,r=8,p=1")
    assert done.returncode == EX_CONFIG, done.stderr
    assert "PASSWORD_HASH_COST" in done.stderr


def test_commands_that_sign_nothing_need_no_key(tmp_path):
    done = run_app(tmp_path, "routes")
    assert done.returncode == 0, done.stderr
    assert "/users/login" in done.stdout
