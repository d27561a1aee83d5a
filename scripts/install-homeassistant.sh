#!/usr/bin/env bash
# A real Home Assistant Core for the test suite (tests/servers/homeassistant.py), in its own
# virtual environment OUTSIDE the repository, built once and reused by later runs and CI on the
# same machine. Idempotent: a complete venv (marker file) is left alone.
#
#   HA_VERSION  (default 2025.4.4: the newest release that installs on Python 3.13.0)
#   HA_VENV     (default /var/cache/myelectricaldata/ha-$HA_VERSION)
#   HA_PYTHON   (default: python3.13 on PATH, else pyenv's 3.13.x)
set -euo pipefail

HA_VERSION="${HA_VERSION:-2025.4.4}"
HA_VENV="${HA_VENV:-/var/cache/myelectricaldata/ha-$HA_VERSION}"
MARKER="$HA_VENV/.med-complete"
# Bump when what goes into the venv changes: an older venv is then rebuilt.
RECIPE="$HA_VERSION recipe 2"

if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$RECIPE" ] && [ -x "$HA_VENV/bin/hass" ]; then
  echo "Home Assistant $HA_VERSION already installed in $HA_VENV"
  exit 0
fi

find_python() {
  if [ -n "${HA_PYTHON:-}" ]; then echo "$HA_PYTHON"; return; fi
  if command -v python3.13 >/dev/null && python3.13 -c '' 2>/dev/null; then
    command -v python3.13; return
  fi
  local candidate
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13.*/bin/python3.13; do
    [ -x "$candidate" ] && { echo "$candidate"; return; }
  done
}
PY="$(find_python || true)"
if [ -z "$PY" ] || ! "$PY" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then
  echo "install-homeassistant: Python 3.13 not found (Home Assistant $HA_VERSION needs it)." >&2
  echo "  Install it (e.g. 'pyenv install 3.13.0') or set HA_PYTHON=/path/to/python3.13." >&2
  exit 1
fi

echo "building Home Assistant $HA_VERSION in $HA_VENV with $PY (takes a few minutes, once)"
start=$(date +%s)
# A half-built venv from an interrupted run is started over.
rm -rf "$HA_VENV"
mkdir -p "$(dirname "$HA_VENV")"
"$PY" -m venv "$HA_VENV"
pip_install() {
  # pip's notes about local index folders that do not exist on this machine are noise.
  "$HA_VENV/bin/python" -m pip --disable-pip-version-check --quiet install "$@" 2>&1 \
    | { grep -v "^WARNING: Location 'file:" || true; }
}
pip_install --upgrade pip

# The constraints file ships inside the package: install it alone first to read it.
echo "  pip install --no-deps homeassistant==$HA_VERSION (to read its package_constraints.txt)"
pip_install --no-deps "homeassistant==$HA_VERSION"
CONSTRAINTS="$("$HA_VENV/bin/python" -c \
  'import homeassistant, pathlib; print(pathlib.Path(homeassistant.__file__).parent / "package_constraints.txt")')"

# The tests run hass with --skip-pip: it never installs anything at start (no network), so
# every requirement of the integrations it loads must be here. Those are the integrations
# bootstrap always sets up (DEFAULT_INTEGRATIONS: frontend, backup...), the ones the test
# configuration names, and their dependencies, read from their manifests.
INTEGRATIONS="api http websocket_api recorder energy onboarding config mqtt auth history"
REQUIREMENTS="$("$HA_VENV/bin/python" - $INTEGRATIONS <<'PY'
import ast, json, pathlib, sys
import homeassistant

package = pathlib.Path(homeassistant.__file__).parent
components = package / "components"
# bootstrap.py cannot be imported before its requirements are in: read its set literals.
todo = {"logger", "network", "system_log", *sys.argv[1:]}
for node in ast.parse((package / "bootstrap.py").read_text()).body:
    if isinstance(node, ast.Assign) and any(
        getattr(t, "id", "") in ("CORE_INTEGRATIONS", "DEFAULT_INTEGRATIONS") for t in node.targets
    ):
        todo |= set(ast.literal_eval(node.value))
seen, requirements = set(), set()
while todo:
    domain = todo.pop()
    if domain in seen:
        continue
    seen.add(domain)
    manifest = json.loads((components / domain / "manifest.json").read_text())
    todo |= set(manifest.get("dependencies", []))
    requirements |= set(manifest.get("requirements", []))
print(" ".join(sorted(requirements)))
PY
)"
# pycares 4.5.0: newer releases break aiodns 3.2.0 (HA's DNS resolver) and HA does not pin it.
echo "  pip install homeassistant==$HA_VERSION -c package_constraints.txt pycares==4.5.0 $REQUIREMENTS"
# shellcheck disable=SC2086  # one word per requirement
pip_install -c "$CONSTRAINTS" "homeassistant==$HA_VERSION" "pycares==4.5.0" $REQUIREMENTS

"$HA_VENV/bin/python" -c 'import homeassistant.const as c; print("  installed", c.__version__)'
echo "$RECIPE" >"$MARKER"
echo "Home Assistant $HA_VERSION ready in $HA_VENV ($(($(date +%s) - start)) s)"
