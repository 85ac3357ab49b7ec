"""`audit store copy`: every row of one store into another, empty one (SQLite -> PostgreSQL
or back). Ids are kept, so verdicts, repeats and jobs still point at their rows; the
destination's id counters are moved past them. All of it commits at once or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from audit import db
from audit.errors import InputError, StoreError
from audit.store import Store

# Parents before children (foreign keys); a table the schema gains must be placed here.
ORDER = (
    "runs",
    "observations",
    "repeats",
    "verdicts",
    "snapshots",
    "notifications",
    "parse_cache",
    "judge_state",
)
TRANSIENT = ("jobs", "hosts", "audit_schema")  # the queue's state, the engine's own bookkeeping
BATCH = 2000


def tables(store: Store) -> list[str]:
    conn: Any = store._conn
    if store.engine is db.Engine.SQLITE:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    else:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    return sorted(str(r[0]) for r in conn.execute(sql).fetchall())


def columns(store: Store, table: str) -> list[str]:
    conn: Any = store._conn
    if store.engine is db.Engine.SQLITE:
        return [str(r[1]) for r in conn.execute(f"PRAGMA table_info({table})").fetchall()]
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [str(r[0]) for r in rows]


def _rows(store: Store, table: str, cols: list[str]) -> Iterator[list[tuple[Any, ...]]]:
    conn: Any = store._conn
    cur = conn.execute(f"SELECT {', '.join(cols)} FROM {table}")
    while batch := cur.fetchmany(BATCH):
        yield [tuple(r) for r in batch]


def copy(src: Store, dst: Store) -> dict[str, int]:
    """Copy `src` into the empty `dst`; rows per table."""
    have = [t for t in tables(src) if t not in TRANSIENT]
    unknown = sorted(set(have) - set(ORDER))
    if unknown:
        raise StoreError(f"{db.display(src.path)}: tables this audit cannot copy: {unknown}")
    dst_conn: Any = dst._conn
    for table in ORDER:
        if table in tables(dst) and dst_conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
            raise InputError(
                f"{db.display(dst.path)}: not empty ({table} has rows); copy into a new store"
            )
    counts: dict[str, int] = {}
    dst_conn.execute("BEGIN")  # (sqlite3 in autocommit mode opens none by itself)
    try:
        for table in ORDER:
            if table not in have:
                continue
            cols = [c for c in columns(src, table) if c in set(columns(dst, table))]
            marks = ", ".join("?" * len(cols))
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"
            counts[table] = 0
            for batch in _rows(src, table, cols):
                dst_conn.executemany(sql, batch)
                counts[table] += len(batch)
            if dst.engine is db.Engine.POSTGRESQL and "id" in cols:
                dst_conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT COALESCE(max(id), 0) + 1 FROM {table}), false)"
                )
    except BaseException:
        dst_conn.execute("ROLLBACK")
        raise
    dst_conn.execute("COMMIT")
    return counts
