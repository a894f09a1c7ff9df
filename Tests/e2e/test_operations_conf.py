"""Static checks of the operations files in conf/ (docs/operations.md): the systemd units pass
`systemd-analyze verify` without a single warning, the Prometheus rules pass `promtool check
rules` and their unit tests, the Grafana dashboard is valid JSON. No system service is started;
systemd need not be running (verify reads the unit files only)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from conftest import REPO
from tools.devstack.app import find_binary

CONF = REPO / "conf"
UNITS = ["library-api@.service", "library-api@.socket", "library-api-migrate.service", "library-api.target"]


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_systemd_units_verify_without_a_warning(tmp_path):
    # verify wants the binary to exist: point a copy of the units at the one built
    for name in UNITS:
        text = (CONF / "systemd" / name).read_text()
        (tmp_path / name).write_text(text.replace("/usr/local/bin/library-app", str(find_binary())))
    # a template is verified through an instance of it
    os.symlink("library-api@.service", tmp_path / "library-api@1.service")
    os.symlink("library-api@.socket", tmp_path / "library-api@1.socket")
    done = run([shutil.which("systemd-analyze"), "verify", "--man=no", "./library-api@1.service", "./library-api@1.socket",
                "./library-api-migrate.service", "./library-api.target"], tmp_path)
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stdout + done.stderr


def test_systemd_verify_does_catch_a_mistake(tmp_path):
    """The check above can fail: a misspelt setting is reported."""
    text = (CONF / "systemd" / "library-api@.service").read_text()
    (tmp_path / "library-api@.service").write_text(
        text.replace("/usr/local/bin/library-app", str(find_binary())).replace("KillMode=mixed", "KillMode=mixd"))
    (tmp_path / "library-api@.socket").write_text((CONF / "systemd" / "library-api@.socket").read_text())
    (tmp_path / "library-api-migrate.service").write_text(
        (CONF / "systemd" / "library-api-migrate.service").read_text().replace("/usr/local/bin/library-app", str(find_binary())))
    os.symlink("library-api@.service", tmp_path / "library-api@1.service")
    done = run([shutil.which("systemd-analyze"), "verify", "--man=no", "./library-api@1.service"], tmp_path)
    assert "kill mode" in done.stdout + done.stderr


def test_the_socket_hands_the_listen_socket_on_fd_0_and_logs_go_to_the_journal():
    service = (CONF / "systemd" / "library-api@.service").read_text()
    socket = (CONF / "systemd" / "library-api@.socket").read_text()
    assert "StandardInput=socket" in service and "StandardOutput=journal" in service
    assert "Accept=no" in socket
    assert "METRICS_DIR=/run/library-api/metrics" in service


def test_prometheus_rules_check_and_their_tests_pass():
    rules = CONF / "prometheus"
    done = run(["promtool", "check", "rules", "library-api-rules.yml"], rules)
    assert done.returncode == 0, done.stdout + done.stderr
    done = run(["promtool", "test", "rules", "library-api-rules.test.yml"], rules)
    assert done.returncode == 0 and "SUCCESS" in done.stdout, done.stdout + done.stderr


def test_grafana_dashboard_is_json_with_a_query_in_every_panel():
    dashboard = json.loads((CONF / "grafana" / "library-api-dashboard.json").read_text())
    assert dashboard["panels"]
    for panel in dashboard["panels"]:
        assert panel["targets"] and all(target["expr"] for target in panel["targets"]), panel["title"]
