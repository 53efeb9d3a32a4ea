#!/usr/bin/env bash
# One command: set up and run every check — ruff (lint + format), mypy, migrations check and
# the whole pytest suite (in parallel) against real PostgreSQL (embedded unless DATABASE_URL).
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/system_deps.sh
export DATABASE_URL="${DATABASE_URL:-$(.venv/bin/python scripts/db_url.py)}"
export DJANGO_SETTINGS_MODULE=config.settings

echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "==> mypy"
.venv/bin/mypy .
echo "==> migrations are checked in"
.venv/bin/python manage.py makemigrations --check --dry-run
echo "==> pytest"
workers=${PYTEST_WORKERS:-auto}
.venv/bin/python -m pytest -n "$workers" "$@"
