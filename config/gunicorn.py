"""Gunicorn settings for Nudge (``gunicorn config.wsgi --config python:config.gunicorn``).

Sync workers, one per core. Requests are CPU-bound Python, and measured on two cores that
PostgreSQL shares (bench/decisioning_recommend.py) the sync worker served /recommend with
the least CPU per request and spread load evenly (each idle worker takes the next connection
from the kernel); two workers beat three (865-889 against 744-827 requests/s in alternating
runs), a third only adding context switches. With the database on a machine of its own, a
worker per core plus one overlaps each request's database wait: set ``WEB_CONCURRENCY``. Threaded workers (gthread) keep
connections alive, but a kept-alive connection stays with the worker that accepted it, so
with a few busy clients one worker queued most of the load while the others idled (and 2
threads per worker cost ~30% more CPU in GIL hand-offs). As gunicorn's documentation
advises for sync workers, run behind a buffering reverse proxy (nginx) in production so
slow clients never hold a worker. Every value can be overridden on the command line, with
``GUNICORN_CMD_ARGS``, or with ``WEB_CONCURRENCY`` / ``WEB_THREADS`` / ``WEB_TIMEOUT``.
"""

import multiprocessing
import os

worker_class = os.environ.get("WEB_WORKER_CLASS", "sync")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("WEB_THREADS", 1))
keepalive = 30  # used by threaded workers only
# Seconds a request may take (file downloads stream from storage in one request).
timeout = int(os.environ.get("WEB_TIMEOUT", 120))
# Recycle workers now and then (with jitter, so they don't all restart at once).
max_requests = 100_000
max_requests_jitter = 10_000
