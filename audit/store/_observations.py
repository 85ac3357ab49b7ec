"""Observations (full rows and compact repeats), judge states, retention."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

from audit import codec, db
from audit.models import Classification, Observation
from audit.store._rows import (
    OBSERVATION_COLUMNS,
    REPEAT_COLUMNS,
    Base,
    StoredObservation,
    stored,
    ts,
)


class Observations(Base):
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
            f"SELECT {OBSERVATION_COLUMNS}, checked_at, NULL, 0, 0 FROM observations{cond}"
            f" UNION ALL SELECT {REPEAT_COLUMNS} FROM repeats r"
            f" JOIN observations o ON o.id = r.base{rcond}"
            " ORDER BY 8, 1, 10"
        )
        for row in self._conn.execute(sql, args + args):
            yield stored(row)

    def latest_rows(self, ids: Iterable[int]) -> dict[int, StoredObservation]:
        """Full observation rows by id (the last checks a report shows), in batches."""
        out: dict[int, StoredObservation] = {}
        wanted = list(ids)
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(
                f"SELECT {OBSERVATION_COLUMNS} FROM observations WHERE id IN ({marks})", chunk
            ):
                out[row[0]] = stored(row)
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
