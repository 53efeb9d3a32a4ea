#!/usr/bin/env bash
# Idempotent setup: a virtualenv in .venv with Nudge's dependencies (dev extras included).
# Re-running only reinstalls when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON_BIN=${PYTHON:-python3}
if ! "$PYTHON_BIN" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Nudge needs Python 3.11 or newer (found $("$PYTHON_BIN" --version 2>&1))." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "==> creating virtualenv .venv"
  "$PYTHON_BIN" -m venv .venv
fi
stamp=".venv/.deps-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "==> installing dependencies"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python - >.venv/requirements.txt <<'PY'
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\n".join(project["dependencies"] + project["optional-dependencies"]["dev"]))
PY
  .venv/bin/python -m pip install --quiet -r .venv/requirements.txt
  rm -f .venv/.deps-*
  touch "$stamp"
fi
mkdir -p .data
