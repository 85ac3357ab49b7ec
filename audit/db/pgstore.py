"""Opening a PostgreSQL store: connect, migrate under a lock, take the run lock."""

from __future__ import annotations

from audit import db
from audit.db.postgres import PgConnection
from audit.errors import StoreError

# pg_advisory_lock keys (any two bigints the tool alone uses)
MIGRATE_LOCK = 0x61756469_74000001
RUN_LOCK = 0x61756469_74000002


def open_postgres(url: str, *, lock: bool = False) -> PgConnection:
    name = db.display(url)
    conn = PgConnection(url, name)
    try:
        migrate(conn, name)
        if lock and not _scalar(conn, "SELECT pg_try_advisory_lock(?)", RUN_LOCK):
            raise StoreError(
                f"{name}: another audit run is using this store; wait for it to finish"
            )
    except BaseException:
        conn.close()
        raise
    return conn


def _scalar(conn: PgConnection, sql: str, *args: object) -> object:
    row = conn.execute(sql, args).fetchone()
    return None if row is None else row[0]


def version(conn: PgConnection) -> int:
    value = _scalar(conn, "SELECT max(version) FROM audit_schema")
    return int(str(value or 0))


def migrate(conn: PgConnection, name: str) -> None:
    """Bring the schema up to date; two processes opening a new store at once wait in turn."""
    scripts = db.migrations(db.Engine.POSTGRESQL)
    with conn:
        conn.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATE_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS audit_schema"
            " (version INTEGER PRIMARY KEY, applied TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        current = version(conn)
        if current > len(scripts):
            raise StoreError(
                f"{name}: store schema v{current} is newer than this audit "
                f"(v{len(scripts)}); upgrade audit"
            )
        for number, script in enumerate(scripts[current:], start=current + 1):
            conn.executescript(script)
            conn.execute("INSERT INTO audit_schema(version) VALUES (?)", (number,))
