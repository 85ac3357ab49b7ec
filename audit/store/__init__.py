"""The store: runs, observations, judge states, verdict changes, snapshots.

SQLite (embedded, the default) or PostgreSQL (`--db postgresql://...`, shared by
workers on many machines); the SQL here is written once for both (audit.db
translates it for PostgreSQL). Observations are raw facts, committed as they
arrive (`audit run` commits each check with its resource's judge state, at most
0.2 s apart), so a run killed with SIGKILL keeps everything it committed. A
check that repeats the resource's last answer is a compact `repeats` row with
its own time. Outcomes and verdicts are recomputed from the facts whenever
needed (judge states are derived and rebuilt when their rules change), so any
past run can be re-judged under a new policy.

One run at a time: an exclusive advisory lock on `<db>.lock` (released by the
kernel if the process dies), on PostgreSQL a session advisory lock (released
when the connection ends), makes a second run refuse with a clear message.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from audit import db
from audit.store._observations import Observations
from audit.store._records import Records
from audit.store._rows import StoredObservation
from audit.store._runs import Runs
from audit.store._sqlite import DATABASE_ERRORS, SCHEMA_VERSION, describe, open_sqlite

__all__ = [
    "DATABASE_ERRORS",
    "SCHEMA_VERSION",
    "Store",
    "StoredObservation",
    "describe",
    "open_store",
]


class Store(Runs, Observations, Records):
    """An open store. Use `open_store()`; close it (or use `with`)."""

    def __init__(
        self, path: db.Location, conn: Any, lock_fd: int | None, engine: db.Engine
    ) -> None:
        self.path = path
        self.engine = engine
        # sqlite3.Connection, or audit.db.postgres.PgConnection (the same calls)
        self._conn = conn
        self._lock_fd = lock_fd

    # -- lifecycle --------------------------------------------------------------
    def close(self) -> None:
        self._conn.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the run lock
            self._lock_fd = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(location: db.Location, *, lock: bool = False, verify: bool = True) -> Store:
    """Open (creating and migrating) the store; `lock` takes the one-run-at-a-time lock.

    Every failure is one StoreError line and leaves the file as it was: a
    read-only file or folder is refused before SQLite is asked, and (`verify`)
    `PRAGMA quick_check` runs before anything is written, so a corrupt store is
    never migrated, switched to WAL or written into.
    """
    if db.engine_of(location) is db.Engine.POSTGRESQL:
        from audit.db.pgstore import open_postgres  # noqa: PLC0415 (psycopg only when used)

        return Store(location, open_postgres(str(location), lock=lock), None, db.Engine.POSTGRESQL)
    path = Path(location)
    conn, lock_fd = open_sqlite(path, lock=lock, verify=verify)
    return Store(path, conn, lock_fd, db.Engine.SQLITE)
