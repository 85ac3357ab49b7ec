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

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from audit import codec, db
from audit.errors import StoreError
from audit.models import (
    ArchiveLookup,
    Classification,
    Network,
    Observation,
    Outcome,
    RunInfo,
    Verdict,
    VerdictChange,
)

# The schema's versioned SQL, one folder per engine (audit/db/migrations/).
SCHEMA_VERSION = db.schema_version()


@dataclass(frozen=True, slots=True)
class StoredObservation:
    """An observation as recorded, with where it came from."""

    id: int
    run_id: int
    resource_id: str | None
    observation: Observation
    classification: Classification
    classified_by: str = ""  # the rules stamp of `classification` ('' = unknown)
    repeat: bool = False  # a compact row: `id` is the full row whose facts it repeats


class Store:
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

    # -- runs ---------------------------------------------------------------------
    def start_run(
        self,
        started: datetime,
        *,
        vantage: str = "",
        tool_version: str = "",
        registry: str = "",
        command: str = "run",
    ) -> int:
        cur = self._conn.execute(
            "INSERT INTO runs(started, vantage, tool_version, registry, command)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (ts(started), vantage, tool_version, registry, command),
        )
        return int(cur.fetchone()[0])

    def finish_run(
        self,
        run_id: int,
        finished: datetime,
        network: Network,
        status: str = "finished",
        *,
        vantage: str | None = None,  # the vantages and how each did, when known at the end
    ) -> None:
        self._conn.execute(
            "UPDATE runs SET finished = ?, network = ?, status = ?,"
            " vantage = coalesce(?, vantage) WHERE id = ?",
            (ts(finished), network.value, status, vantage, run_id),
        )

    def mark_interrupted(self, but: int | None = None) -> int:
        """Runs left `running` by a process that died (kill -9, power loss): `interrupted`.

        Only `audit run` holds the store's lock, so under it no other run is alive.
        """
        cur = self._conn.execute(
            "UPDATE runs SET status = 'interrupted' WHERE status = 'running'"
            " AND command = 'run' AND id IS NOT ?",
            (but,),
        )
        return int(cur.rowcount)

    def run_status(self, run_id: int) -> str | None:
        row = self._conn.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
        return None if row is None else str(row[0])

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """Everything inside commits together or not at all."""
        self._conn.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def begin(self) -> None:
        """Open a transaction (`commit` or `rollback` ends it)."""
        self._conn.execute("BEGIN")

    def commit(self) -> None:
        self._conn.execute("COMMIT")

    def rollback(self) -> None:
        self._conn.execute("ROLLBACK")

    def runs(self, limit: int | None = None) -> list[RunInfo]:
        """`audit run` runs, oldest first (the last `limit` of them)."""
        sql = (
            "SELECT id, started, finished, network, vantage, tool_version FROM runs"
            " WHERE command = 'run' ORDER BY id DESC"
        )
        rows = self._conn.execute(
            sql + (" LIMIT ?" if limit else ""), (limit,) if limit else ()
        ).fetchall()
        return [_run(r) for r in reversed(rows)]

    def run(self, run_id: int) -> RunInfo | None:
        row = self._conn.execute(
            "SELECT id, started, finished, network, vantage, tool_version FROM runs WHERE id = ?",
            (run_id,),
        ).fetchone()
        return _run(row) if row else None

    # -- observations ---------------------------------------------------------------
    def add_observation(
        self,
        run_id: int,
        resource_id: str | None,
        obs: Observation,
        classification: Classification,
        classified_by: str = "",
    ) -> int:
        """Record one check; committed at once (autocommit), so a crash keeps it."""
        cur = self._conn.execute(
            "INSERT INTO observations(run_id, resource_id, url, checked_at, status, error,"
            " outcome, final_url, elapsed_ms, evidence, data, classified_by, vantage)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
            (
                run_id,
                resource_id,
                obs.url,
                ts(obs.checked_at),
                obs.status,
                obs.error.value if obs.error else None,
                classification.outcome.value,
                obs.final_url,
                obs.elapsed_ms,
                codec.encode(classification.evidence),
                codec.encode(obs),
                classified_by,
                obs.vantage,
            ),
        )
        return int(cur.fetchone()[0])

    def add_repeat(self, base: int, run_id: int, checked_at: datetime, elapsed_ms: int) -> int:
        """Record a check whose facts are those of row `base` but for its time."""
        cur = self._conn.execute(
            "INSERT INTO repeats(base, run_id, checked_at, elapsed_ms) VALUES (?,?,?,?)"
            " RETURNING id",
            (base, run_id, ts(checked_at), elapsed_ms),
        )
        return int(cur.fetchone()[0])

    def observations(
        self, resource_id: str | None = None, *, url: str | None = None, run_id: int | None = None
    ) -> list[StoredObservation]:
        """Recorded observations (repeats included), oldest first, by resource, URL or run."""
        return list(self.iter_observations(resource_id, url=url, run_id=run_id))

    def iter_observations(
        self, resource_id: str | None = None, *, url: str | None = None, run_id: int | None = None
    ) -> Iterator[StoredObservation]:
        """`observations`, streamed: one resource's history is sorted, never the table's."""
        where: list[str] = []
        rwhere: list[str] = []
        args: list[object] = []
        for column, repeat_column, value in (
            ("resource_id", "o.resource_id", resource_id),
            ("url", "o.url", url),
            ("run_id", "r.run_id", run_id),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                rwhere.append(f"{repeat_column} = ?")
                args.append(value)
        cond = (" WHERE " + " AND ".join(where)) if where else ""
        rcond = (" WHERE " + " AND ".join(rwhere)) if rwhere else ""
        sql = (
            f"SELECT {_OBSERVATION_COLUMNS}, checked_at, NULL, 0, 0 FROM observations{cond}"
            f" UNION ALL SELECT {_REPEAT_COLUMNS} FROM repeats r"
            f" JOIN observations o ON o.id = r.base{rcond}"
            " ORDER BY 8, 1, 10"
        )
        for row in self._conn.execute(sql, args + args):
            yield _stored(row)

    def latest_rows(self, ids: Iterable[int]) -> dict[int, StoredObservation]:
        """Full observation rows by id (the last checks a report shows), in batches."""
        out: dict[int, StoredObservation] = {}
        wanted = list(ids)
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(
                f"SELECT {_OBSERVATION_COLUMNS} FROM observations WHERE id IN ({marks})", chunk
            ):
                out[row[0]] = _stored(row)
        return out

    # -- judge state ----------------------------------------------------------------------
    def judge_states(self) -> Iterator[tuple[str, str, str]]:
        """(resource_id, stamp, data) of every resource's judge state."""
        yield from self._conn.execute("SELECT resource_id, stamp, data FROM judge_state")

    def judge_states_of(self, resource_ids: Sequence[str]) -> Iterator[tuple[str, tuple[str, str]]]:
        """(resource_id, (stamp, data)) of those of `resource_ids` that have a judge state."""
        for i in range(0, len(resource_ids), 500):
            chunk = resource_ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for rid, st, data in self._conn.execute(
                f"SELECT resource_id, stamp, data FROM judge_state WHERE resource_id IN ({marks})",
                chunk,
            ):
                yield str(rid), (str(st), str(data))

    def judge_state(self, resource_id: str) -> tuple[str, str] | None:
        row = self._conn.execute(
            "SELECT stamp, data FROM judge_state WHERE resource_id = ?", (resource_id,)
        ).fetchone()
        return None if row is None else (str(row[0]), str(row[1]))

    def put_judge_state(self, resource_id: str, stamp: str, data: str) -> None:
        self._conn.execute(
            "INSERT INTO judge_state(resource_id, stamp, data) VALUES (?, ?, ?)"
            " ON CONFLICT(resource_id) DO UPDATE SET stamp = excluded.stamp, data = excluded.data",
            (resource_id, stamp, data),
        )

    # -- retention ------------------------------------------------------------------------
    def drop_before(
        self, resource_id: str, cutoff: datetime, keep: Iterable[int], keep_at: Iterable[datetime]
    ) -> int:
        """Delete the resource's checks older than `cutoff` but the full rows `keep`, the
        repeats made at `keep_at` and the rows a kept repeat points at; how many went."""
        kept = sorted(set(keep))
        marks = ",".join("?" * len(kept)) or "NULL"
        times = sorted({ts(t) for t in keep_at})
        tmarks = ",".join("?" * len(times)) or "NULL"
        at = ts(cutoff)
        with self.atomic():
            gone = self._conn.execute(
                f"DELETE FROM repeats WHERE checked_at < ? AND checked_at NOT IN ({tmarks})"
                " AND base IN (SELECT id FROM observations WHERE resource_id = ?)",
                (at, *times, resource_id),
            ).rowcount
            gone += self._conn.execute(
                "DELETE FROM observations WHERE resource_id = ? AND checked_at < ?"
                f" AND id NOT IN ({marks})"
                " AND NOT EXISTS (SELECT 1 FROM repeats r WHERE r.base = observations.id)",
                (resource_id, at, *kept),
            ).rowcount
        return int(gone)

    def drop_unkeyed_before(self, cutoff: datetime) -> int:
        """Delete checks of no resource (`audit check --url`) older than `cutoff`."""
        with self.atomic():
            return int(
                self._conn.execute(
                    "DELETE FROM observations WHERE resource_id IS NULL AND checked_at < ?"
                    " AND NOT EXISTS (SELECT 1 FROM repeats r WHERE r.base = observations.id)",
                    (ts(cutoff),),
                ).rowcount
            )

    def vacuum(self) -> None:
        """Give the space of deleted rows back (to the OS on SQLite, to reuse on PostgreSQL)."""
        self._conn.execute("VACUUM")  # PostgreSQL: autocommit, as VACUUM requires
        if self.engine is db.Engine.SQLITE:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def size(self) -> int:
        """Bytes the store takes on disk (SQLite: main file and write-ahead log)."""
        if self.engine is db.Engine.POSTGRESQL:
            row = self._conn.execute("SELECT pg_database_size(current_database())").fetchone()
            return int(row[0])
        path = Path(self.path)
        return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())

    # -- parse cache ------------------------------------------------------------------
    def cached(self, kind: str, digest: str) -> str | None:
        row = self._conn.execute(
            "SELECT data FROM parse_cache WHERE kind = ? AND digest = ?", (kind, digest)
        ).fetchone()
        return None if row is None else str(row[0])

    def put_cached(self, kind: str, digest: str, data: str) -> None:
        self._conn.execute(
            "INSERT INTO parse_cache(kind, digest, data) VALUES (?, ?, ?)"
            " ON CONFLICT(kind) DO UPDATE SET digest = excluded.digest, data = excluded.data",
            (kind, digest, data),
        )

    # -- verdicts ---------------------------------------------------------------------
    def latest_verdicts(self) -> dict[str, Verdict]:
        rows = self._conn.execute(
            "SELECT resource_id, after FROM verdicts WHERE id IN"
            " (SELECT MAX(id) FROM verdicts GROUP BY resource_id)"
        )
        return {rid: Verdict(after) for rid, after in rows}

    def add_verdict_changes(self, run_id: int | None, changes: Iterable[VerdictChange]) -> None:
        with self._conn:
            self._conn.executemany(
                "INSERT INTO verdicts(resource_id, url, run_id, at, before, after, reason)"
                " VALUES (?,?,?,?,?,?,?)",
                [
                    (
                        c.resource_id,
                        c.url,
                        run_id,
                        ts(c.at),
                        c.before.value if c.before else None,
                        c.after.value,
                        c.reason,
                    )
                    for c in changes
                ],
            )

    def verdict_changes(
        self, resource_id: str | None = None, run_id: int | None = None
    ) -> list[VerdictChange]:
        sql = "SELECT resource_id, url, before, after, at, reason FROM verdicts"
        where: list[str] = []
        args: list[object] = []
        if resource_id is not None:
            where.append("resource_id = ?")
            args.append(resource_id)
        if run_id is not None:
            where.append("run_id = ?")
            args.append(run_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [
            VerdictChange(rid, url, Verdict(b) if b else None, Verdict(a), _dt(at), reason)
            for rid, url, b, a, at, reason in self._conn.execute(sql + " ORDER BY id", args)
        ]

    def verdict_changes_by_run(self) -> list[tuple[int, VerdictChange]]:
        return [
            (run_id, VerdictChange(rid, url, Verdict(b) if b else None, Verdict(a), _dt(at), why))
            for run_id, rid, url, b, a, at, why in self._conn.execute(
                "SELECT run_id, resource_id, url, before, after, at, reason FROM verdicts"
                " WHERE run_id IS NOT NULL ORDER BY id"
            )
        ]

    # -- snapshots (the archive step's cache) ---------------------------------------------
    def get_snapshot(self, url: str) -> tuple[datetime, ArchiveLookup] | None:
        row = self._conn.execute(
            "SELECT looked_up_at, data FROM snapshots WHERE url = ?", (url,)
        ).fetchone()
        if row is None:
            return None
        return _dt(row[0]), codec.decode(ArchiveLookup, row[1])

    def put_snapshot(self, lookup: ArchiveLookup, at: datetime) -> None:
        self._conn.execute(
            "INSERT INTO snapshots(url, looked_up_at, status, data) VALUES (?,?,?,?)"
            " ON CONFLICT(url) DO UPDATE SET looked_up_at = excluded.looked_up_at,"
            " status = excluded.status, data = excluded.data",
            (
                lookup.url,
                ts(at),
                lookup.status.value,
                codec.encode(lookup),
            ),
        )

    def snapshots(self) -> dict[str, ArchiveLookup]:
        return {
            url: codec.decode(ArchiveLookup, data)
            for url, data in self._conn.execute("SELECT url, data FROM snapshots")
        }

    # -- notifications --------------------------------------------------------------------
    def add_notification(
        self, run_id: int | None, target: str, at: datetime, ok: bool, detail: str
    ) -> None:
        self._conn.execute(
            "INSERT INTO notifications(run_id, target, at, ok, detail) VALUES (?,?,?,?,?)",
            (run_id, target, ts(at), int(ok), detail),
        )


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
    lock_fd: int | None = None
    conn: sqlite3.Connection | None = None
    try:
        _writable(path)
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
            _quick_check(conn, path)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        _migrate(conn, path)
    except BaseException as exc:
        if conn is not None:
            conn.close()
        if lock_fd is not None:
            os.close(lock_fd)
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"{path}: cannot open the store: {_sqlite_why(exc)}") from None
        if isinstance(exc, OSError):
            why = exc.strerror or exc
            raise StoreError(f"{path}: cannot open the store: {why}") from None
        raise
    return Store(path, conn, lock_fd, db.Engine.SQLITE)


DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error,)
"""What a store operation may raise past open_store (disk full, I/O errors): the CLI
turns these into one line."""


def describe(exc: Exception) -> str:
    """One line for a DATABASE_ERRORS exception."""
    return _sqlite_why(exc) if isinstance(exc, sqlite3.Error) else str(exc)


def _sqlite_why(exc: sqlite3.Error) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "readonly" in text or "read-only" in text:
        return f"{text} (is the file or its folder read-only?)"
    if "disk is full" in text:
        return f"{text} (free some space; nothing was lost)"
    if "malformed" in text or "not a database" in text:
        return f"{text} (restore it from a backup, or move it aside to start afresh)"
    return text


def _writable(path: Path) -> None:
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


def _quick_check(conn: sqlite3.Connection, path: Path) -> None:
    # one line: a row of quick_check's answer may itself span several
    rows = [" ".join(str(r[0]).split()) for r in conn.execute("PRAGMA quick_check(3)")]
    if rows != ["ok"]:
        raise StoreError(
            f"{path}: the store is corrupt ({'; '.join(rows)[:200]}); restore it from a "
            "backup, or move it aside to start afresh"
        )


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
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


def ts(value: datetime) -> str:
    """The stored form of a timestamp (milliseconds are plenty for checks)."""
    return value.isoformat(timespec="milliseconds")


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _run(row: Sequence[Any]) -> RunInfo:
    return RunInfo(
        id=row[0],
        started=_dt(row[1]),
        finished=_dt(row[2]) if row[2] else None,
        network=Network(row[3]),
        vantage=row[4],
        tool_version=row[5],
    )


_OBSERVATION_COLUMNS = "id, run_id, resource_id, outcome, evidence, data, classified_by"
# the same columns for a repeat (its base's facts), then its own time and duration
_REPEAT_COLUMNS = (
    "o.id, r.run_id, o.resource_id, o.outcome, o.evidence, o.data, o.classified_by,"
    " r.checked_at, r.elapsed_ms, r.id, 1"
)


def _stored(row: Sequence[Any]) -> StoredObservation:
    obs = codec.decode(Observation, row[5])
    if len(row) > 7 and row[10]:
        obs = replace(obs, checked_at=_dt(row[7]), elapsed_ms=row[8])
    return StoredObservation(
        id=row[0],
        run_id=row[1],
        resource_id=row[2],
        observation=obs,
        classification=Classification(Outcome(row[3]), codec.decode(tuple[str, ...], row[4])),
        classified_by=row[6],
        repeat=len(row) > 7 and bool(row[10]),
    )
