"""The production examples in conf/ are valid for the web servers installed here
(the templates are exercised by every other test, which runs them)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_nginx_production_example_is_valid(tmp_path):
    """`nginx -t` on conf/nginx/library-api.conf inside a minimal main config, with its log
    path moved into tmp_path (nginx -t opens log files; nothing is written under /var)."""
    site = (REPO / "conf/nginx/library-api.conf").read_text()
    (tmp_path / "library-api.conf").write_text(site.replace("/var/log/nginx/", f"{tmp_path}/"))
    shutil.copy("/etc/nginx/fastcgi_params", tmp_path / "fastcgi_params")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log {tmp_path}/access.log;\n  include library-api.conf;\n}}\n")
    done = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                           "-e", str(tmp_path / "error.log")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_lighttpd_production_example_is_valid(tmp_path):
    site = (REPO / "conf/lighttpd/library-api.conf").read_text()
    (tmp_path / "library-api.conf").write_text(site.replace("/var/log/lighttpd/", f"{tmp_path}/"))
    (tmp_path / "lighttpd.conf").write_text(
        f'server.document-root = "{tmp_path}"\nserver.port = 8080\n'
        f'include "{tmp_path}/library-api.conf"\n')
    done = subprocess.run(["lighttpd", "-tt", "-f", str(tmp_path / "lighttpd.conf")],
                          capture_output=True, text=True)
    assert done.returncode == 0 and "WARNING" not in done.stderr, done.stderr


def test_lighttpd_error_pages_are_problem_json():
    import json
    pages = sorted((REPO / "conf/lighttpd/errors").glob("status-*.html"))
    assert pages
    for page in pages:
        problem = json.loads(page.read_text())
        assert problem["type"] == "about:blank"
        assert page.name == f"status-{problem['status']}.html"
