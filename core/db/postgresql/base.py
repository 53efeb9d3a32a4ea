"""Django's PostgreSQL backend with a health check that costs no round trip, and a schema
editor that creates no ``*_like`` pattern indexes (see ``schema.py``).

With ``CONN_HEALTH_CHECKS`` Django checks a persistent connection before its first use in a
request by running ``SELECT 1`` (one round trip per request). An idle connection's socket has
nothing to read, so instead this asks the kernel: readable means the server closed the
connection or sent a termination message (restart, ``pg_terminate_backend``, idle timeout),
and the connection is replaced. psycopg also knows a connection that already failed.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq

from core.db.postgresql.schema import DatabaseSchemaEditor


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        pgconn = connection.pgconn
        if pgconn.status != pq.ConnStatus.OK:
            return False
        if pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return super().is_usable()  # mid-transaction: let the server answer
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN | select.POLLERR | select.POLLHUP)
        return not poller.poll(0)
