"""The SQLite engine's opening: refusals before SQLite is asked, the integrity check,
migrations, and one line for its errors."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from pathlib import Path

from audit import db
from audit.errors import StoreError

# The schema's versioned SQL, one folder per engine (audit/db/migrations/).
SCHEMA_VERSION = db.schema_version()


def open_sqlite(path: Path, *, lock: bool, verify: bool) -> tuple[sqlite3.Connection, int | None]:
    """The connection (migrated) and the run lock's descriptor; see `open_store`."""
    lock_fd: int | None = None
    conn: sqlite3.Connection | None = None
    try:
        writable(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if lock:
            lock_fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(lock_fd)
                lock_fd = None
                raise StoreError(
                    f"{path}: another audit run is using this store; wait for it to finish"
                ) from None
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        if verify and path.exists() and path.stat().st_size:
            quick_check(conn, path)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        migrate(conn, path)
    except BaseException as exc:
        if conn is not None:
            conn.close()
        if lock_fd is not None:
            os.close(lock_fd)
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"{path}: cannot open the store: {sqlite_why(exc)}") from None
        if isinstance(exc, OSError):
            why = exc.strerror or exc
            raise StoreError(f"{path}: cannot open the store: {why}") from None
        raise
    return conn, lock_fd


DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error,)
"""What a store operation may raise past open_store (disk full, I/O errors): the CLI
turns these into one line."""


def describe(exc: Exception) -> str:
    """One line for a DATABASE_ERRORS exception."""
    return sqlite_why(exc) if isinstance(exc, sqlite3.Error) else str(exc)


def sqlite_why(exc: sqlite3.Error) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "readonly" in text or "read-only" in text:
        return f"{text} (is the file or its folder read-only?)"
    if "disk is full" in text:
        return f"{text} (free some space; nothing was lost)"
    if "malformed" in text or "not a database" in text:
        return f"{text} (restore it from a backup, or move it aside to start afresh)"
    return text


def writable(path: Path) -> None:
    """Refuse a read-only store (or folder: WAL needs its -wal and -shm files there)."""
    folder = path.parent if path.parent != Path("") else Path(".")
    for target in (path, Path(f"{path}-wal")):
        if target.exists() and not os.access(target, os.W_OK):
            raise StoreError(
                f"{target}: cannot open the store: the file is read-only; check its permissions"
            )
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(
            f"{folder}: cannot open the store: its folder is read-only; check its permissions"
        )


def quick_check(conn: sqlite3.Connection, path: Path) -> None:
    # one line: a row of quick_check's answer may itself span several
    rows = [" ".join(str(r[0]).split()) for r in conn.execute("PRAGMA quick_check(3)")]
    if rows != ["ok"]:
        raise StoreError(
            f"{path}: the store is corrupt ({'; '.join(rows)[:200]}); restore it from a "
            "backup, or move it aside to start afresh"
        )


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: store schema v{version} is newer than this audit "
            f"(v{SCHEMA_VERSION}); upgrade audit"
        )
    scripts = db.migrations(db.Engine.SQLITE)
    for number, script in enumerate(scripts[version:], start=version + 1):
        # executescript commits first; wrap each step so it applies whole or not at all
        conn.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
