"""How the store's rows map to the vocabulary: timestamps, runs, observations."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from audit import codec, db
from audit.models import Classification, Network, Observation, Outcome, RunInfo


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


class Base:
    """What every part of the store works on: the connection and its transactions."""

    path: db.Location
    engine: db.Engine
    _conn: Any  # sqlite3.Connection, or audit.db.postgres.PgConnection (the same calls)

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


def ts(value: datetime) -> str:
    """The stored form of a timestamp (milliseconds are plenty for checks)."""
    return value.isoformat(timespec="milliseconds")


def dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def run_info(row: Sequence[Any]) -> RunInfo:
    return RunInfo(
        id=row[0],
        started=dt(row[1]),
        finished=dt(row[2]) if row[2] else None,
        network=Network(row[3]),
        vantage=row[4],
        tool_version=row[5],
    )


OBSERVATION_COLUMNS = "id, run_id, resource_id, outcome, evidence, data, classified_by"
# the same columns for a repeat (its base's facts), then its own time and duration
REPEAT_COLUMNS = (
    "o.id, r.run_id, o.resource_id, o.outcome, o.evidence, o.data, o.classified_by,"
    " r.checked_at, r.elapsed_ms, r.id, 1"
)


def stored(row: Sequence[Any]) -> StoredObservation:
    obs = codec.decode(Observation, row[5])
    if len(row) > 7 and row[10]:
        obs = replace(obs, checked_at=dt(row[7]), elapsed_ms=row[8])
    return StoredObservation(
        id=row[0],
        run_id=row[1],
        resource_id=row[2],
        observation=obs,
        classification=Classification(Outcome(row[3]), codec.decode(tuple[str, ...], row[4])),
        classified_by=row[6],
        repeat=len(row) > 7 and bool(row[10]),
    )
