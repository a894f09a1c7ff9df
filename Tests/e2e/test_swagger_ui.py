"""Swagger UI at /api/docs in a real browser: headless Chromium (Debian's `chromium`) loads the
page through the web server, Swagger UI fetches /swagger.yaml and renders every operation,
all from this host (the assets come from the package scripts/install-test-tools.sh installs).
The screenshot stays in run/artifacts/ for a person to look at."""
from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile

import pytest
import yaml

from conftest import REPO, RUN
from helpers import REQUEST_ID, media_type

ARTIFACTS = RUN / "artifacts"
DOCUMENT = REPO / "static" / "swagger.yaml"
METHODS = ("get", "put", "post", "delete", "patch")


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    pytest.fail("chromium is missing: run scripts/install-test-tools.sh")


def browse(url: str, *options: str) -> subprocess.CompletedProcess:
    """One headless Chromium run; virtual time lets Swagger UI fetch and render before the dump."""
    with tempfile.TemporaryDirectory(prefix="library-chromium-") as profile:
        argv = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-sync", "--hide-scrollbars",
                f"--user-data-dir={profile}", "--window-size=1280,1800",
                "--virtual-time-budget=15000", *options, url]
        return subprocess.run(argv, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_docs_page_and_assets_are_served(client):
    page = client.get("/api/docs")
    assert page.status_code == 200, page.text[:300]
    assert media_type(page.headers) == "text/html"
    assert REQUEST_ID.match(page.headers.get("X-Request-Id", ""))
    assets = re.findall(r'(?:src|href)="(/static/swagger-ui/[^"]+)"', page.text)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets), page.text
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, f"{asset}: {response.status_code} (run scripts/install-test-tools.sh)"
        expected = {".js": "javascript", ".css": "text/css", ".png": "image/png"}[asset[asset.rfind("."):]]
        assert expected in media_type(response.headers), (asset, response.headers)
    assert client.head("/api/docs").status_code == 200


def test_swagger_ui_renders_every_operation(stack):
    done = browse(stack.url + "/api/docs", "--dump-dom")
    assert done.returncode == 0, done.stderr[-3000:]
    dom = done.stdout
    (ARTIFACTS).mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"swagger-ui-{stack.config.server}.html").write_text(dom)

    assert "Failed to load API definition" not in dom, "Swagger UI could not load /swagger.yaml"
    assert "Library API" in dom
    assert "Authorize" in dom, "no Authorize button: the bearer scheme is not shown"
    rendered = {(m.group(1).upper(), html.unescape(m.group(2))) for m in re.finditer(
        r'opblock-summary-method">(\w+)</span>.*?data-path="([^"]+)"', dom)}
    document = yaml.safe_load(DOCUMENT.read_text())
    expected = {(method.upper(), path) for path, item in document["paths"].items()
                for method in item if method in METHODS}
    assert ("POST", "/users/register") in rendered, dom[:2000]
    assert expected <= rendered, f"not rendered: {sorted(expected - rendered)}"


def test_swagger_ui_screenshot(stack):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"swagger-ui-{stack.config.server}.png"
    shot.unlink(missing_ok=True)
    done = browse(stack.url + "/api/docs", f"--screenshot={shot}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert shot.exists() and shot.stat().st_size > 20_000, "empty or missing screenshot"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
