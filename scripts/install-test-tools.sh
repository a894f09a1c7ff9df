#!/usr/bin/env bash
# Install what the API documents and their tests need, beside scripts/install-deps.sh:
#
#   * Debian: chromium (the headless browser of Tests/e2e/test_swagger_ui.py), python3-venv,
#     python3-yaml (the tests read static/swagger.yaml).
#   * PyPI, in a private virtual environment (default run/tools-venv, git-ignored; override
#     with LIBRARY_TOOLS_VENV), with pinned versions:
#       - flask-swagger-ui: only for the Swagger UI dist files it ships (no Flask needed);
#       - openapi-spec-validator: validates static/swagger.yaml;
#       - schemathesis: property-based conformance of the running service to the document.
#   * static/swagger-ui: a symlink to the Swagger UI files of that package, which the web
#     server serves under /static/swagger-ui/ and GET /api/docs loads (ignored by git:
#     static/.gitignore). Nothing of Swagger UI is committed.
#
# Idempotent: apt runs only for a missing package; the venv is rebuilt only when the pinned
# requirements below change (a stamp file records them). The e2e tests (Debian python3) call
# the venv's tools by path; they fail, naming this script, when it has not run.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${LIBRARY_TOOLS_VENV:-$repo/run/tools-venv}

requirements=(
    "schemathesis==4.32.5"
    "openapi-spec-validator==0.9.0"
)
assets_package="flask-swagger-ui==5.34.0"     # Swagger UI 5.x dist; installed without its deps

# --- Debian packages ------------------------------------------------------------------------
debian=(python3-venv python3-yaml chromium)
missing=()
for pkg in "${debian[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$pkg")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
    echo "install-test-tools: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- the Python tools -----------------------------------------------------------------------
stamp="$venv/.library-api-requirements"
wanted=$(printf '%s\n' "${requirements[@]}" "$assets_package")
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "install-test-tools: creating $venv"
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    /usr/bin/python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${requirements[@]}"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "$assets_package"
    printf '%s\n' "$wanted" > "$stamp"
fi

# --- Swagger UI assets for the web server -----------------------------------------------------
dist=$("$venv/bin/python" - <<'EOF'
import importlib.util, os
spec = importlib.util.find_spec("flask_swagger_ui")   # locates it without importing Flask
print(os.path.join(spec.submodule_search_locations[0], "dist"))
EOF
)
[ -f "$dist/swagger-ui-bundle.js" ] || { echo "install-test-tools: no Swagger UI in $dist" >&2; exit 1; }
link="$repo/static/swagger-ui"
if [ "$(readlink "$link" 2>/dev/null)" != "$dist" ]; then
    rm -rf "$link"
    ln -s "$dist" "$link"
fi
echo "install-test-tools: ready ($("$venv/bin/schemathesis" --version), Swagger UI $(cat "$dist/VERSION" 2>/dev/null || echo '?') in static/swagger-ui)"
